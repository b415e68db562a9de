// The agent's request decoder (src/snmp/wire.ts) against packets captured
// from net-snmp 5.9.3's command line tools and against the limits of BER
// (X.690 8.1, 8.3, 8.19), RFC 3416 and RFC 3412/3414; written to kill the
// mutants the older tests let live (README "Mutation testing").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, decodeOid, decodeScopedPdu, PDU, TAG, type CommunityMessage, type V3Message } from '../../src/snmp/wire.js';
import { GET, SET, communityMessage, int, oid, pdu, str, tlv } from '../helpers/snmp-packets.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

/**
 * Requests as net-snmp 5.9.3 sends them, from `<tool> -d -r 0 -t 0.1 ... 127.0.0.1:9`
 * (the hex dump of the packet it sends), with the command that made each.
 */
const CAPTURE = {
  // snmpget -v1 -c public 1.3.6.1.2.1.1.1.0
  v1Get: hex('302902010004067075626c6963a01c0204152341b4020100020100300e300c06082b060102010101000500'),
  // snmpgetnext -v2c -c public 1.3.6.1.2.1.1
  v2GetNext: hex('302702010104067075626c6963a11a02042793aae4020100020100300c300a06062b06010201010500'),
  // snmpbulkget -v2c -c public -Cn1 -Cr50 1.3.6.1.2.1.1.3 1.3.6.1.2.1.2.2.1.2
  v2Bulk: hex(
    '303702010104067075626c6963a52a020463324b0a020101020132301c300b06072b0601020101030500300d06092b06010201020201020500',
  ),
  // snmpget -v2c -c public 2.999.3.4294967295.16383.16384.2097151.2097152.268435455.268435456
  bigArcs: hex(
    '303e02010104067075626c6963a0310204448a0bb702010002010030233021061d8837038fffffff7fff7f818000ffff7f81808000ffffff7f81808080000500',
  ),
  // snmpset -v2c -c private 1.3.6.1.4.1.99999.{1..7}.0 i -2147483648 i 2147483647 i -129 i 128 i -128 i 127 i 0
  setIntegers: hex(
    '30819c020101040770726976617465a3818d0204683ad75e020100020100307f3012060a2b06010401868d1f01000204800000003012060a2b06010401868d1f020002047fffffff3010060a2b06010401868d1f03000202ff7f3010060a2b06010401868d1f040002020080300f060a2b06010401868d1f0500020180300f060a2b06010401868d1f060002017f300f060a2b06010401868d1f0700020100',
  ),
  // snmpset -v2c -c private 1.3.6.1.4.1.99999.{1..6}.0 u 4294967295 t 4294967295 a 255.255.255.255 o 1.3.6.1.4.1.4294967295.2.999 u 0 u 2147483648
  setApplication: hex(
    '30819f020101040770726976617465a38190020438decf340201000201003081813013060a2b06010401868d1f0100420500ffffffff3013060a2b06010401868d1f0200430500ffffffff3012060a2b06010401868d1f03004004ffffffff301b060a2b06010401868d1f0400060d2b060104018fffffff7f028767300f060a2b06010401868d1f05004201003013060a2b06010401868d1f060042050080000000',
  ),
  // snmpset -v1 -c private 1.3.6.1.4.1.99999.1.0 x 00ff 1.3.6.1.4.1.99999.2.0 t 0
  v1SetHex: hex('303f020100040770726976617465a331020455a3ca7f02010002010030233010060a2b06010401868d1f0100040200ff300f060a2b06010401868d1f0200430100'),
  // snmpset -v2c -c private 1.3.6.1.4.1.99999.1.0 s <300 times 'a'>: two-octet lengths (0x82)
  setLongString: hex(
    '30820160020101040770726976617465a3820150020435d7ad14020100020100308201403082013c060a2b06010401868d1f01000482012c' + '61'.repeat(300),
  ),
  // snmpget -v3 -l noAuthNoPriv -u admin 1.3.6.1.2.1.1.1.0: the engine discovery probe sent first
  v3Probe: hex('303e020103301102043752c048020300ffe30401040201030410300e0400020100020100040004000400301404000400a00e02047ea499920201000201003000'),
  // snmpget -v3 -e 0x80001f8880aabbccdd -Z 5,1234 -l noAuthNoPriv -u admin -n ctx 1.3.6.1.2.1.1.1.0
  v3NoAuth: hex(
    '30660201033011020447838160020300ffe3040104020103041e301c040980001f8880aabbccdd020100020100040561646d696e04000400302e040980001f8880aabbccdd0403637478a01c02047742fe26020100020100300e300c06082b060102010101000500',
  ),
  // the same with -l authNoPriv -a SHA -A authpassword
  v3Auth: hex(
    '306f0201033011020444671ba7020300ffe3040105020103042a3028040980001f8880aabbccdd020100020100040561646d696e040c0bd400fee1a29e09bfc0ea4b0400302b040980001f8880aabbccdd0400a01c02046aec4ace020100020100300e300c06082b060102010101000500',
  ),
  // the same with -l authPriv -a SHA -A authpassword -x AES -X privpassword
  v3Priv: hex(
    '3079020103301102042d2bd147020300ffe304010702010304323030040980001f8880aabbccdd020100020100040561646d696e040ceff3a60eef92c3bcf9aab69f040879ef2f90d36dc431042d2326f94dc2aabb5ab108e3819916f7b58bdcd6c07f6c148e1a4e8ea1821b704ef2f44eec94ebb381183654edd4',
  ),
};

