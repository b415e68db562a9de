// Every branch of the DHCP server policy (RFC 2131 4.3) with exact decisions
// and replies, written to kill the mutants the older tests let live
// (README "Mutation testing").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DhcpPacket } from '../../src/dhcp/packet.js';
import { MessageType, Opt, PI_PXE_VENDOR_OPTIONS, type MessageTypeCode } from '../../src/dhcp/options.js';
import { broadcastOf, buildReply, classify, decide, replyDestination, type Bindings, type ClientBinding, type Decision, type ServerSettings } from '../../src/dhcp/policy.js';

const S: ServerSettings = { address: '10.0.0.1', netmask: '255.255.255.0', router: '10.0.0.254', dns: ['10.0.0.53', '10.0.0.54'], domain: 'rack', leaseSeconds: 3601 };
const MAC = 'dc:a6:32:01:02:03';
const KNOWN: ClientBinding = { mac: MAC, ip: '10.0.0.5', hostname: 'pi5', port: { switchIndex: 1, port: 5 }, source: 'static' };
const ports = { serverPort: 67, clientPort: 68, broadcastAddress: '10.0.0.255' };

function req(type: MessageTypeCode | null, opts: Array<[number, number[]]> = [], patch: Partial<DhcpPacket> = {}): DhcpPacket {
  const options = new Map<number, Buffer>(opts.map(([c, v]) => [c, Buffer.from(v)]));
  if (type !== null) options.set(Opt.messageType, Buffer.from([type]));
  return {
    op: 1,
    htype: 1,
    hlen: 6,
    hops: 2,
    xid: 0xabcdef01,
    secs: 9,
    flags: 0,
    ciaddr: '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    chaddr: Buffer.from([0xdc, 0xa6, 0x32, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    sname: 'x',
    file: 'y',
    options,
    ...patch,
  };
}

interface FakeBindings extends Bindings {
  readonly asked: Array<[string, string | undefined]>;
}

function bindings(known: ClientBinding | undefined, pool: string | undefined | null): FakeBindings {
  const asked: Array<[string, string | undefined]> = [];
  return {
    asked,
    hasPool: pool !== null,
    lookup: (mac) => (known && mac === known.mac ? known : undefined),
    allocate: (mac, requested) => {
      asked.push([mac, requested]);
      return pool ?? undefined;
    },
  };
}

const ip = (s: string) => s.split('.').map(Number);
const decideFor = (r: DhcpPacket, b: Bindings): Decision => {
  const c = classify(r);
  assert.ok(c, 'classified');
  return decide(r, c, b, S);
};

test('classify: client messages from Ethernet clients only', () => {
  for (const t of [MessageType.DISCOVER, MessageType.REQUEST, MessageType.DECLINE, MessageType.RELEASE, MessageType.INFORM]) {
    assert.deepEqual(classify(req(t)), { type: t, mac: MAC });
  }
  for (const t of [MessageType.OFFER, MessageType.ACK, MessageType.NAK]) assert.equal(classify(req(t)), undefined);
  assert.equal(classify(req(null)), undefined);
  assert.equal(classify(req(MessageType.DISCOVER, [], { op: 2 })), undefined);
  assert.equal(classify(req(MessageType.DISCOVER, [], { htype: 6 })), undefined);
});

test('DISCOVER: known client gets its binding; a pool client gets the pool address, asked with option 50', () => {
  assert.deepEqual(decideFor(req(MessageType.DISCOVER), bindings(KNOWN, null)), { kind: 'offer', binding: KNOWN });
  const b = bindings(undefined, '10.0.0.100');
  assert.deepEqual(decideFor(req(MessageType.DISCOVER, [[Opt.requestedIp, [10, 0, 0, 7]]]), b), {
    kind: 'offer',
    binding: { mac: MAC, ip: '10.0.0.100', hostname: null, port: null, source: 'pool' },
  });
  assert.deepEqual(b.asked, [[MAC, '10.0.0.7']]);
});

