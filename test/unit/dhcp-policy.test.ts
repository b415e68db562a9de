import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDhcp, type DhcpPacket } from '../../src/dhcp/packet.js';
import { MessageType, Opt, getIp, getMessageType, getString, getUint32 } from '../../src/dhcp/options.js';
import {
  broadcastOf,
  buildReply,
  classify,
  decide,
  fromAllowedRelay,
  replyDestination,
  type Bindings,
  type ClientBinding,
  type ServerSettings,
} from '../../src/dhcp/policy.js';
import { header, pi3Discover, pi4Discover, pi4Request, PI4_MAC, PI_OPTION_43 } from '../vectors/dhcp-pi.js';

const S: ServerSettings = { address: '10.0.0.1', netmask: '255.255.255.0', router: '10.0.0.254', dns: ['10.0.0.53'], domain: 'rack', leaseSeconds: 3600 };
const PI4 = 'dc:a6:32:01:36:c2';
const PI3 = 'b8:27:eb:12:34:56';

function fakeBindings(map: Record<string, string>, pool?: string[]): Bindings {
  return {
    hasPool: pool !== undefined,
    lookup: (mac): ClientBinding | undefined =>
      map[mac] ? { mac, ip: map[mac]!, hostname: `pi-${map[mac]!.split('.')[3]}`, port: { switchIndex: 1, port: 5 }, source: 'static' } : undefined,
    allocate: (_mac, requested) => (pool ? (requested && pool.includes(requested) ? requested : pool[0]) : undefined),
  };
}

const bindings = fakeBindings({ [PI4]: '10.0.0.5', [PI3]: '10.0.0.3' });
const ports = { serverPort: 67, clientPort: 68, broadcastAddress: '255.255.255.255' };

function run(req: DhcpPacket, b: Bindings = bindings, pxe = true) {
  const c = classify(req);
  assert.ok(c, 'request classified');
  const d = decide(req, c, b, S);
  return { d, reply: buildReply(req, d, S, pxe) };
}

function packet(opts: number[], h: { ciaddr?: number[]; flags?: number; giaddr?: number[] } = {}, mac = PI4_MAC): DhcpPacket {
  const b = header(99, mac, h);
  if (h.giaddr) b.splice(24, 4, ...h.giaddr);
  return decodeDhcp(Buffer.from([...b, ...opts, 255]));
}

test('Pi 4 DISCOVER gets an OFFER with its address and the exact PXE options', () => {
  const { d, reply } = run(decodeDhcp(pi4Discover()));
  assert.equal(d.kind, 'offer');
  assert.ok(reply);
  assert.equal(reply.op, 2);
  assert.equal(getMessageType(reply), MessageType.OFFER);
  assert.equal(reply.yiaddr, '10.0.0.5');
  assert.equal(reply.siaddr, '10.0.0.1');
  assert.equal(getIp(reply, Opt.serverId), '10.0.0.1');
  assert.equal(getString(reply, Opt.tftpServerName), '10.0.0.1');
  assert.equal(getString(reply, Opt.vendorClass), 'PXEClient');
  assert.deepEqual(reply.options.get(Opt.vendorSpecific), PI_OPTION_43); // the vector, not the source's constant
  assert.equal(getIp(reply, Opt.subnetMask), '255.255.255.0');
  assert.equal(getIp(reply, Opt.router), '10.0.0.254');
  assert.equal(getIp(reply, Opt.dns), '10.0.0.53');
  assert.equal(getString(reply, Opt.hostname), 'pi-5');
  assert.equal(getString(reply, Opt.domainName), 'rack');
  assert.equal(getIp(reply, Opt.broadcastAddress), '10.0.0.255');
  assert.equal(getUint32(reply, Opt.leaseTime), 3600);
  assert.equal(getUint32(reply, Opt.renewalTime), 1800);
  assert.equal(getUint32(reply, Opt.rebindingTime), 3150);
  assert.deepEqual(reply.chaddr, decodeDhcp(pi4Discover()).chaddr);
});

