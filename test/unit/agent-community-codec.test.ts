/**
 * The agent's own SNMPv2c codec (src/snmp/community-codec.ts) and the fast
 * path in front of net-snmp: the decoder accepts only plain v2c
 * GET/GETNEXT/GETBULK packets and never throws; and an agent answering with
 * it sends byte for byte what the same agent sends through net-snmp, for
 * random and mutated requests (unknown communities, v1, SET and garbage
 * included), with the same snmp group counters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram, { type Socket } from 'node:dgram';
import fc from 'fast-check';
import snmp from 'net-snmp';
import { decodeCommunityRequest, ResponseEncoder, PDU_GET, PDU_GETBULK, PDU_GETNEXT } from '../../src/snmp/community-codec.js';
import { startAgentHost, type AgentHost } from '../../src/snmp/agent-host.js';

// ---- BER building blocks for test packets
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), content]);
}
function int(v: number): Buffer {
  const out: number[] = [];
  let i = v;
  for (;;) {
    out.unshift(i & 0xff);
    if (i >= -0x80 && i < 0x80) break;
    i = Math.floor(i / 0x100);
  }
  return tlv(0x02, Buffer.from(out));
}
function oid(parts: readonly number[]): Buffer {
  const out = [parts[0]! * 40 + parts[1]!];
  for (const p of parts.slice(2)) {
    const b = [p & 0x7f];
    for (let x = Math.floor(p / 128); x > 0; x = Math.floor(x / 128)) b.unshift((x & 0x7f) | 0x80);
    out.push(...b);
  }
  return tlv(0x06, Buffer.from(out));
}
const NULL = Buffer.from([0x05, 0x00]);
function packet(o: { version?: number; community?: string; type?: number; id?: number; a?: number; b?: number; oids: number[][]; rawOids?: Buffer[]; value?: Buffer }): Buffer {
  const vbs = [...o.oids.map(oid), ...(o.rawOids ?? [])].map((ob) => tlv(0x30, Buffer.concat([ob, o.value ?? NULL])));
  const pdu = tlv(o.type ?? PDU_GET, Buffer.concat([int(o.id ?? 1), int(o.a ?? 0), int(o.b ?? 0), tlv(0x30, Buffer.concat(vbs))]));
  return tlv(0x30, Buffer.concat([int(o.version ?? 1), tlv(0x04, Buffer.from(o.community ?? 'public')), pdu]));
}

const BASE = [1, 3, 6, 1, 4, 1, 99999];

test('decoder: a plain v2c GET, GETNEXT and GETBULK', () => {
  const g = decodeCommunityRequest(packet({ id: -5, oids: [[1, 3, 6, 1, 2, 1, 1, 1, 0], [2, 39, 0x7fffffff]] }));
  assert.ok(g);
  assert.equal(g.requestId, -5);
  assert.equal(g.pduType, PDU_GET);
  assert.equal(g.community.toString(), 'public');
  assert.deepEqual(
    g.varbinds.map((v) => v.oid),
    ['1.3.6.1.2.1.1.1.0', '2.39.2147483647'],
  );
  assert.deepEqual(g.varbinds[0]!.address, [1, 3, 6, 1, 2, 1, 1, 1, 0]);
  const b = decodeCommunityRequest(packet({ type: PDU_GETBULK, id: 0x7fffffff, a: 1, b: 25, community: 'c', oids: [BASE] }));
  assert.deepEqual([b?.pduType, b?.requestId, b?.nonRepeaters, b?.maxRepetitions], [PDU_GETBULK, 0x7fffffff, 1, 25]);
  assert.equal(decodeCommunityRequest(packet({ type: PDU_GETNEXT, oids: [] }))?.varbinds.length, 0);
});

test('decoder: everything else is left to net-snmp (null)', () => {
  const ok = packet({ oids: [BASE] });
  const cases: [string, Buffer][] = [
    ['SNMPv1', packet({ version: 0, oids: [BASE] })],
    ['SNMPv3 version number', packet({ version: 3, oids: [BASE] })],
    ['SET', packet({ type: 0xa3, oids: [BASE] })],
    ['a value other than NULL', packet({ oids: [BASE], value: int(1) })],
    ['first sub-identifier >= 120 (net-snmp reads 3.x)', packet({ oids: [], rawOids: [tlv(0x06, Buffer.from([0x78, 1]))] })],
    ['first sub-identifier in two octets', packet({ oids: [], rawOids: [tlv(0x06, Buffer.from([0x81, 0x00, 1]))] })],
    ['non-minimal sub-identifier', packet({ oids: [], rawOids: [tlv(0x06, Buffer.from([0x2b, 0x80, 0x01]))] })],
    ['unfinished sub-identifier', packet({ oids: [], rawOids: [tlv(0x06, Buffer.from([0x2b, 0x86]))] })],
    ['empty OID', packet({ oids: [], rawOids: [tlv(0x06, Buffer.alloc(0))] })],
    ['sub-identifier above 2^31 - 1', packet({ oids: [[1, 3, 0x80000000]] })],
    ['trailing byte', Buffer.concat([ok, Buffer.from([0])])],
    ['truncated', ok.subarray(0, ok.length - 1)],
    ['indefinite length', Buffer.concat([Buffer.from([0x30, 0x80]), ok.subarray(2)])],
    ['empty', Buffer.alloc(0)],
  ];
  for (const [what, b] of cases) assert.equal(decodeCommunityRequest(b), null, what);
  assert.ok(decodeCommunityRequest(ok));
});

test('property: the decoder never throws, on random bytes or mutated packets', () => {
  const valid = packet({ type: PDU_GETBULK, a: 0, b: 10, oids: [BASE, [1, 3, 6, 1, 2, 1, 1, 3, 0]] });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      decodeCommunityRequest(Buffer.from(bytes));
    }),
    { numRuns: 5000 },
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
      const b = Buffer.from(valid);
      for (const [i, v] of edits) b[i] = v;
      decodeCommunityRequest(b);
    }),
    { numRuns: 5000 },
  );
});

test('encoder: answers in the request version and community, lengths in the long forms too', () => {
  const req = decodeCommunityRequest(packet({ id: 300, community: 'private', oids: [BASE] }))!;
  const long = 'x'.repeat(300);
  const out = new ResponseEncoder(16).encode(req, [{ oid: BASE.join('.'), type: snmp.ObjectType.OctetString, value: long }])!;
  const expected = tlv(
    0x30,
    Buffer.concat([
      int(1),
      tlv(0x04, Buffer.from('private')),
      tlv(0xa2, Buffer.concat([int(300), int(0), int(0), tlv(0x30, tlv(0x30, Buffer.concat([oid(BASE), tlv(0x04, Buffer.from(long))])))])),
    ]),
  );
  assert.deepEqual(out, expected);
  // a value net-snmp could not write either: the caller falls back
  assert.equal(new ResponseEncoder().encode(req, [{ oid: BASE.join('.'), type: snmp.ObjectType.Integer, value: 'seven' }]), null);
  assert.equal(new ResponseEncoder().encode(req, [{ oid: BASE.join('.'), type: snmp.ObjectType.IpAddress, value: '1.2.3' }]), null);
});

test('property: response OIDs are encoded like BER says (any arc up to 2^32 - 1)', () => {
  const req = decodeCommunityRequest(packet({ type: PDU_GETNEXT, oids: [BASE] }))!;
  const encoder = new ResponseEncoder();
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 39 }), fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 12 }), (a, b, rest) => {
      const parts = [a, b, ...rest];
      const out = encoder.encode(req, [{ oid: parts.join('.'), type: snmp.ObjectType.Null, value: null }]);
      const vb = tlv(0x30, Buffer.concat([oid(parts), NULL]));
      assert.ok(out && out.subarray(out.length - vb.length).equals(vb));
    }),
    { numRuns: 2000 },
  );
});

test('property: IpAddress values are encoded exactly when they are dotted quads of 0-255 (1-3 digits a part)', () => {
  const req = decodeCommunityRequest(packet({ type: PDU_GETNEXT, oids: [BASE] }))!;
  const encoder = new ResponseEncoder();
  const quad = (s: string): number[] | null => {
    const q = s.split('.');
    if (q.length !== 4 || !q.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
    return q.map(Number);
  };
  const padded = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 })).map(([n, z]) => String(n).padStart(Math.min(3, String(n).length + z), '0'));
  const text = fc.oneof(
    fc.array(padded, { minLength: 4, maxLength: 4 }).map((a) => a.join('.')),
    fc.string({ unit: fc.constantFrom('0', '1', '2', '5', '9', '.', 'x', ' '), maxLength: 17 }),
  );
  fc.assert(
    fc.property(text, (ip) => {
      const out = encoder.encode(req, [{ oid: BASE.join('.'), type: snmp.ObjectType.IpAddress, value: ip }]);
      const want = quad(ip);
      if (!want) return assert.equal(out, null, ip);
      const vb = tlv(0x30, Buffer.concat([oid(BASE), tlv(0x40, Buffer.from(want))]));
      assert.ok(out && out.subarray(out.length - vb.length).equals(vb), ip);
    }),
    { numRuns: 3000 },
  );
});

// ---- the same agent with and without the fast path

async function host(fast: boolean, broken = false): Promise<AgentHost> {
  const h = await startAgentHost({
    address: '127.0.0.1',
    port: 0,
    communities: [
      { name: 'public', access: 'ro' },
      { name: 'private', access: 'rw' },
    ],
    syncReadHandlers: true,
    communityFastPath: fast,
    maxRepetitions: 20,
  });
  const T = snmp.ObjectType;
  const done = (r: { done(): void }): void => r.done();
  const scalars: [number, number, unknown][] = [
    [1, T.Integer, -129],
    [2, T.OctetString, 'héllo'],
    [3, T.OctetString, Buffer.from([0, 1, 2, 0xff])],
    [4, T.OID, '1.3.6.1.4.1.8072.3.2.10'],
    [5, T.IpAddress, '10.1.2.254'],
    [6, T.Counter, 0xffffffff],
    [7, T.Gauge, 128],
    [8, T.TimeTicks, 0x80000000],
    [9, T.Counter64, Buffer.from([1, 0, 0, 0, 0, 0, 0, 0])],
    [10, T.Integer, 0x7fffffff],
    [11, T.OctetString, ''],
  ];
  for (const [n, type, value] of scalars) {
    h.agent.registerProvider({ name: `s${n}`, type: 1, oid: `${BASE.join('.')}.1.${n}`, scalarType: type as 2, maxAccess: 2, handler: done });
    h.mib.setScalarValue(`s${n}`, value as number);
  }
  h.agent.registerProvider({
    name: 't',
    type: 2,
    oid: `${BASE.join('.')}.2.1`,
    maxAccess: 0,
    tableColumns: [
      { number: 1, name: 'tIndex', type: T.Integer, maxAccess: 0 },
      { number: 2, name: 'tName', type: T.OctetString, maxAccess: 2 },
      { number: 3, name: 'tCount', type: T.Counter, maxAccess: 2 },
      { number: 4, name: 'tSecret', type: T.Integer, maxAccess: 0 },
    ],
    tableIndex: [{ columnName: 'tIndex' }],
    handler: done,
  });
  for (let i = 1; i <= 30; i++) h.mib.addTableRow('t', [i, `row ${i}`, i * 1000, 7]);
  // a handler that stores a value net-snmp cannot encode (both paths drop the request)
  if (broken) h.agent.registerProvider({
    name: 'broken',
    type: 1,
    oid: `${BASE.join('.')}.3`,
    scalarType: T.Integer,
    maxAccess: 2,
    handler: (r: { instanceNode?: { value: unknown } | null; done(): void }) => {
      if (r.instanceNode) r.instanceNode.value = 'not a number';
      r.done();
    },
  });
  if (broken) h.mib.setScalarValue('broken', 1);
  h.invalidateIndex();
  return h;
}

/** Sends each packet from its own socket to both agents; resolves with what each socket got back from each. */
async function exchange(packets: readonly Buffer[], a: AgentHost, b: AgentHost): Promise<[string[], string[]]> {
  const got: [string[], string[]] = [packets.map(() => ''), packets.map(() => '')];
  const sockets: Socket[] = [];
  let last = Date.now();
  try {
    for (let i = 0; i < packets.length; i++) {
      const s = dgram.createSocket('udp4');
      sockets.push(s);
      s.on('message', (m, rinfo) => {
        got[rinfo.port === a.port ? 0 : 1][i] += m.toString('hex') + ';';
        last = Date.now();
      });
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
      s.send(packets[i]!, a.port, '127.0.0.1');
      s.send(packets[i]!, b.port, '127.0.0.1');
      // let the agents read (binding alone never reaches the poll phase; their receive buffers would overflow)
      await new Promise((r) => setImmediate(r));
    }
    // answers come within milliseconds; wait for 600 ms of quiet (at most 20 s on a loaded machine)
    const start = Date.now();
    while (Date.now() - last < 600 && Date.now() - start < 20_000) await new Promise((r) => setTimeout(r, 50));
  } finally {
    for (const s of sockets) s.close();
  }
  return got;
}