function community(b: Buffer): CommunityMessage {
  const m = decodeMessage(b);
  assert.ok(m && m.version !== 3, 'a community message');
  return m;
}

function v3(b: Buffer): V3Message {
  const m = decodeMessage(b);
  assert.ok(m && m.version === 3, 'an SNMPv3 message');
  return m;
}

/** A v2c message around raw PDU bytes. */
const v2c = (pduBytes: Buffer): Buffer => tlv(0x30, Buffer.concat([int(1), str('public'), pduBytes]));
/** A PDU of raw varbind TLVs (each a whole `30 ..` varbind). */
const rawPdu = (type: number, ...vbs: Buffer[]): Buffer => tlv(type, Buffer.concat([int(1), int(0), int(0), tlv(0x30, Buffer.concat(vbs))]));
/** The value a v2c SET of 1.3.6.1 with the raw value TLV `value` decodes to, or null when refused. */
function setValue(value: Buffer): { type: number; value: unknown } | null {
  const m = decodeMessage(v2c(rawPdu(SET, tlv(0x30, Buffer.concat([oid([1, 3, 6, 1]), value])))));
  if (!m || m.version === 3) return null;
  const vb = m.pdu.varbinds[0]!;
  return { type: vb.type, value: vb.value };
}

test('net-snmp captures: v1 GET, v2c GETNEXT and GETBULK decode to their fields', () => {
  const get = community(CAPTURE.v1Get);
  assert.equal(get.version, 0);
  assert.equal(get.community.toString(), 'public');
  assert.equal(get.pdu.type, PDU.GET);
  assert.equal(get.pdu.requestId, 0x152341b4);
  assert.equal(get.pdu.nonRepeaters, 0);
  assert.equal(get.pdu.maxRepetitions, 0);
  assert.equal(get.pdu.varbinds.length, 1);
  const vb = get.pdu.varbinds[0]!;
  assert.equal(vb.oid, '1.3.6.1.2.1.1.1.0');
  assert.equal(vb.oid, '1.3.6.1.2.1.1.1.0', 'asked twice, the same text');
  assert.deepEqual(vb.address, [1, 3, 6, 1, 2, 1, 1, 1, 0]);
  assert.equal(vb.type, TAG.NULL);
  assert.equal(vb.value, null);
  // the offsets the encoder echoes: the whole varbind, and the OID's content octets
  assert.equal(get.pdu.buffer.subarray(vb.start, vb.end).toString('hex'), '300c06082b060102010101000500');
  assert.equal(get.pdu.buffer.subarray(vb.oidStart, vb.oidEnd).toString('hex'), '2b06010201010100');

  const next = community(CAPTURE.v2GetNext);
  assert.equal(next.version, 1);
  assert.equal(next.pdu.type, PDU.GETNEXT);
  assert.equal(next.pdu.requestId, 0x2793aae4);
  assert.deepEqual(next.pdu.varbinds.map((v) => v.oid), ['1.3.6.1.2.1.1']);

  const bulk = community(CAPTURE.v2Bulk);
  assert.equal(bulk.pdu.type, PDU.GETBULK);
  assert.equal(bulk.pdu.requestId, 0x63324b0a);
  assert.equal(bulk.pdu.nonRepeaters, 1);
  assert.equal(bulk.pdu.maxRepetitions, 50);
  assert.deepEqual(bulk.pdu.varbinds.map((v) => v.oid), ['1.3.6.1.2.1.1.3', '1.3.6.1.2.1.2.2.1.2']);
  const second = bulk.pdu.varbinds[1]!;
  assert.equal(bulk.pdu.buffer.subarray(second.start, second.end).toString('hex'), '300d06092b06010201020201020500');
  assert.equal(bulk.pdu.buffer.subarray(second.oidStart, second.oidEnd).toString('hex'), '2b0601020102020102');
});

test('net-snmp capture: sub-identifiers at every septet boundary up to 2^32 - 1 (X.690 8.19, its 2.999.3 example)', () => {
  const m = community(CAPTURE.bigArcs);
  assert.deepEqual(m.pdu.varbinds[0]!.address, [2, 999, 3, 4294967295, 16383, 16384, 2097151, 2097152, 268435455, 268435456]);
});