test('DISCOVER: a full pool is ignored with a reason; no pool means unknown', () => {
  const full = decideFor(req(MessageType.DISCOVER), bindings(undefined, undefined));
  assert.equal(full.kind, 'ignore');
  assert.match(full.kind === 'ignore' ? full.reason : '', /pool is full/);
  assert.deepEqual(decideFor(req(MessageType.DISCOVER), bindings(undefined, null)), { kind: 'unknown', mac: MAC });
});

test('REQUEST from a known client: our server id or none, address from option 50 or ciaddr', () => {
  const b = bindings(KNOWN, null);
  assert.deepEqual(decideFor(req(MessageType.REQUEST, [[Opt.requestedIp, ip('10.0.0.5')], [Opt.serverId, ip('10.0.0.1')]]), b), { kind: 'ack', binding: KNOWN });
  assert.deepEqual(decideFor(req(MessageType.REQUEST, [], { ciaddr: '10.0.0.5' }), b), { kind: 'ack', binding: KNOWN });
  assert.deepEqual(decideFor(req(MessageType.REQUEST, [[Opt.requestedIp, ip('10.0.0.5')]], { ciaddr: '10.0.0.9' }), b), { kind: 'ack', binding: KNOWN }, 'option 50 wins over ciaddr');
  assert.deepEqual(decideFor(req(MessageType.REQUEST, [[Opt.serverId, ip('10.0.0.2')]]), b), { kind: 'otherServer', mac: MAC });
});

test('REQUEST from a known client naming no or another address is NAKed with a reason', () => {
  const b = bindings(KNOWN, null);
  const none = decideFor(req(MessageType.REQUEST), b);
  assert.equal(none.kind, 'nak');
  assert.match(none.kind === 'nak' ? none.reason : '', /no address/);
  const other = decideFor(req(MessageType.REQUEST, [[Opt.requestedIp, ip('10.0.0.6')]]), b);
  assert.deepEqual(other, { kind: 'nak', mac: MAC, reason: other.kind === 'nak' ? other.reason : '' });
  assert.match(other.kind === 'nak' ? other.reason : '', /10\.0\.0\.6 .*10\.0\.0\.5/);
});

test('REQUEST from a client without record: unknown without pool; with pool NAK off-subnet or selecting us, else silence', () => {
  assert.deepEqual(decideFor(req(MessageType.REQUEST, [[Opt.requestedIp, ip('10.0.0.5')]]), bindings(undefined, null)), { kind: 'unknown', mac: MAC });
  const pool = bindings(undefined, '10.0.0.100');
  const selecting = decideFor(req(MessageType.REQUEST, [[Opt.serverId, ip('10.0.0.1')], [Opt.requestedIp, ip('10.0.0.100')]]), pool);
  assert.equal(selecting.kind, 'nak');
  assert.match(selecting.kind === 'nak' ? selecting.reason : '', new RegExp(MAC));
  assert.equal(decideFor(req(MessageType.REQUEST, [[Opt.requestedIp, ip('192.168.9.9')]]), pool).kind, 'nak');
  assert.equal(decideFor(req(MessageType.REQUEST, [], { ciaddr: '10.0.1.9' }), pool).kind, 'nak', 'ciaddr outside the subnet');
  const inSubnet = decideFor(req(MessageType.REQUEST, [[Opt.requestedIp, ip('10.0.0.200')]]), pool);
  assert.equal(inSubnet.kind, 'ignore');
  assert.match(inSubnet.kind === 'ignore' ? inSubnet.reason : '', new RegExp(`no record of ${MAC}`));
  assert.equal(decideFor(req(MessageType.REQUEST), pool).kind, 'ignore', 'no address named at all');
  assert.deepEqual(pool.asked, [], 'a REQUEST never allocates');
});

