/** The agent's request decoder (wire.ts) and response encoder (encoder.ts), checked against independently built packets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeMessage, decodeOid, decodeScopedPdu, MAX_OID_LENGTH, PDU, TAG, type CommunityMessage } from '../../src/snmp/wire.js';
import { Encoder, oidContent } from '../../src/snmp/encoder.js';
import { GET, GETBULK, GETNEXT, SET, communityMessage, dotted, int, oid, pdu, readReply, str, tlv, v3Message } from '../helpers/snmp-packets.js';

const community = (b: Buffer): CommunityMessage => {
  const m = decodeMessage(b);
  assert.ok(m && m.version !== 3, 'a community message');
  return m;
};

test('decodes v1 and v2c GET, GETNEXT, GETBULK and SET with their fields', () => {
  for (const version of [0, 1] as const) {
    for (const type of [GET, GETNEXT, SET, ...(version === 1 ? [GETBULK] : [])]) {
      const m = community(communityMessage(version, 'public', pdu(type, -5, [['1.3.6.1.2.1.1.1.0'], ['1.3.6.1.4.1.8072']], 2, 30)));
      assert.equal(m.version, version);
      assert.equal(m.community.toString(), 'public');
      assert.equal(m.pdu.type, type);
      assert.equal(m.pdu.requestId, -5);
      assert.equal(m.pdu.nonRepeaters, 2);
      assert.equal(m.pdu.maxRepetitions, 30);
      assert.deepEqual(m.pdu.varbinds.map((v) => v.oid), ['1.3.6.1.2.1.1.1.0', '1.3.6.1.4.1.8072']);
    }
  }
});

test('SET values keep their wire type and decode like net-snmp represents them', () => {
  const values: [Buffer, number, unknown][] = [
    [int(-2), TAG.INTEGER, -2],
    [str('x'), TAG.OCTET_STRING, Buffer.from('x')],
    [oid([1, 3, 6, 1]), TAG.OID, '1.3.6.1'],
    [tlv(0x40, Buffer.from([10, 0, 0, 7])), TAG.IP_ADDRESS, '10.0.0.7'],
    [tlv(0x42, Buffer.from([0, 0xff, 0xff, 0xff, 0xff])), TAG.GAUGE32, 0xffffffff],
    [tlv(0x43, Buffer.from([1, 0])), TAG.TIME_TICKS, 256],
    [Buffer.from([0x05, 0x00]), TAG.NULL, null],
  ];
  for (const [value, type, expected] of values) {
    const m = community(communityMessage(1, 'private', pdu(SET, 1, [['1.3.6.1.4.1.1.0', value]])));
    assert.equal(m.pdu.varbinds[0]!.type, type);
    assert.deepEqual(m.pdu.varbinds[0]!.value, expected);
  }
});

test('refused: OIDs over 128 sub-identifiers, out-of-range values, v1 GETBULK, trailing bytes, other PDUs', () => {
  const at = (n: number): number[] => [1, 3, ...new Array<number>(n - 2).fill(7)];
  assert.ok(decodeMessage(communityMessage(1, 'c', pdu(GET, 1, [[at(MAX_OID_LENGTH)]]))));
  assert.equal(decodeMessage(communityMessage(1, 'c', pdu(GET, 1, [[at(MAX_OID_LENGTH + 1)]]))), null);
  assert.equal(decodeMessage(communityMessage(1, 'c', pdu(GET, 1, [[at(60_000)]]))), null);
  assert.equal(decodeMessage(communityMessage(0, 'c', pdu(GETBULK, 1, [['1.3']]))), null);
  assert.equal(decodeMessage(communityMessage(1, 'c', pdu(SET, 1, [['1.3', tlv(0x41, Buffer.from([1, 0, 0, 0, 0]))]]))), null, 'Counter32 over 2^32 - 1');
  assert.equal(decodeMessage(communityMessage(1, 'c', pdu(SET, 1, [['1.3', tlv(0x02, Buffer.from([1, 0, 0, 0, 0]))]]))), null, 'INTEGER over 32 bits');
  assert.equal(decodeMessage(Buffer.concat([communityMessage(1, 'c', pdu(GET, 1, [['1.3']])), Buffer.from([0])])), null);
  assert.equal(decodeMessage(communityMessage(1, 'c', pdu(0xa2, 1, [['1.3']]))), null, 'a Response is not a request');
  assert.equal(decodeMessage(communityMessage(1, 'c', pdu(0xa7, 1, [['1.3']]))), null, 'nor is a trap');
  // non-minimal sub-identifier
  assert.equal(decodeOid(Buffer.from([0x2b, 0x80, 0x01]), 0, 3), null);
  assert.deepEqual(decodeOid(Buffer.from([0x2b, 0x8f, 0xff, 0xff, 0xff, 0x7f]), 0, 6), [1, 3, 0xffffffff]);
  assert.equal(decodeOid(Buffer.from([0x2b, 0x90, 0x80, 0x80, 0x80, 0x00]), 0, 6), null, 'over 2^32 - 1');
});

test('v3: header, USM parameters and a plaintext scoped PDU', () => {
  const eid = Buffer.from('80001f8805aabbccdd', 'hex');
  const m = decodeMessage(v3Message({ msgId: 77, engineId: eid, boots: 3, time: 99, user: 'admin', pdu: pdu(GET, 9, [['1.3.6.1.2.1.1.5.0']]) }));
  assert.ok(m && m.version === 3);
  assert.equal(m.msgId, 77);
  assert.equal(m.flags, 4);
  assert.equal(m.securityModel, 3);
  assert.deepEqual(m.engineId, eid);
  assert.equal(m.engineBoots, 3);
  assert.equal(m.engineTime, 99);
  assert.equal(m.userName.toString(), 'admin');
  const scoped = decodeScopedPdu(m.scoped);
  assert.equal(scoped?.pdu.requestId, 9);
  assert.equal(scoped?.pdu.varbinds[0]!.oid, '1.3.6.1.2.1.1.5.0');
});

test('property: the decoder never throws, on random bytes or mutated packets', () => {
  const seeds = [
    communityMessage(1, 'public', pdu(GETBULK, 1, [['1.3.6.1'], ['1.3.6.1.2.1.1.1.0']], 0, 10)),
    communityMessage(0, 'private', pdu(SET, 7, [['1.3.6.1.4.1.8072.9999.9999.314.1.3.1.8.1.2', int(1)]])),
    v3Message({ msgId: 1, engineId: Buffer.alloc(0), user: '', pdu: pdu(GET, 1, []) }),
  ];
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      decodeMessage(Buffer.from(bytes));
    }),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(fc.nat(seeds.length - 1), fc.array(fc.tuple(fc.nat(400), fc.nat(255)), { maxLength: 6 }), fc.nat(400), (s, flips, cut) => {
      const b = Buffer.from(seeds[s]!);
      for (const [i, v] of flips) if (i < b.length) b[i] = v;
      const m = decodeMessage(b.subarray(0, Math.max(1, Math.min(b.length, cut + 20))));
      if (m && m.version === 3 && !(m.flags & 2)) decodeScopedPdu(m.scoped);
    }),
    { numRuns: 5000 },
  );
});

test('encoder: a response in the request version and community, long length forms, echoed OIDs', () => {
  const req = community(communityMessage(1, 'public', pdu(GET, 300, [['1.3.6.1.2.1.1.1.0'], ['1.3.6.1.2.1.1.3.0']])));
  const enc = new Encoder(64);
  enc.begin(4096);
  const end = enc.mark();
  const long = 'x'.repeat(300);
  assert.ok(
    enc.varbinds(
      [
        { oid: 'ignored', type: TAG.OCTET_STRING, value: long },
        { oid: 'ignored', type: TAG.TIME_TICKS, value: 0xffffffff },
      ],
      req.pdu,
    ),
  );
  enc.pduHeader(PDU.RESPONSE, req.pdu.requestId, 0, 0, end);
  enc.octets(req.community);
  enc.int(req.version);
  enc.wrap(0x30, end);
  const r = readReply(enc.finish());
  assert.equal(r.version, 1);
  assert.equal(r.pduType, PDU.RESPONSE);
  assert.equal(r.requestId, 300);
  assert.deepEqual(r.varbinds.map((v) => v.oid), ['1.3.6.1.2.1.1.1.0', '1.3.6.1.2.1.1.3.0']);
  assert.equal(r.varbinds[0]!.value.toString(), long);
  assert.equal(r.varbinds[1]!.value.readUInt32BE(1), 0xffffffff);
});

test('encoder: a value its type cannot carry is refused, not sent', () => {
  const enc = new Encoder();
  for (const bad of [
    { oid: '1.3', type: TAG.INTEGER, value: 2 ** 31 },
    { oid: '1.3', type: TAG.GAUGE32, value: -1 },
    { oid: '1.3', type: TAG.IP_ADDRESS, value: '10.0.0.256' },
    { oid: '1.3', type: TAG.OID, value: 'not.an.oid' },
    { oid: '1.x', type: TAG.NULL, value: null },
  ] as const) {
    enc.begin(256);
    assert.equal(enc.varbinds([bad]), false, JSON.stringify(bad));
  }
});

test('property: OIDs are encoded as BER says (any arc up to 2^32 - 1) and decode back', () => {
  fc.assert(
    fc.property(fc.constantFrom(0, 1, 2), fc.nat(39), fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 40 }), (a, b, rest) => {
      const parts = [a, b, ...rest];
      const content = oidContent(parts.join('.'));
      assert.ok(content);
      assert.deepEqual(Buffer.from(content), oid(parts).subarray(oid(parts).length - content.length));
      assert.deepEqual(decodeOid(Buffer.from(content), 0, content.length), parts);
    }),
  );
  assert.equal(oidContent('1.40'), null);
  assert.equal(oidContent('3.1'), null);
  assert.deepEqual(dotted('1.3.6'), [1, 3, 6]);
});