test('net-snmp capture: INTEGER values at the one- to four-octet edges (X.690 8.3)', () => {
  const m = community(CAPTURE.setIntegers);
  assert.equal(m.pdu.type, PDU.SET);
  assert.equal(m.community.toString(), 'private');
  assert.equal(m.pdu.requestId, 0x683ad75e);
  assert.deepEqual(
    m.pdu.varbinds.map((v) => [v.oid, v.type, v.value]),
    [
      ['1.3.6.1.4.1.99999.1.0', TAG.INTEGER, -2147483648],
      ['1.3.6.1.4.1.99999.2.0', TAG.INTEGER, 2147483647],
      ['1.3.6.1.4.1.99999.3.0', TAG.INTEGER, -129],
      ['1.3.6.1.4.1.99999.4.0', TAG.INTEGER, 128],
      ['1.3.6.1.4.1.99999.5.0', TAG.INTEGER, -128],
      ['1.3.6.1.4.1.99999.6.0', TAG.INTEGER, 127],
      ['1.3.6.1.4.1.99999.7.0', TAG.INTEGER, 0],
    ],
  );
});

test('net-snmp capture: Gauge32, TimeTicks, IpAddress and OID values as net-snmp represents them', () => {
  const m = community(CAPTURE.setApplication);
  assert.deepEqual(
    m.pdu.varbinds.map((v) => [v.type, v.value]),
    [
      [TAG.GAUGE32, 4294967295],
      [TAG.TIME_TICKS, 4294967295],
      [TAG.IP_ADDRESS, '255.255.255.255'],
      [TAG.OID, '1.3.6.1.4.1.4294967295.2.999'],
      [TAG.GAUGE32, 0],
      [TAG.GAUGE32, 2147483648],
    ],
  );
  const v1 = community(CAPTURE.v1SetHex);
  assert.equal(v1.version, 0);
  assert.equal(v1.pdu.type, PDU.SET);
  assert.deepEqual(v1.pdu.varbinds[0]!.value, Buffer.from([0x00, 0xff]));
  assert.equal(v1.pdu.varbinds[1]!.type, TAG.TIME_TICKS);
  assert.equal(v1.pdu.varbinds[1]!.value, 0);
});

test('net-snmp capture: two-octet lengths (0x82) on the message, PDU, list, varbind and value', () => {
  const m = community(CAPTURE.setLongString);
  const vb = m.pdu.varbinds[0]!;
  assert.equal(vb.oid, '1.3.6.1.4.1.99999.1.0');
  assert.equal(vb.type, TAG.OCTET_STRING);
  assert.deepEqual(vb.value, Buffer.alloc(300, 0x61));
  assert.equal(vb.start, 0x24);
  assert.equal(vb.end, CAPTURE.setLongString.length);
});

test('net-snmp captures: SNMPv3 discovery probe, noAuthNoPriv, authNoPriv and authPriv headers', () => {
  const probe = v3(CAPTURE.v3Probe);
  assert.equal(probe.msgId, 0x3752c048);
  assert.equal(probe.maxSize, 65507);
  assert.equal(probe.flags, 0x04);
  assert.equal(probe.securityModel, 3);
  assert.equal(probe.engineId.length, 0);
  assert.equal(probe.engineBoots, 0);
  assert.equal(probe.engineTime, 0);
  assert.equal(probe.userName.length, 0);
  assert.equal(probe.authParams.length, 0);
  assert.equal(probe.privParams.length, 0);
  assert.equal(probe.packet, CAPTURE.v3Probe);
  const probeScoped = decodeScopedPdu(probe.scoped);
  assert.ok(probeScoped);
  assert.equal(probeScoped.contextEngineId.length, 0);
  assert.equal(probeScoped.contextName.length, 0);
  assert.equal(probeScoped.pdu.type, PDU.GET);
  assert.equal(probeScoped.pdu.requestId, 0x7ea49992);
  assert.equal(probeScoped.pdu.varbinds.length, 0);

  const plain = v3(CAPTURE.v3NoAuth);
  assert.equal(plain.engineId.toString('hex'), '80001f8880aabbccdd');
  assert.equal(plain.userName.toString(), 'admin');
  assert.equal(plain.scoped.toString('hex'), CAPTURE.v3NoAuth.subarray(CAPTURE.v3NoAuth.length - 0x30).toString('hex'));
  const scoped = decodeScopedPdu(plain.scoped);
  assert.ok(scoped);
  assert.equal(scoped.contextEngineId.toString('hex'), '80001f8880aabbccdd');
  assert.equal(scoped.contextName.toString(), 'ctx');
  assert.equal(scoped.pdu.requestId, 0x7742fe26);
  assert.deepEqual(scoped.pdu.varbinds.map((v) => v.oid), ['1.3.6.1.2.1.1.1.0']);

  const auth = v3(CAPTURE.v3Auth);
  assert.equal(auth.flags, 0x05);
  assert.equal(auth.authParams.toString('hex'), '0bd400fee1a29e09bfc0ea4b');
  assert.equal(auth.privParams.length, 0);
  // a view into the packet: the digest check zeroes it in place
  assert.equal(auth.authParams.buffer, CAPTURE.v3Auth.buffer);
  assert.equal(auth.authParams.byteOffset - CAPTURE.v3Auth.byteOffset, 0x36);
  assert.equal(decodeScopedPdu(auth.scoped)?.pdu.requestId, 0x6aec4ace);

  const priv = v3(CAPTURE.v3Priv);
  assert.equal(priv.flags, 0x07);
  assert.equal(priv.userName.toString(), 'admin');
  assert.equal(priv.authParams.toString('hex'), 'eff3a60eef92c3bcf9aab69f');
  assert.equal(priv.privParams.toString('hex'), '79ef2f90d36dc431');
  // the encryptedPDU octets, not their OCTET STRING header
  assert.equal(priv.scoped.length, 0x2d);
  assert.equal(priv.scoped.toString('hex'), CAPTURE.v3Priv.subarray(CAPTURE.v3Priv.length - 0x2d).toString('hex'));
});

