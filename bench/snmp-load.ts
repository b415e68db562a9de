/**
 * A lean SNMPv2c GET load generator for bench/snmp.ts: prebuilt request
 * packets on a raw UDP socket, replies matched by request-id only, so the
 * client spends a few µs per GET and the server is what is measured
 * (like perfdhcp for DHCP). The net-snmp client, ~13 µs per GET, is the
 * limit of the bench's other in-flight measure.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { oidTlv, readTlv, readUint, tlv } from '../src/snmp/ber.js';

/**
 * A GET request for `oid` whose request-id is four octets at `idOffset`.
 * Ids from 0x10000000 up keep that 4-octet INTEGER minimal, as BER wants.
 */
export function getRequestTemplate(community: string, oid: string): { packet: Buffer; idOffset: number } {
  const vb = tlv(0x30, tlv(0x30, Buffer.concat([oidTlv(oid), Buffer.from([0x05, 0x00])])));
  const pduBody = Buffer.concat([Buffer.from([0x02, 0x04, 0x10, 0, 0, 0]), Buffer.from([0x02, 0x01, 0x00, 0x02, 0x01, 0x00]), vb]);
  const pdu = tlv(0xa0, pduBody);
  const head = Buffer.concat([Buffer.from([0x02, 0x01, 0x01]), tlv(0x04, Buffer.from(community))]);
  const packet = tlv(0x30, Buffer.concat([head, pdu]));
  const idOffset = packet.length - pdu.length + (pdu.length - pduBody.length) + 2;
  return { packet, idOffset };
}

/** Request-id of a response (SEQUENCE, version, community, GetResponse-PDU, INTEGER), or -1. */
export function responseRequestId(b: Buffer): number {
  const msg = readTlv(b, 0, 0x30);
  const version = msg && readTlv(b, msg.start, 0x02);
  const community = version && readTlv(b, version.end, 0x04);
  const pdu = community && readTlv(b, community.end, 0xa2);
  const id = pdu && readTlv(b, pdu.start, 0x02);
  return (id && readUint(b, id)) ?? -1;
}

/** GETs answered per second with `inFlight` outstanding for `seconds`; lost replies are replaced after 50 ms of silence. */
export async function loadGen(port: number, community: string, oid: string, inFlight: number, seconds: number): Promise<{ perSec: number; lost: number }> {
  const { packet, idOffset } = getRequestTemplate(community, oid);
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  s.connect(port, '127.0.0.1');
  await once(s, 'connect');
  const outstanding = new Set<number>();
  let nextId = 0x10000000;
  let answered = 0;
  let lost = 0;
  let lastReply = performance.now();
  let running = true;
  const send = (): void => {
    const id = nextId++;
    const b = Buffer.from(packet);
    b.writeUInt32BE(id, idOffset);
    outstanding.add(id);
    s.send(b);
  };
  s.on('message', (m) => {
    if (!outstanding.delete(responseRequestId(m))) return;
    answered++;
    lastReply = performance.now();
    if (running) send();
  });
  const watchdog = setInterval(() => {
    if (performance.now() - lastReply < 50) return;
    lost += outstanding.size;
    outstanding.clear();
    for (let i = 0; i < inFlight; i++) send();
  }, 50);
  for (let i = 0; i < inFlight; i++) send();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  running = false;
  clearInterval(watchdog);
  s.close();
  return { perSec: answered / seconds, lost };
}