test('DECLINE: only of the own address, for us or without server id', () => {
  const b = bindings(KNOWN, null);
  const decl = (opts: Array<[number, number[]]>, bb: Bindings = b) => decideFor(req(MessageType.DECLINE, opts), bb);
  assert.deepEqual(decl([[Opt.requestedIp, ip('10.0.0.5')]]), { kind: 'decline', binding: KNOWN, ip: '10.0.0.5' });
  assert.deepEqual(decl([[Opt.requestedIp, ip('10.0.0.5')], [Opt.serverId, ip('10.0.0.1')]]), { kind: 'decline', binding: KNOWN, ip: '10.0.0.5' });
  for (const [label, d] of [
    ['another server', decl([[Opt.requestedIp, ip('10.0.0.5')], [Opt.serverId, ip('10.0.0.2')]])],
    ['no address', decl([])],
    ['another address', decl([[Opt.requestedIp, ip('10.0.0.6')]])],
    ['unknown client', decl([[Opt.requestedIp, ip('10.0.0.5')]], bindings(undefined, '10.0.0.5'))],
  ] as const) {
    assert.equal(d.kind, 'ignore', label);
    assert.ok(d.kind === 'ignore' && d.reason.startsWith('DECLINE'), label);
  }
});

test('RELEASE: only of the own address by a known client', () => {
  assert.deepEqual(decideFor(req(MessageType.RELEASE, [], { ciaddr: '10.0.0.5' }), bindings(KNOWN, null)), { kind: 'release', binding: KNOWN });
  for (const d of [
    decideFor(req(MessageType.RELEASE, [], { ciaddr: '10.0.0.6' }), bindings(KNOWN, null)),
    decideFor(req(MessageType.RELEASE, [], { ciaddr: '10.0.0.5' }), bindings(undefined, '10.0.0.5')),
  ]) {
    assert.equal(d.kind, 'ignore');
    assert.match(d.kind === 'ignore' ? d.reason : '', /RELEASE/);
  }
});

test('INFORM: needs ciaddr; pool clients are answered without a binding; unknown without pool', () => {
  assert.deepEqual(decideFor(req(MessageType.INFORM, [], { ciaddr: '10.0.0.5' }), bindings(KNOWN, null)), { kind: 'inform', binding: KNOWN });
  assert.deepEqual(decideFor(req(MessageType.INFORM, [], { ciaddr: '10.0.0.77' }), bindings(undefined, '10.0.0.9')), { kind: 'inform', binding: undefined });
  assert.deepEqual(decideFor(req(MessageType.INFORM, [], { ciaddr: '10.0.0.77' }), bindings(undefined, null)), { kind: 'unknown', mac: MAC });
  const noCi = decideFor(req(MessageType.INFORM), bindings(KNOWN, null));
  assert.equal(noCi.kind, 'ignore');
  assert.match(noCi.kind === 'ignore' ? noCi.reason : '', /ciaddr/);
});

test('a server-side message type reaching decide is ignored, naming the type', () => {
  const d = decide(req(MessageType.OFFER), { type: MessageType.OFFER, mac: MAC }, bindings(KNOWN, null), S);
  assert.equal(d.kind, 'ignore');
  assert.match(d.kind === 'ignore' ? d.reason : '', /message type 2/);
});

const u32 = (b: Buffer | undefined) => b?.readUInt32BE(0);
const str = (b: Buffer | undefined) => b?.toString('latin1');
const ips = (b: Buffer | undefined) => (b ? Array.from({ length: b.length / 4 }, (_, i) => [...b.subarray(4 * i, 4 * i + 4)].join('.')) : undefined);