test('a packet inside a larger buffer (as a pooled datagram) decodes by its own offsets', () => {
  for (const capture of [CAPTURE.v1Get, CAPTURE.v3Auth, CAPTURE.setLongString]) {
    const big = Buffer.alloc(capture.length + 700, 0xee);
    capture.copy(big, 333);
    const inner = big.subarray(333, 333 + capture.length);
    const a = decodeMessage(capture);
    const b = decodeMessage(inner);
    assert.ok(a && b);
    if (a.version === 3 && b.version === 3) {
      assert.deepEqual(b.userName, a.userName);
      assert.deepEqual(b.authParams, a.authParams);
      assert.deepEqual(b.privParams, a.privParams);
      assert.deepEqual(b.scoped, a.scoped);
    } else if (a.version !== 3 && b.version !== 3) {
      assert.deepEqual(b.community, a.community);
      assert.deepEqual(b.pdu.varbinds.map((v) => [v.address, v.value]), a.pdu.varbinds.map((v) => [v.address, v.value]));
    } else {
      assert.fail('versions differ');
    }
  }
  // decodeOid reads between the offsets it is given, wherever they are
  const far = Buffer.alloc(1000, 0xee);
  Buffer.from([0x2b, 0x06, 0x01, 0x81, 0x00]).copy(far, 700);
  assert.deepEqual(decodeOid(far, 700, 705), [1, 3, 6, 1, 128]);
});

test('BER lengths: long forms of one to three octets, even for short lengths; indefinite and four-octet forms refused', () => {
  const inner = Buffer.concat([int(1), str('public'), pdu(GET, 7, [['1.3.6.1']])]);
  const withLength = (lengthOctets: number[]): Buffer => Buffer.concat([Buffer.from([0x30, ...lengthOctets]), inner]);
  const n = inner.length;
  assert.ok(n < 0x80);
  assert.equal(community(withLength([n])).pdu.requestId, 7);
  assert.equal(community(withLength([0x81, n])).pdu.requestId, 7, 'X.690 8.1.3.2: a sender may use the long form');
  assert.equal(community(withLength([0x82, 0, n])).pdu.requestId, 7);
  assert.equal(community(withLength([0x83, 0, 0, n])).pdu.requestId, 7);
  assert.equal(decodeMessage(withLength([0x84, 0, 0, 0, n])), null, 'more than three length octets');
  assert.equal(decodeMessage(withLength([0x80])), null, 'the indefinite form');
  assert.equal(decodeMessage(withLength([0x81, n + 1])), null, 'a length past the end');
  assert.equal(decodeMessage(withLength([0x81, n - 1])), null, 'a length short of the end');
  // the indefinite form stays refused when exactly 128 octets follow it (0x80 is not a length of 128)
  const padded = Buffer.concat([int(1), str('x'.repeat(128 - 3 - 2 - pdu(GET, 7, [['1.3.6.1']]).length)), pdu(GET, 7, [['1.3.6.1']])]);
  assert.equal(padded.length, 128);
  assert.ok(decodeMessage(Buffer.concat([Buffer.from([0x30, 0x81, 0x80]), padded])));
  assert.equal(decodeMessage(Buffer.concat([Buffer.from([0x30, 0x80]), padded])), null);
  // a long-form length whose octets end the packet, with nothing after them
  const nullLong = decodeMessage(v2c(rawPdu(GET, tlv(0x30, Buffer.concat([oid([1, 3]), Buffer.from([0x05, 0x81, 0x00])])))));
  assert.ok(nullLong && nullLong.version !== 3);
  assert.equal(nullLong.pdu.varbinds[0]!.value, null);
  // the indefinite form on a primitive value (X.690 8.1.3.2 a: primitives are definite)
  assert.equal(decodeMessage(v2c(rawPdu(GET, tlv(0x30, Buffer.concat([oid([1, 3]), Buffer.from([0x05, 0x80])]))))), null);
  // length octets cut off by the end of the packet
  assert.equal(decodeMessage(Buffer.from([0x30, 0x82, 0x01])), null);
  assert.equal(decodeMessage(Buffer.from([0x30])), null);
  assert.equal(decodeMessage(Buffer.alloc(0)), null);
});

