/**
 * Relayed requests (giaddr set) and relay agent information (option 82):
 * the reply carries the relay subnet's settings, option 82 comes back
 * unchanged and last, and the circuit-id names a switch port.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeDhcp, encodeDhcp, type DhcpPacket } from '../../src/dhcp/packet.js';
import { MessageType, Opt, getIp, getMessageType } from '../../src/dhcp/options.js';
import { buildReply, classify, decide, replyDestination, type Bindings, type ClientBinding, type ServerSettings } from '../../src/dhcp/policy.js';
import { subnetSegment, type Subnet, type PoolRange } from '../../src/dhcp/segment.js';
import { MAX_AGENT_INFO_BYTES, encodeRelayAgentInfo, parseRelayAgentInfo } from '../../src/dhcp/relay-agent.js';
import { portFromAgentInfo, type CircuitRules } from '../../src/dhcp/circuit-port.js';
import { boundAddress } from '../../src/dhcp/port-binder.js';
import { PI4_MAC, ciscoAgentInfo, dhcrelayAgentInfo, pi4Discover, pi4Request, relayed } from '../vectors/dhcp-pi.js';

const S: ServerSettings = { address: '10.0.0.1', netmask: '255.255.255.0', router: '10.0.0.254', dns: ['10.0.0.53'], leaseSeconds: 3600 };
const SUBNETS: Subnet[] = [
  { network: '10.0.1.0', netmask: '255.255.255.0', router: '10.0.1.1', pool: { start: '10.0.1.100', end: '10.0.1.110' } },
  { network: '10.0.8.0', netmask: '255.255.252.0', router: '10.0.8.1', dns: ['10.0.8.53'] },
];
const RELAY1 = [10, 0, 1, 1];
const PI4 = 'dc:a6:32:01:36:c2';
const ports = { serverPort: 67, clientPort: 68, broadcastAddress: '255.255.255.255' };

function bindingsOf(map: Record<string, string>, source: ClientBinding['source'] = 'static'): Bindings & { pools: Array<PoolRange | undefined> } {
  const pools: Array<PoolRange | undefined> = [];
  return {
    pools,
    hasPool: false,
    lookup: (mac) => (map[mac] ? { mac, ip: map[mac]!, hostname: 'pi7', port: { switchIndex: 1, port: 7 }, source } : undefined),
    allocate: (_mac, _requested, pool) => {
      pools.push(pool);
      return pool?.start;
    },
  };
}

function answer(raw: Buffer, b: Bindings) {
  const req = decodeDhcp(raw);
  const seg = subnetSegment(req.giaddr, SUBNETS, S.dns);
  const d = decide(req, classify(req)!, b, S, seg);
  return { req, d, reply: buildReply(req, d, S, true, seg) };
}

test('a relayed DISCOVER of a Pi on the relay subnet gets the subnet settings, piman as boot server, and goes to the relay port 67', () => {
  const { req, d, reply } = answer(relayed(pi4Discover(), RELAY1, dhcrelayAgentInfo('rack1-p7')), bindingsOf({ [PI4]: '10.0.1.7' }));
  assert.equal(d.kind, 'offer');
  assert.ok(reply);
  assert.equal(reply.yiaddr, '10.0.1.7');
  assert.equal(reply.giaddr, '10.0.1.1');
  assert.equal(getIp(reply, Opt.subnetMask), '255.255.255.0');
  assert.equal(getIp(reply, Opt.router), '10.0.1.1');
  assert.equal(getIp(reply, Opt.broadcastAddress), '10.0.1.255');
  assert.equal(getIp(reply, Opt.dns), '10.0.0.53', 'server.dns when the subnet names none');
  assert.equal(reply.siaddr, '10.0.0.1');
  assert.equal(getIp(reply, Opt.serverId), '10.0.0.1');
  assert.deepEqual(replyDestination(req, reply, ports), { address: '10.0.1.1', port: 67, broadcast: false });
});

test('the second subnet: its own netmask, router, broadcast and DNS', () => {
  const { reply } = answer(relayed(pi4Discover(), [10, 0, 9, 1]), bindingsOf({ [PI4]: '10.0.10.20' }));
  assert.ok(reply);
  assert.equal(getIp(reply, Opt.subnetMask), '255.255.252.0');
  assert.equal(getIp(reply, Opt.router), '10.0.8.1');
  assert.equal(getIp(reply, Opt.broadcastAddress), '10.0.11.255');
  assert.equal(getIp(reply, Opt.dns), '10.0.8.53');
});

test('option 82 is echoed byte for byte as the last option (RFC 3046 2.2), in OFFER, ACK and NAK', () => {
  const info = ciscoAgentInfo(10, 1, 9, [0, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f]);
  const b = bindingsOf({ [PI4]: '10.0.1.7' });
  for (const raw of [
    relayed(pi4Discover(), RELAY1, info),
    relayed(pi4Request([10, 0, 1, 7], [10, 0, 0, 1]), RELAY1, info),
    relayed(pi4Request([10, 0, 1, 99], [10, 0, 0, 1]), RELAY1, info),
  ]) {
    const { reply } = answer(raw, b);
    assert.ok(reply);
    const wire = encodeDhcp(reply);
    const end = wire.indexOf(255, 240 + 3);
    // Walk the options: 82 is the last one before END, with the request's bytes.
    let i = 240;
    let last = -1;
    while (wire[i] !== 255) {
      last = i;
      i += 2 + wire[i + 1]!;
    }
    assert.equal(wire[last], 82, `type ${getMessageType(reply)}: option 82 is last`);
    assert.deepEqual([...wire.subarray(last + 2, last + 2 + wire[last + 1]!)], info);
    assert.ok(end > 0);
  }
});

test('option 82 from an L2 agent (giaddr 0) is echoed too; a request without it gets none', () => {
  const withInfo = Buffer.from(pi4Discover());
  const raw = Buffer.concat([withInfo.subarray(0, withInfo.length - 1), Buffer.from([82, 4, 1, 2, 0x41, 0x42, 255])]);
  const { reply } = answer(raw, bindingsOf({ [PI4]: '10.0.0.7' }));
  assert.deepEqual(reply?.options.get(82), Buffer.from([1, 2, 0x41, 0x42]));
  assert.equal(answer(pi4Discover(), bindingsOf({ [PI4]: '10.0.0.7' })).reply?.options.has(82), false);
});

test('a hosts.csv address outside the relay subnet is not offered there', () => {
  const { d, reply } = answer(relayed(pi4Discover(), RELAY1), bindingsOf({ [PI4]: '10.0.0.7' }));
  assert.equal(d.kind, 'ignore');
  assert.match((d as { reason: string }).reason, /10\.0\.0\.7.*10\.0\.1\.0\/255\.255\.255\.0/);
  assert.equal(reply, undefined);
});

test('an unknown MAC behind a relay gets an address from that subnet\'s pool; a subnet without pool answers nothing', () => {
  const b = bindingsOf({});
  const { d, reply } = answer(relayed(pi4Discover(), RELAY1), b);
  assert.equal(d.kind, 'offer');
  assert.equal(reply?.yiaddr, '10.0.1.100');
  assert.deepEqual(b.pools, [SUBNETS[0]!.pool]);
  assert.equal(answer(relayed(pi4Discover(), [10, 0, 9, 1]), bindingsOf({})).d.kind, 'unknown');
});

test('a pool lease from another segment is not carried over: the client gets an address of its relay subnet', () => {
  const b = bindingsOf({ [PI4]: '10.0.0.200' }, 'pool');
  const { reply } = answer(relayed(pi4Discover(), RELAY1), b);
  assert.equal(reply?.yiaddr, '10.0.1.100');
});

test('a relayed REQUEST for an address off the relay subnet from an unknown client is NAKed', () => {
  const b = bindingsOf({});
  const { d } = answer(relayed(pi4Request([10, 0, 0, 9], [10, 0, 0, 1]), RELAY1), b);
  assert.equal(d.kind, 'nak');
});

test('a relayed request without a configured subnet keeps the old behaviour (piman\'s own settings)', () => {
  const req = decodeDhcp(relayed(pi4Discover(), [10, 0, 5, 1]));
  const seg = subnetSegment(req.giaddr, SUBNETS, S.dns);
  assert.equal(seg, undefined);
  const b = bindingsOf({ [PI4]: '10.0.5.7' });
  const d = decide(req, classify(req)!, b, S, seg);
  const reply = buildReply(req, d, S, true, seg)!;
  assert.equal(getIp(reply, Opt.router), '10.0.0.254');
  assert.equal(reply.yiaddr, '10.0.5.7');
});

// ---- option 82 parsing --------------------------------------------------

test('parseRelayAgentInfo reads circuit-id and remote-id and keeps unknown sub-options', () => {
  const info = parseRelayAgentInfo(Buffer.from([...ciscoAgentInfo(10, 1, 9, [0, 1, 2, 3, 4, 5]), 9, 2, 0xaa, 0xbb]))!;
  assert.deepEqual([...info.circuitId!], [0, 4, 0, 10, 1, 9]);
  assert.deepEqual([...info.remoteId!], [0, 6, 0, 1, 2, 3, 4, 5]);
  assert.deepEqual(info.subOptions.map((s) => s.code), [1, 2, 9]);
});

test('parseRelayAgentInfo refuses truncated, empty and oversized values', () => {
  for (const bad of [[], [1], [1, 5, 0x41], [1, 1, 0x41, 2], new Array<number>(MAX_AGENT_INFO_BYTES + 1).fill(0)]) {
    assert.equal(parseRelayAgentInfo(Buffer.from(bad)), undefined, JSON.stringify(bad.slice(0, 8)));
  }
});

test('property: any bytes parse or give undefined, never throw; what parses re-encodes to the same bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      const info = parseRelayAgentInfo(bytes);
      if (info) assert.deepEqual(encodeRelayAgentInfo(info.subOptions), Buffer.from(bytes));
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.array(fc.record({ code: fc.integer({ min: 0, max: 255 }), value: fc.uint8Array({ maxLength: 40 }) }), { minLength: 1, maxLength: 20 }), (subs) => {
      const wire = encodeRelayAgentInfo(subs.map((s) => ({ code: s.code, value: Buffer.from(s.value) })));
      const info = parseRelayAgentInfo(wire)!;
      assert.deepEqual(info.subOptions.map((s) => [s.code, [...s.value]]), subs.map((s) => [s.code, [...s.value]]));
    }),
  );
});

test('parsing is bounded: a 64 KiB option 82 of 1-byte sub-options is refused at once', () => {
  const t0 = process.hrtime.bigint();
  assert.equal(parseRelayAgentInfo(Buffer.alloc(65_000, 0)), undefined);
  assert.ok(Number(process.hrtime.bigint() - t0) / 1e6 < 50);
});

// ---- which port option 82 names -----------------------------------------

const RULES: CircuitRules = {
  circuits: [
    { circuitId: 'rack1-p7', switch: 'sw1', port: 7 },
    { circuitId: 'Gi1/0/5', remoteId: 'leaf2', switch: 'sw2', port: 5 },
  ],
  remoteIds: [
    { remoteId: '00:1b:2c:3d:4e:5f', switch: 'sw2', portBase: 3 },
    { remoteId: '00:1b:2c:3d:4e:60', switch: 'sw1', portBase: 1, module: 2 },
  ],
  switches: new Map([
    ['sw1', 24],
    ['sw2', 48],
  ]),
};
const port = (info: number[]) => portFromAgentInfo(parseRelayAgentInfo(Buffer.from(info))!, RULES);
const text = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

test('circuit-id mapping: dhcrelay\'s interface name, and a mapping that also needs the remote-id', () => {
  assert.deepEqual(port(dhcrelayAgentInfo('rack1-p7')), { switch: 'sw1', port: 7, via: 'circuits' });
  assert.deepEqual(port([1, 7, ...text('Gi1/0/5'), 2, 5, ...text('leaf2')]), { switch: 'sw2', port: 5, via: 'circuits' });
  assert.equal(port([1, 7, ...text('Gi1/0/5'), 2, 5, ...text('leaf3')]), undefined);
  // Cisco's user-configured string form: type 1, length, text.
  assert.deepEqual(port([1, 10, 1, 8, ...text('rack1-p7')]), { switch: 'sw1', port: 7, via: 'circuits' });
});

test('"switch:port" text names a configured switch and port', () => {
  assert.deepEqual(port([1, 5, ...text('sw2:9')]), { switch: 'sw2', port: 9, via: 'name' });
  assert.equal(port([1, 5, ...text('sw9:9')]), undefined, 'unknown switch');
  assert.equal(port([1, 6, ...text('sw1:25')]), undefined, 'beyond its ports');
  assert.equal(port([1, 5, ...text('sw1:0')]), undefined);
});

test('Cisco/D-Link binary circuit-id: the switch by its remote-id MAC, the port counted from portBase, module filter', () => {
  assert.deepEqual(port(ciscoAgentInfo(10, 1, 9, [0, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f])), { switch: 'sw2', port: 7, via: 'binary' });
  assert.deepEqual(port(ciscoAgentInfo(10, 2, 4, [0, 0x1b, 0x2c, 0x3d, 0x4e, 0x60])), { switch: 'sw1', port: 4, via: 'binary' });
  assert.equal(port(ciscoAgentInfo(10, 1, 4, [0, 0x1b, 0x2c, 0x3d, 0x4e, 0x60])), undefined, 'other module');
  assert.equal(port(ciscoAgentInfo(10, 1, 2, [0, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f])), undefined, 'below portBase');
  assert.equal(port(ciscoAgentInfo(10, 1, 9, [2, 0, 0, 0, 0, 1])), undefined, 'unknown switch MAC');
  assert.equal(port([1, 6, 0, 4, 0, 10, 1, 9]), undefined, 'no remote-id');
});

test('property: any option 82 names no port or a configured one, never throws', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const info = parseRelayAgentInfo(bytes);
      if (!info) return;
      const p = portFromAgentInfo(info, RULES);
      if (p) assert.ok(p.port >= 1 && p.port <= RULES.switches.get(p.switch)!);
    }),
    { numRuns: 2000 },
  );
});

// ---- the address of a port bound from option 82 -------------------------

test('boundAddress: host number = port counted over the switches, never the router, piman, the pool, a taken one or beyond the subnet', () => {
  const sws = [
    { index: 1, name: 'sw1', address: '10.0.0.2', ports: 24 },
    { index: 2, name: 'sw2', address: '10.0.0.3', ports: 48 },
  ];
  const seg = { network: '10.0.1.0', netmask: '255.255.255.0', router: '10.0.1.1', dns: [], relayed: true, pool: { start: '10.0.1.200', end: '10.0.1.250' } };
  const free = (): boolean => false;
  assert.equal(boundAddress({ switchIndex: 1, port: 7 }, sws, seg, '10.0.0.1', free), '10.0.1.7');
  assert.equal(boundAddress({ switchIndex: 2, port: 5 }, sws, seg, '10.0.0.1', free), '10.0.1.29');
  assert.equal(boundAddress({ switchIndex: 1, port: 1 }, sws, seg, '10.0.0.1', free), undefined, 'the router');
  assert.equal(boundAddress({ switchIndex: 1, port: 9 }, sws, { ...seg, router: '10.0.1.254' }, '10.0.1.9', free), undefined, "piman's address");
  assert.equal(boundAddress({ switchIndex: 2, port: 48 }, sws, { ...seg, pool: { start: '10.0.1.72', end: '10.0.1.80' } }, '10.0.0.1', free), undefined, 'in the pool');
  assert.equal(boundAddress({ switchIndex: 1, port: 7 }, sws, seg, '10.0.0.1', (ip) => ip === '10.0.1.7'), undefined, 'taken');
  assert.equal(boundAddress({ switchIndex: 2, port: 40 }, sws, { ...seg, netmask: '255.255.255.192' }, '10.0.0.1', free), undefined, 'beyond a /26');
});

test('property: a relayed request with any option 82 bytes (up to 600, split as RFC 3396 allows) is answered with those bytes echoed, never a throw', () => {
  const b = bindingsOf({ [PI4]: '10.0.1.7' });
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), (info) => {
      const parts: number[] = [];
      for (let i = 0; i < info.length; i += 255) {
        const piece = [...info.subarray(i, i + 255)];
        parts.push(82, piece.length, ...piece);
      }
      const raw = relayed(pi4Discover(), RELAY1);
      const req = Buffer.concat([raw.subarray(0, raw.length - 1), Buffer.from(parts), Buffer.from([255])]);
      const { reply } = answer(req, b);
      assert.ok(reply);
      const back = decodeDhcp(encodeDhcp(reply));
      assert.deepEqual(back.options.get(82), Buffer.from(info));
    }),
    { numRuns: 500 },
  );
});