test('OFFER: header copied from the request, our address as siaddr and server id, lease and network options', () => {
  const r = req(MessageType.DISCOVER, [], { flags: 0x8000, giaddr: '10.0.0.2', ciaddr: '10.0.0.44' });
  const reply = buildReply(r, { kind: 'offer', binding: KNOWN }, S, false)!;
  assert.equal(reply.op, 2);
  assert.equal(reply.htype, 1);
  assert.equal(reply.hlen, 6);
  assert.equal(reply.hops, 0);
  assert.equal(reply.xid, 0xabcdef01);
  assert.equal(reply.secs, 0);
  assert.equal(reply.flags, 0x8000);
  assert.equal(reply.ciaddr, '0.0.0.0', 'an OFFER never carries ciaddr');
  assert.equal(reply.yiaddr, '10.0.0.5');
  assert.equal(reply.siaddr, '10.0.0.1');
  assert.equal(reply.giaddr, '10.0.0.2');
  assert.deepEqual(reply.chaddr, r.chaddr);
  assert.notEqual(reply.chaddr, r.chaddr, 'a copy, not the request buffer');
  assert.equal(reply.sname, '');
  assert.equal(reply.file, '');
  const o = reply.options;
  assert.deepEqual([...o.get(Opt.messageType)!], [MessageType.OFFER]);
  assert.deepEqual(ips(o.get(Opt.serverId)), ['10.0.0.1']);
  assert.equal(u32(o.get(Opt.leaseTime)), 3601);
  assert.equal(u32(o.get(Opt.renewalTime)), 1800);
  assert.equal(u32(o.get(Opt.rebindingTime)), 3150);
  assert.deepEqual(ips(o.get(Opt.subnetMask)), ['255.255.255.0']);
  assert.deepEqual(ips(o.get(Opt.router)), ['10.0.0.254']);
  assert.deepEqual(ips(o.get(Opt.dns)), ['10.0.0.53', '10.0.0.54']);
  assert.equal(str(o.get(Opt.hostname)), 'pi5');
  assert.equal(str(o.get(Opt.domainName)), 'rack');
  assert.deepEqual(ips(o.get(Opt.broadcastAddress)), ['10.0.0.255']);
  for (const pxe of [Opt.vendorClass, Opt.tftpServerName, Opt.vendorSpecific]) assert.equal(o.has(pxe), false);
});

test('ACK keeps the client ciaddr; PXE adds 60, 66 and 43', () => {
  const r = req(MessageType.REQUEST, [], { ciaddr: '10.0.0.5' });
  const reply = buildReply(r, { kind: 'ack', binding: KNOWN }, S, true)!;
  assert.deepEqual([...reply.options.get(Opt.messageType)!], [MessageType.ACK]);
  assert.equal(reply.ciaddr, '10.0.0.5');
  assert.equal(reply.yiaddr, '10.0.0.5');
  assert.equal(str(reply.options.get(Opt.vendorClass)), 'PXEClient');
  assert.equal(str(reply.options.get(Opt.tftpServerName)), '10.0.0.1');
  assert.deepEqual(reply.options.get(Opt.vendorSpecific), PI_PXE_VENDOR_OPTIONS);
});

test('optional network options are left out when not configured', () => {
  const bare: ServerSettings = { ...S, dns: [], domain: '' };
  const o = buildReply(req(MessageType.DISCOVER), { kind: 'offer', binding: { ...KNOWN, hostname: null } }, bare, false)!.options;
  assert.equal(o.has(Opt.dns), false);
  assert.equal(o.has(Opt.domainName), false);
  assert.equal(o.has(Opt.hostname), false);
  assert.equal(o.has(Opt.router), true);
  const noDomain = buildReply(req(MessageType.DISCOVER), { kind: 'offer', binding: KNOWN }, { ...S, domain: undefined }, false)!.options;
  assert.equal(noDomain.has(Opt.domainName), false);
});

test('INFORM reply: ACK with ciaddr, no yiaddr, no lease; hostname only with a binding; PXE on request', () => {
  const r = req(MessageType.INFORM, [], { ciaddr: '10.0.0.77' });
  const known = buildReply(r, { kind: 'inform', binding: KNOWN }, S, true)!;
  assert.deepEqual([...known.options.get(Opt.messageType)!], [MessageType.ACK]);
  assert.equal(known.ciaddr, '10.0.0.77');
  assert.equal(known.yiaddr, '0.0.0.0');
  assert.equal(known.options.has(Opt.leaseTime), false);
  assert.equal(known.options.has(Opt.renewalTime), false);
  assert.equal(str(known.options.get(Opt.hostname)), 'pi5');
  assert.equal(known.options.has(Opt.vendorSpecific), true);
  const pool = buildReply(r, { kind: 'inform', binding: undefined }, S, false)!;
  assert.equal(pool.options.has(Opt.hostname), false);
  assert.equal(pool.options.has(Opt.vendorSpecific), false);
  assert.deepEqual(ips(pool.options.get(Opt.subnetMask)), ['255.255.255.0']);
});