test('Integer32 header fields: one to four octets, sign-extended (RFC 3416 request-id)', () => {
  const msg = (requestId: Buffer): Buffer => v2c(tlv(GET, Buffer.concat([requestId, int(0), int(0), tlv(0x30, Buffer.alloc(0))])));
  assert.equal(community(msg(hex('020180'))).pdu.requestId, -128);
  assert.equal(community(msg(hex('0202ff7f'))).pdu.requestId, -129);
  assert.equal(community(msg(hex('0203800000'))).pdu.requestId, -0x800000);
  assert.equal(community(msg(hex('020480000000'))).pdu.requestId, -0x80000000);
  assert.equal(community(msg(hex('02047fffffff'))).pdu.requestId, 0x7fffffff);
  assert.equal(community(msg(hex('0204000000ff'))).pdu.requestId, 255, 'non-minimal, still BER');
  assert.equal(decodeMessage(msg(hex('0200'))), null, 'no content octets');
  assert.equal(decodeMessage(msg(hex('02050080000000'))), null, 'over 32 bits');
  assert.equal(decodeMessage(msg(hex('0401ff'))), null, 'not an INTEGER');
  // the error-status and error-index fields are Integer32 too
  assert.equal(decodeMessage(v2c(tlv(GET, Buffer.concat([int(1), str('x'), int(0), tlv(0x30, Buffer.alloc(0))])))), null);
  assert.equal(decodeMessage(v2c(tlv(GET, Buffer.concat([int(1), int(0), hex('0200'), tlv(0x30, Buffer.alloc(0))])))), null);
  assert.equal(decodeMessage(v2c(tlv(GET, Buffer.concat([int(1), int(0), int(0)])))), null, 'no varbind list');
});

test('OID content: the first octet splits as X.690 8.19.4 says; empty, truncated and non-minimal OIDs are refused', () => {
  const d = (...octets: number[]): number[] | null => decodeOid(Buffer.from(octets), 0, octets.length);
  assert.deepEqual(d(0x27), [0, 39]);
  assert.deepEqual(d(0x28), [1, 0]);
  assert.deepEqual(d(0x4f), [1, 39]);
  assert.deepEqual(d(0x50), [2, 0]);
  assert.deepEqual(d(0x78), [2, 40]);
  assert.deepEqual(d(0x88, 0x37, 0x03), [2, 999, 3]);
  assert.deepEqual(d(0x2b, 0x7f), [1, 3, 127]);
  assert.deepEqual(d(0x2b, 0x81, 0x00), [1, 3, 128]);
  assert.equal(d(), null, 'no content octets');
  assert.equal(d(0x2b, 0x86), null, 'the last sub-identifier is unfinished');
  assert.equal(d(0x80, 0x2b), null, 'a leading 0x80 octet (X.690 8.19.2)');
  assert.equal(d(0x2b, 0x06, 0x80, 0x01), null, 'a leading 0x80 octet in a later sub-identifier');
  assert.equal(d(0x2b, 0x90, 0x80, 0x80, 0x80, 0x00), null, '2^32');
  // an empty OID in a request, as a name or as a value
  assert.equal(decodeMessage(v2c(rawPdu(GET, tlv(0x30, Buffer.concat([Buffer.from([0x06, 0x00]), Buffer.from([0x05, 0x00])]))))), null);
  assert.equal(setValue(Buffer.from([0x06, 0x00])), null);
  assert.deepEqual(setValue(Buffer.from([0x06, 0x03, 0x88, 0x37, 0x03])), { type: TAG.OID, value: '2.999.3' });
});

test('Counter32, Gauge32, TimeTicks: 0..2^32 - 1 in one to five octets; negative or longer encodings refused', () => {
  for (const tag of [TAG.COUNTER32, TAG.GAUGE32, TAG.TIME_TICKS]) {
    const v = (...octets: number[]): unknown => setValue(tlv(tag, Buffer.from(octets)))?.value ?? 'refused';
    assert.equal(setValue(tlv(tag, Buffer.from([1])))?.type, tag);
    assert.equal(v(1), 1);
    assert.equal(v(0x7f), 127);
    assert.equal(v(0x00, 0x80), 128);
    assert.equal(v(0x01, 0x00, 0x00), 65536);
    assert.equal(v(0x7f, 0xff, 0xff, 0xff), 0x7fffffff);
    assert.equal(v(0x00, 0xff, 0xff, 0xff, 0xff), 0xffffffff);
    assert.equal(v(), 'refused', 'no content octets');
    assert.equal(v(0x80), 'refused', 'negative (-128)');
    assert.equal(v(0xff, 0xff, 0xff, 0xff), 'refused', 'negative (-1)');
    assert.equal(v(0x01, 0x00, 0x00, 0x00, 0x00), 'refused', '2^32');
    assert.equal(v(0x00, 0x00, 0xff, 0xff, 0xff, 0xff), 'refused', 'six octets');
  }
});

