/**
 * After an SNMP request timed out: is anything listening on the agent's UDP
 * port? A wrong v2c community gets no answer at all (as from snmpd), so only
 * this tells "piman server is not running" from "the agent ignored us". A
 * connected UDP socket sees the ICMP port-unreachable of a closed port as
 * ECONNREFUSED; a listening port (or a host that sends no ICMP) stays silent.
 * The probe is an empty datagram, which an agent drops as unparsable.
 */
import dgram from 'node:dgram';

export type ProbeResult = 'closed' | 'silent';

export function probeUdpPort(address: string, port: number, waitMs = 400): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    let done = false;
    const finish = (r: ProbeResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.close();
      resolve(r);
    };
    const timer = setTimeout(() => finish('silent'), waitMs);
    s.on('error', (e: NodeJS.ErrnoException) => finish(e.code === 'ECONNREFUSED' ? 'closed' : 'silent'));
    s.connect(port, address, () => s.send(Buffer.alloc(0)));
  });
}
