/**
 * PiNetwork on a real Ethernet segment (a veth in the Pi's own network
 * namespace): DHCP by broadcast from 0.0.0.0:68 to 255.255.255.255:67, as
 * a boot ROM does; the leased address is then put on the interface with
 * `ip`, so TFTP and TCP leave from it. Needs root inside the namespace.
 */
import { createSocket, type Socket } from 'node:dgram';
import { execFile } from 'node:child_process';
import { PimanError } from '../../errors.js';
import { parseIpv4 } from '../../cluster/ipv4.js';
import type { Lease } from '../pi-dhcp.js';
import type { DhcpLink, PiNetwork } from '../virtual-pi.js';

export function ip(args: string[], timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('ip', args, { timeout: timeoutMs }, (err, _out, stderr) =>
      err ? reject(new PimanError('E_NETNS', `ip ${args.join(' ')}: ${String(stderr).trim() || err.message}`)) : resolve(),
    );
  });
}

export function prefixLength(netmask: string | undefined): number {
  const n = netmask ? parseIpv4(netmask) : null;
  if (n === null) return 24;
  let bits = 0;
  for (let v = n >>> 0; v & 0x80000000; v = (v << 1) >>> 0) bits++;
  return bits;
}

export class NetnsNetwork implements PiNetwork {
  constructor(private readonly dev = 'eth0') {}

  /** A powered-on Pi has no address yet; the ROM's broadcasts need a route to 255.255.255.255. */
  async reset(): Promise<void> {
    await ip(['link', 'set', this.dev, 'up']);
    await ip(['addr', 'flush', 'dev', this.dev]);
    await ip(['route', 'replace', '255.255.255.255', 'dev', this.dev]);
  }

  openDhcp(): Promise<DhcpLink> {
    return new Promise((resolve, reject) => {
      const sock: Socket = createSocket({ type: 'udp4', reuseAddr: true });
      const listeners = new Set<(p: Buffer) => void>();
      sock.once('error', reject);
      sock.on('message', (m: Buffer) => {
        for (const l of listeners) l(m);
      });
      sock.bind({ address: '0.0.0.0', port: 68 }, () => {
        sock.off('error', reject);
        sock.on('error', () => undefined);
        sock.setBroadcast(true);
        resolve({
          send: (packet) => new Promise<void>((res) => sock.send(packet, 67, '255.255.255.255', () => res())),
          onReply: (l) => {
            listeners.add(l);
            return () => listeners.delete(l);
          },
          close: () => {
            listeners.clear();
            sock.close();
          },
        });
      });
    });
  }

  async useLease(lease: Lease): Promise<string> {
    await ip(['addr', 'replace', `${lease.ip}/${prefixLength(lease.netmask)}`, 'dev', this.dev]);
    return lease.ip;
  }
}