const oidPool: number[][] = [
  BASE,
  [...BASE, 1],
  [...BASE, 1, 2],
  [...BASE, 1, 2, 0],
  [...BASE, 1, 2, 0, 5],
  [...BASE, 1, 11, 0],
  [...BASE, 2, 1, 2, 1],
  [...BASE, 2, 1, 2, 30],
  [...BASE, 2, 1, 4, 3],
  [...BASE, 2, 1, 3, 31],
  [...BASE, 3, 0],
  [...BASE, 9],
  [1, 3, 6, 1, 2, 1, 1, 1, 0],
  [0, 0],
  [2, 39, 99],
  [1, 3, 6, 1, 4, 1, 99999, 2, 1, 0x7fffffff],
];

const requestArb = fc.record({
  version: fc.constantFrom(1, 1, 1, 1, 0),
  community: fc.constantFrom('public', 'public', 'private', 'wrong'),
  type: fc.constantFrom(PDU_GET, PDU_GETNEXT, PDU_GETBULK, PDU_GETBULK, 0xa3),
  id: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  a: fc.integer({ min: -2, max: 3 }),
  b: fc.oneof(fc.integer({ min: -1, max: 30 }), fc.constant(0x7fffffff)),
  oids: fc.array(
    fc.oneof(
      fc.constantFrom(...oidPool),
      fc.tuple(fc.constantFrom(...oidPool), fc.array(fc.nat(40), { maxLength: 3 })).map(([p, tail]) => [...p, ...tail]),
    ),
    { maxLength: 4 },
  ),
});