test('values by tag: INTEGER, Opaque, Counter64, NULL and the exceptions, IpAddress; unknown tags refused', () => {
  assert.equal(setValue(hex('0200')), null, 'INTEGER without content');
  assert.equal(setValue(hex('02050000000001')), null, 'INTEGER of five octets');
  assert.deepEqual(setValue(hex('0203ff0001')), { type: TAG.INTEGER, value: -65535 });
  assert.deepEqual(setValue(hex('4403010203')), { type: TAG.OPAQUE, value: hex('010203') });
  assert.deepEqual(setValue(hex('4400')), { type: TAG.OPAQUE, value: Buffer.alloc(0) });
  assert.deepEqual(setValue(hex('0400')), { type: TAG.OCTET_STRING, value: Buffer.alloc(0) });
  // Counter64: 2^64 - 1 needs nine octets (a leading zero); net-snmp keeps the octets
  assert.deepEqual(setValue(hex('460900ffffffffffffffff')), { type: TAG.COUNTER64, value: hex('00ffffffffffffffff') });
  assert.deepEqual(setValue(hex('460101')), { type: TAG.COUNTER64, value: hex('01') });
  assert.equal(setValue(hex('4600')), null, 'Counter64 without content');
  assert.equal(setValue(hex('460a00000000000000000001')), null, 'Counter64 of ten octets');
  for (const tag of [TAG.NULL, TAG.NO_SUCH_OBJECT, TAG.NO_SUCH_INSTANCE, TAG.END_OF_MIB_VIEW]) {
    assert.deepEqual(setValue(Buffer.from([tag, 0])), { type: tag, value: null });
    assert.equal(setValue(Buffer.from([tag, 1, 0])), null, `tag ${tag} with content`);
  }
  assert.deepEqual(setValue(hex('40040a000001')), { type: TAG.IP_ADDRESS, value: '10.0.0.1' });
  assert.equal(setValue(hex('40030a0000')), null, 'IpAddress of three octets');
  assert.equal(setValue(hex('40050a00000101')), null, 'IpAddress of five octets');
  // NsapAddress, UInteger32 (SMIv1/v2 leftovers), BOOLEAN, BIT STRING, a constructed value
  for (const bad of ['450100', '470100', '0101ff', '030100', '3000']) assert.equal(setValue(hex(bad)), null, bad);
});

test('PDUs: only GET, GETNEXT, GETBULK and SET; every part must fill its container exactly', () => {
  for (const type of [0xa2, 0xa4, 0xa6, 0xa7, 0xa8, 0x30]) assert.equal(decodeMessage(v2c(rawPdu(type))), null, `type ${type}`);
  const vb = tlv(0x30, Buffer.concat([oid([1, 3, 6, 1]), Buffer.from([0x05, 0x00])]));
  assert.ok(decodeMessage(v2c(rawPdu(GET, vb, vb))));
  // a byte after the PDU, inside the message
  assert.equal(decodeMessage(tlv(0x30, Buffer.concat([int(1), str('public'), rawPdu(GET, vb), Buffer.from([0])]))), null);
  // a byte after the varbind list, inside the PDU
  assert.equal(decodeMessage(v2c(tlv(GET, Buffer.concat([int(1), int(0), int(0), tlv(0x30, vb), Buffer.from([0])])))), null);
  // a byte after a value, inside its varbind
  assert.equal(decodeMessage(v2c(rawPdu(GET, tlv(0x30, Buffer.concat([oid([1, 3]), Buffer.from([0x05, 0x00, 0x00])]))))), null);
  // a varbind that is not a SEQUENCE; one without a value; one whose name is not an OID
  assert.equal(decodeMessage(v2c(rawPdu(GET, tlv(0x31, Buffer.concat([oid([1, 3]), Buffer.from([0x05, 0x00])]))))), null);
  assert.equal(decodeMessage(v2c(rawPdu(GET, tlv(0x30, oid([1, 3]))))), null);
  assert.equal(decodeMessage(v2c(rawPdu(GET, tlv(0x30, oid([1, 3])), vb))), null);
  assert.equal(decodeMessage(v2c(rawPdu(GET, tlv(0x30, Buffer.concat([str('1.3'), Buffer.from([0x05, 0x00])]))))), null);
  // a value whose length runs past its varbind
  assert.equal(decodeMessage(v2c(rawPdu(GET, tlv(0x30, Buffer.concat([oid([1, 3]), Buffer.from([0x04, 0x02, 0x61])])), vb))), null);
});

test('versions: v1 and v2c take a community; v3 its header; 2 and others are dropped', () => {
  const body = Buffer.concat([str('public'), pdu(GET, 1, [['1.3.6.1']])]);
  assert.equal(community(tlv(0x30, Buffer.concat([int(0), body]))).version, 0);
  assert.equal(community(tlv(0x30, Buffer.concat([int(1), body]))).version, 1);
  for (const version of [2, -1, 4, 256]) assert.equal(decodeMessage(tlv(0x30, Buffer.concat([int(version), body]))), null, `version ${version}`);
  assert.equal(decodeMessage(tlv(0x30, Buffer.concat([int(1), int(5), pdu(GET, 1, [['1.3.6.1']])]))), null, 'community not an OCTET STRING');
  assert.equal(decodeMessage(tlv(0x31, Buffer.concat([int(1), body]))), null, 'not a SEQUENCE');
  assert.equal(decodeMessage(tlv(0x30, Buffer.concat([str('1'), body]))), null, 'version not an INTEGER');
  // GETBULK is SNMPv2 only; a v1 GET next to it is fine
  assert.equal(decodeMessage(communityMessage(0, 'public', pdu(0xa5, 1, [['1.3']]))), null);
  assert.ok(decodeMessage(communityMessage(0, 'public', pdu(GET, 1, [['1.3']]))));
});