test('without PXE the reply carries no 60/43/66', () => {
  const { reply } = run(decodeDhcp(pi4Discover()), bindings, false);
  assert.ok(reply);
  for (const o of [Opt.vendorClass, Opt.vendorSpecific, Opt.tftpServerName]) assert.equal(reply.options.has(o), false);
});

test('Pi 3 quirk: two Pis with the same xid each get the offer for their own chaddr', () => {
  const a = run(decodeDhcp(pi3Discover()));
  const b = run(decodeDhcp(pi3Discover(PI4_MAC)));
  assert.equal(a.reply?.xid, b.reply?.xid);
  assert.equal(a.reply?.yiaddr, '10.0.0.3');
  assert.equal(b.reply?.yiaddr, '10.0.0.5');
});

test('REQUEST for the own address is ACKed, for another address NAKed', () => {
  const ok = run(decodeDhcp(pi4Request([10, 0, 0, 5], [10, 0, 0, 1])));
  assert.equal(ok.d.kind, 'ack');
  assert.equal(getMessageType(ok.reply!), MessageType.ACK);
  assert.equal(ok.reply!.yiaddr, '10.0.0.5');
  const bad = run(decodeDhcp(pi4Request([10, 0, 0, 9], [10, 0, 0, 1])));
  assert.equal(bad.d.kind, 'nak');
  assert.equal(getMessageType(bad.reply!), MessageType.NAK);
  assert.equal(bad.reply!.yiaddr, '0.0.0.0');
  assert.equal(bad.reply!.options.has(Opt.leaseTime), false);
  assert.equal(replyDestination(decodeDhcp(pi4Request([10, 0, 0, 9], [10, 0, 0, 1])), bad.reply!, ports).broadcast, true);
});

test('REQUEST naming another server is left to that server', () => {
  const { d, reply } = run(decodeDhcp(pi4Request([10, 0, 0, 5], [10, 0, 0, 2])));
  assert.equal(d.kind, 'otherServer');
  assert.equal(reply, undefined);
});

test('renewal (ciaddr, no 50/54) is ACKed and unicast to ciaddr; wrong ciaddr NAKed', () => {
  const req = packet([53, 1, 3], { ciaddr: [10, 0, 0, 5] });
  const { d, reply } = run(req);
  assert.equal(d.kind, 'ack');
  assert.equal(reply!.ciaddr, '10.0.0.5');
  assert.deepEqual(replyDestination(req, reply!, ports), { address: '10.0.0.5', port: 68, broadcast: false });
  assert.equal(run(packet([53, 1, 3], { ciaddr: [10, 0, 0, 7] })).d.kind, 'nak');
});

test('INIT-REBOOT (option 50 only) for a wrong address is NAKed', () => {
  assert.equal(run(packet([53, 1, 3, 50, 4, 192, 168, 1, 9])).d.kind, 'nak');
  assert.equal(run(packet([53, 1, 3, 50, 4, 10, 0, 0, 5])).d.kind, 'ack');
});

test('unknown MAC without pool: no reply for DISCOVER, REQUEST, INFORM', () => {
  const mac = [0x02, 0, 0, 0, 0, 9];
  for (const opts of [[53, 1, 1], [53, 1, 3, 50, 4, 10, 0, 0, 9], [53, 1, 8]]) {
    const { d, reply } = run(packet(opts, { ciaddr: [10, 0, 0, 9] }, mac));
    assert.equal(d.kind, 'unknown');
    assert.equal(reply, undefined);
  }
});