test('NAK: no siaddr, no address or lease, the reason cut to 200 bytes; broadcast flag only when relayed', () => {
  const reason = 'r'.repeat(250);
  const direct = buildReply(req(MessageType.REQUEST, [], { ciaddr: '10.0.0.9' }), { kind: 'nak', mac: MAC, reason }, S, true)!;
  assert.deepEqual([...direct.options.get(Opt.messageType)!], [MessageType.NAK]);
  assert.equal(direct.siaddr, '0.0.0.0');
  assert.equal(direct.yiaddr, '0.0.0.0');
  assert.equal(direct.ciaddr, '0.0.0.0');
  assert.equal(str(direct.options.get(Opt.message)), 'r'.repeat(200));
  assert.deepEqual([...direct.options.keys()].sort((a, b) => a - b), [Opt.messageType, Opt.serverId, Opt.message]);
  assert.equal(direct.flags, 0);
  const relayed = buildReply(req(MessageType.REQUEST, [], { giaddr: '10.0.0.2', flags: 0x0001 }), { kind: 'nak', mac: MAC, reason: 'no' }, S, false)!;
  assert.equal(relayed.flags, 0x8001);
});

test('decisions without a reply build none', () => {
  const r = req(MessageType.REQUEST);
  const none: Decision[] = [
    { kind: 'ignore', reason: 'x' },
    { kind: 'unknown', mac: MAC },
    { kind: 'release', binding: KNOWN },
    { kind: 'decline', binding: KNOWN, ip: '10.0.0.5' },
    { kind: 'otherServer', mac: MAC },
  ];
  for (const d of none) assert.equal(buildReply(r, d, S, true), undefined, d.kind);
});

test('replyDestination: relay first, NAK broadcast, unicast to ciaddr only without the broadcast flag', () => {
  const reply = (t: MessageTypeCode) => buildReply(req(MessageType.REQUEST), t === MessageType.NAK ? { kind: 'nak', mac: MAC, reason: 'x' } : { kind: 'ack', binding: KNOWN }, S, false)!;
  const ack = reply(MessageType.ACK);
  const nak = reply(MessageType.NAK);
  assert.deepEqual(replyDestination(req(MessageType.REQUEST, [], { giaddr: '10.0.5.1', ciaddr: '10.0.0.5' }), nak, ports), { address: '10.0.5.1', port: 67, broadcast: false });
  assert.deepEqual(replyDestination(req(MessageType.REQUEST, [], { ciaddr: '10.0.0.5' }), ack, ports), { address: '10.0.0.5', port: 68, broadcast: false });
  assert.deepEqual(replyDestination(req(MessageType.REQUEST, [], { ciaddr: '10.0.0.5', flags: 0x0001 }), ack, ports), { address: '10.0.0.5', port: 68, broadcast: false });
  assert.deepEqual(replyDestination(req(MessageType.REQUEST, [], { ciaddr: '10.0.0.5', flags: 0x8000 }), ack, ports), { address: '10.0.0.255', port: 68, broadcast: true });
  assert.deepEqual(replyDestination(req(MessageType.REQUEST, [], { ciaddr: '10.0.0.5' }), nak, ports), { address: '10.0.0.255', port: 68, broadcast: true });
  assert.deepEqual(replyDestination(req(MessageType.REQUEST), ack, ports), { address: '10.0.0.255', port: 68, broadcast: true });
});

test('broadcastOf: host, whole-space and odd masks', () => {
  assert.equal(broadcastOf('10.1.2.3', '255.255.255.255'), '10.1.2.3');
  assert.equal(broadcastOf('10.1.2.3', '0.0.0.0'), '255.255.255.255');
  assert.equal(broadcastOf('192.168.7.130', '255.255.255.128'), '192.168.7.255');
  assert.equal(broadcastOf('192.168.7.100', '255.255.255.128'), '192.168.7.127');
});

test('replyDestination: a reply without option 53 is routed like any non-NAK', () => {
  const bare = { ...req(null), op: 2 as const, options: new Map<number, Buffer>() };
  assert.deepEqual(replyDestination(req(MessageType.REQUEST, [], { ciaddr: '10.0.0.5' }), bare, ports), { address: '10.0.0.5', port: 68, broadcast: false });
});