test('the fast path answers byte for byte like net-snmp, for random and mutated requests', async (t) => {
  const [fast, slow] = await Promise.all([host(true), host(false)]);
  t.after(() => Promise.all([fast.close(), slow.close()]));
  const requests = fc.sample(requestArb, { numRuns: 300, seed: 314 }).map((r) => packet(r));
  // mutations: one or two bytes changed anywhere
  const mutated = fc
    .sample(fc.tuple(fc.nat(requests.length - 1), fc.array(fc.tuple(fc.nat(200), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 2 })), { numRuns: 200, seed: 2718 })
    .map(([i, edits]) => {
      const b = Buffer.from(requests[i]!);
      for (const [at, v] of edits) b[at % b.length] = v;
      return b;
    });
  const all = [...requests, ...mutated];
  const [fromFast, fromSlow] = await exchange(all, fast, slow);
  let answered = 0;
  for (let i = 0; i < all.length; i++) {
    assert.equal(fromFast[i], fromSlow[i], `request ${all[i]!.toString('hex')}`);
    if (fromFast[i]) answered++;
  }
  const fastAnswered = all.filter((b, i) => fromFast[i] && decodeCommunityRequest(b)).length;
  assert.ok(answered > 200 && fastAnswered > 120, `enough requests are answered (${answered}, ${fastAnswered} of them plain v2c reads)`);
  assert.ok(fromFast.some((r, i) => r && decodeCommunityRequest(all[i]!)?.pduType === PDU_GETBULK), 'GETBULKs were answered by the fast path');
  assert.deepEqual(fast.stats, slow.stats);
  assert.equal(fast.stats.inPkts, all.length);
  assert.ok(fast.stats.badCommunityNames > 0);
});