interface V3Parts {
  msgId?: Buffer;
  maxSize?: Buffer;
  flags?: Buffer;
  model?: Buffer;
  headerExtra?: Buffer;
  engineId?: Buffer;
  boots?: Buffer;
  time?: Buffer;
  user?: Buffer;
  auth?: Buffer;
  priv?: Buffer;
  /** After the privacy parameters, inside the USM SEQUENCE. */
  usmTail?: Buffer;
  usmExtra?: Buffer;
  afterUsm?: Buffer;
  data?: Buffer;
}

/** An SNMPv3 message (RFC 3412 6, RFC 3414 2.4) from parts, each a whole TLV, defaults valid noAuthNoPriv. */
function v3Raw(p: V3Parts): Buffer {
  const header = tlv(0x30, Buffer.concat([p.msgId ?? int(1), p.maxSize ?? int(1500), p.flags ?? str(Buffer.from([4])), p.model ?? int(3), p.headerExtra ?? Buffer.alloc(0)]));
  const usm = tlv(
    0x30,
    Buffer.concat([p.engineId ?? str(hex('80001f8880aabbccdd')), p.boots ?? int(1), p.time ?? int(2), p.user ?? str('admin'), p.auth ?? str(''), p.priv ?? str(''), p.usmTail ?? Buffer.alloc(0)]),
  );
  const params = str(Buffer.concat([usm, p.afterUsm ?? Buffer.alloc(0)]));
  const data = p.data ?? tlv(0x30, Buffer.concat([str(''), str(''), pdu(GET, 1, [['1.3.6.1']])]));
  return tlv(0x30, Buffer.concat([int(3), header, params, p.usmExtra ?? Buffer.alloc(0), data]));
}

test('SNMPv3 header: msgID 0..2^31-1, msgMaxSize at least 484, one flags octet, nothing after the model (RFC 3412 6)', () => {
  assert.equal(v3(v3Raw({})).engineBoots, 1);
  assert.equal(v3(v3Raw({})).engineTime, 2);
  assert.equal(v3(v3Raw({ msgId: int(0) })).msgId, 0);
  assert.equal(v3(v3Raw({ msgId: int(0x7fffffff) })).msgId, 0x7fffffff);
  assert.equal(decodeMessage(v3Raw({ msgId: int(-1) })), null);
  assert.equal(decodeMessage(v3Raw({ msgId: str('1') })), null);
  assert.equal(v3(v3Raw({ maxSize: int(484) })).maxSize, 484);
  assert.equal(decodeMessage(v3Raw({ maxSize: int(483) })), null);
  assert.equal(decodeMessage(v3Raw({ maxSize: hex('0200') })), null);
  assert.equal(decodeMessage(v3Raw({ flags: str(Buffer.alloc(0)) })), null);
  assert.equal(decodeMessage(v3Raw({ flags: str(Buffer.from([4, 0])) })), null);
  assert.equal(decodeMessage(v3Raw({ flags: int(4) })), null);
  assert.equal(v3(v3Raw({ model: int(2) })).securityModel, 2, 'the model is the caller\'s to judge');
  assert.equal(decodeMessage(v3Raw({ model: str('3') })), null);
  assert.equal(decodeMessage(v3Raw({ headerExtra: int(0) })), null);
  assert.equal(decodeMessage(v3Raw({ model: Buffer.alloc(0) })), null, 'no security model');
  // four flag octets whose last three read as an INTEGER 3: still not one flags octet
  assert.equal(decodeMessage(v3Raw({ flags: str(Buffer.from([4, 0x02, 0x01, 0x03])), model: Buffer.alloc(0) })), null);
  // an SNMPv3 body under version 2 (RFC 3584's SNMPv2u/v2* number) is not SNMPv3
  assert.equal(decodeMessage(tlv(0x30, Buffer.concat([int(2), v3Raw({}).subarray(5)]))), null);
  assert.ok(decodeMessage(tlv(0x30, Buffer.concat([int(3), v3Raw({}).subarray(5)]))));
});