test('unknown MAC with a pool gets a pool address; INIT-REBOOT without record stays silent', () => {
  const b = fakeBindings({}, ['10.0.0.100', '10.0.0.101']);
  const mac = [0x02, 0, 0, 0, 0, 9];
  const { d, reply } = run(packet([53, 1, 1, 50, 4, 10, 0, 0, 101], {}, mac), b, false);
  assert.equal(d.kind, 'offer');
  assert.equal(reply!.yiaddr, '10.0.0.101');
  assert.equal(run(packet([53, 1, 3, 50, 4, 10, 0, 0, 101], {}, mac), b).d.kind, 'ignore');
  assert.equal(run(packet([53, 1, 3, 50, 4, 192, 168, 0, 1], {}, mac), b).d.kind, 'nak');
});

test('RELEASE, DECLINE and INFORM', () => {
  assert.equal(run(packet([53, 1, 7, 54, 4, 10, 0, 0, 1], { ciaddr: [10, 0, 0, 5] })).d.kind, 'release');
  assert.equal(run(packet([53, 1, 7], { ciaddr: [10, 0, 0, 6] })).d.kind, 'ignore');
  const dec = run(packet([53, 1, 4, 50, 4, 10, 0, 0, 5, 54, 4, 10, 0, 0, 1]));
  assert.equal(dec.d.kind, 'decline');
  assert.equal(dec.reply, undefined);
  const inf = run(packet([53, 1, 8], { ciaddr: [10, 0, 0, 5] }));
  assert.equal(inf.d.kind, 'inform');
  assert.equal(getMessageType(inf.reply!), MessageType.ACK);
  assert.equal(inf.reply!.yiaddr, '0.0.0.0');
  assert.equal(inf.reply!.options.has(Opt.leaseTime), false);
});

test('server-side message types and non-Ethernet requests are not classified', () => {
  assert.equal(classify(packet([53, 1, 2])), undefined);
  assert.equal(classify(packet([53, 1, 5])), undefined);
  assert.equal(classify(packet([])), undefined);
  assert.equal(classify({ ...packet([53, 1, 1]), hlen: 4 }), undefined);
  assert.equal(classify({ ...packet([53, 1, 1]), op: 2 }), undefined);
});

test('relayed requests are answered to giaddr on the server port; relayed NAK gets the broadcast flag', () => {
  const req = packet([53, 1, 1], { giaddr: [10, 0, 0, 2] });
  const { reply } = run(req);
  assert.equal(reply!.giaddr, '10.0.0.2');
  assert.deepEqual(replyDestination(req, reply!, ports), { address: '10.0.0.2', port: 67, broadcast: false });
  const nakReq = packet([53, 1, 3, 50, 4, 10, 0, 0, 99], { giaddr: [10, 0, 0, 2] });
  const nak = run(nakReq).reply!;
  assert.equal(nak.flags & 0x8000, 0x8000);
});

test('clients without an address get a broadcast, flag or not', () => {
  for (const flags of [0, 0x8000]) {
    const req = packet([53, 1, 1], { flags });
    const { reply } = run(req);
    assert.deepEqual(replyDestination(req, reply!, ports), { address: '255.255.255.255', port: 68, broadcast: true });
    assert.equal(reply!.flags, flags);
  }
});

test('broadcastOf', () => {
  assert.equal(broadcastOf('10.0.0.1', '255.255.255.0'), '10.0.0.255');
  assert.equal(broadcastOf('172.16.5.9', '255.255.0.0'), '172.16.255.255');
});

test('relayed requests count only from a relay listed in dhcp.relays; direct requests always', () => {
  const relays = new Set(['10.0.0.2']);
  assert.equal(fromAllowedRelay(packet([53, 1, 1]), relays), true);
  assert.equal(fromAllowedRelay(packet([53, 1, 1], { giaddr: [10, 0, 0, 2] }), relays), true);
  assert.equal(fromAllowedRelay(packet([53, 1, 1], { giaddr: [192, 0, 2, 9] }), relays), false);
  assert.equal(fromAllowedRelay(packet([53, 1, 1], { giaddr: [10, 0, 0, 2] }), new Set()), false, 'none listed: none accepted');
});