test('a value the codec cannot encode goes to net-snmp, which fails the same way', async (t) => {
  const [fast, slow] = await Promise.all([host(true, true), host(false, true)]);
  t.after(() => Promise.all([fast.close(), slow.close()]));
  const requests = [
    packet({ oids: [[...BASE, 3, 0]] }),
    packet({ type: PDU_GETNEXT, oids: [[...BASE, 2, 1, 3, 30]] }),
    packet({ type: PDU_GETBULK, b: 5, oids: [[...BASE, 2, 1, 3, 29]] }),
    packet({ oids: [[...BASE, 1, 1, 0]] }),
  ];
  const [fromFast, fromSlow] = await exchange(requests, fast, slow);
  assert.deepEqual(fromFast, fromSlow);
  assert.deepEqual(
    fromFast.map((r) => r !== ''),
    [false, false, false, true],
  );
  assert.deepEqual(fast.stats, slow.stats);
  assert.equal(fast.stats.asnParseErrs, 3);
});

test('fast path: plain v2c reads skip net-snmp, others still reach it', async (t) => {
  const h = await host(true);
  t.after(() => h.close());
  const internals = h.agent as unknown as { getRequest: (...a: unknown[]) => void; setRequest: (...a: unknown[]) => void };
  let slowGets = 0;
  const original = internals.getRequest;
  internals.getRequest = function (this: unknown, ...a: unknown[]) {
    slowGets++;
    return original.apply(this, a);
  };
  const s1 = snmp.createSession('127.0.0.1', 'public', { port: h.port, version: snmp.Version2c, timeout: 5000, retries: 1 });
  const s0 = snmp.createSession('127.0.0.1', 'public', { port: h.port, version: snmp.Version1, timeout: 5000, retries: 1 });
  for (const s of [s0, s1]) s.on('error', () => undefined);
  t.after(() => (s0.close(), s1.close()));
  const get = (s: typeof s1, o: string): Promise<unknown> => new Promise((res, rej) => s.get([o], (e, v) => (e ? rej(e) : res(v?.[0]?.value))));
  assert.equal(await get(s1, `${BASE.join('.')}.1.1.0`), -129);
  assert.equal(slowGets, 0);
  assert.equal(await get(s0, `${BASE.join('.')}.1.1.0`), -129);
  assert.equal(slowGets, 1);
});