test('USM parameters: engine ID and user name at most 32 octets, boots and time not negative, nothing after them (RFC 3414 2.4)', () => {
  const id32 = Buffer.alloc(32, 0x80);
  assert.deepEqual(v3(v3Raw({ engineId: str(id32) })).engineId, id32);
  assert.equal(decodeMessage(v3Raw({ engineId: str(Buffer.alloc(33, 0x80)) })), null);
  assert.equal(decodeMessage(v3Raw({ engineId: int(1) })), null);
  assert.equal(v3(v3Raw({ user: str('u'.repeat(32)) })).userName.toString(), 'u'.repeat(32));
  assert.equal(decodeMessage(v3Raw({ user: str('u'.repeat(33)) })), null);
  assert.equal(decodeMessage(v3Raw({ user: int(1) })), null);
  assert.equal(v3(v3Raw({ boots: int(0x7fffffff), time: int(0) })).engineBoots, 0x7fffffff);
  assert.equal(decodeMessage(v3Raw({ boots: int(-1) })), null);
  assert.equal(decodeMessage(v3Raw({ time: int(-1) })), null);
  assert.equal(decodeMessage(v3Raw({ boots: str('') })), null);
  assert.equal(decodeMessage(v3Raw({ time: str('') })), null);
  assert.equal(decodeMessage(v3Raw({ auth: int(0) })), null);
  assert.equal(decodeMessage(v3Raw({ priv: int(0) })), null);
  assert.equal(decodeMessage(v3Raw({ priv: Buffer.alloc(0) })), null, 'no privacy parameters');
  const m = v3(v3Raw({ auth: str(hex('00'.repeat(12))), priv: str(hex('0102030405060708')) }));
  assert.equal(m.authParams.length, 12);
  assert.equal(m.privParams.toString('hex'), '0102030405060708');
  assert.equal(decodeMessage(v3Raw({ afterUsm: Buffer.from([0]) })), null, 'a byte after the USM SEQUENCE in its OCTET STRING');
  assert.equal(decodeMessage(v3Raw({ usmTail: str('') })), null, 'a seventh element in the USM SEQUENCE');
  assert.equal(decodeMessage(v3Raw({ usmExtra: str('') })), null, 'an element between the parameters and the data');
});

test('SNMPv3 data: plaintext scoped PDU without the priv flag, encrypted OCTET STRING with it, ending the message', () => {
  const scoped = tlv(0x30, Buffer.concat([str(''), str(''), pdu(GET, 1, [['1.3.6.1']])]));
  assert.equal(decodeMessage(v3Raw({ data: str(scoped) })), null, 'an OCTET STRING without the priv flag');
  const privFlags = str(Buffer.from([7]));
  assert.equal(decodeMessage(v3Raw({ flags: privFlags, data: scoped })), null, 'a SEQUENCE with the priv flag');
  assert.deepEqual(v3(v3Raw({ flags: privFlags, data: str(hex('deadbeef')) })).scoped, hex('deadbeef'));
  assert.deepEqual(v3(v3Raw({ flags: str(Buffer.from([3])), data: str(hex('deadbeef')) })).scoped, hex('deadbeef'), 'priv is bit 1 whatever else is set');
  assert.equal(v3(v3Raw({ flags: str(Buffer.from([5])), data: scoped })).scoped.toString('hex'), scoped.toString('hex'));
  const withTrailer = (data: Buffer): Buffer => {
    const m = v3Raw({ data });
    // one octet more inside the message SEQUENCE
    return tlv(0x30, Buffer.concat([m.subarray(2), Buffer.from([0])]));
  };
  assert.ok(decodeMessage(tlv(0x30, v3Raw({ data: scoped }).subarray(2))));
  assert.equal(decodeMessage(withTrailer(scoped)), null);
  assert.equal(decodeMessage(tlv(0x30, Buffer.concat([v3Raw({ flags: privFlags, data: str(hex('01')) }).subarray(2), Buffer.from([0])]))), null);
  assert.equal(decodeMessage(v3Raw({ data: Buffer.alloc(0) })), null, 'no data');
});

test('scoped PDU: context engine ID and name, then the PDU; decryption padding after the SEQUENCE is ignored', () => {
  const body = Buffer.concat([str(hex('80001f88')), str('ctx'), pdu(GET, 42, [['1.3.6.1.2.1.1.5.0']])]);
  const plain = tlv(0x30, body);
  for (const padding of [0, 1, 7]) {
    const s = decodeScopedPdu(Buffer.concat([plain, Buffer.alloc(padding, 0x55)]));
    assert.ok(s, `padding ${padding}`);
    assert.equal(s.contextEngineId.toString('hex'), '80001f88');
    assert.equal(s.contextName.toString(), 'ctx');
    assert.equal(s.pdu.requestId, 42);
    assert.deepEqual(s.pdu.varbinds.map((v) => v.oid), ['1.3.6.1.2.1.1.5.0']);
  }
  assert.equal(decodeScopedPdu(tlv(0x31, body)), null, 'not a SEQUENCE');
  assert.equal(decodeScopedPdu(tlv(0x30, Buffer.concat([int(1), str('ctx'), pdu(GET, 42, [['1.3']])]))), null, 'engine ID not an OCTET STRING');
  assert.equal(decodeScopedPdu(tlv(0x30, Buffer.concat([str(''), int(1), pdu(GET, 42, [['1.3']])]))), null, 'name not an OCTET STRING');
  assert.equal(decodeScopedPdu(tlv(0x30, Buffer.concat([str(''), str(''), pdu(0xa2, 42, [['1.3']])]))), null, 'a Response inside');
  assert.equal(decodeScopedPdu(tlv(0x30, Buffer.concat([str(''), str('')]))), null, 'no PDU');
  // a truncated decryption: the SEQUENCE claims more than there is
  assert.equal(decodeScopedPdu(plain.subarray(0, plain.length - 1)), null);
  // the SEQUENCE ends before the PDU does
  assert.equal(decodeScopedPdu(Buffer.concat([Buffer.from([0x30, body.length - 1]), body])), null);
});
