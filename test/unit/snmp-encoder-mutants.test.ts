// The agent's response encoder (src/snmp/encoder.ts) reproducing, byte for
// byte, responses net-snmp 5.9.3's snmpd sent, and the BER forms X.690
// prescribes (8.1.3 lengths, 8.3 INTEGER, 8.19 OID); written to kill the
// mutants the older tests let live (README "Mutation testing").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ObjectTypeCode, VarbindValue } from 'net-snmp';
import { decodeMessage, PDU, TAG, type CommunityMessage } from '../../src/snmp/wire.js';
import { Encoder, oidContent, varbindsBound, type OutVarbind } from '../../src/snmp/encoder.js';
import { tlv } from '../helpers/snmp-packets.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

function request(b: Buffer): CommunityMessage {
  const m = decodeMessage(b);
  assert.ok(m && m.version !== 3);
  return m;
}

type Body = { values: readonly OutVarbind[]; echoOids?: boolean } | { status: number; index: number; echo: boolean };

/** A v1/v2c Response to `req`, built in the order the agent builds one (src/snmp/agent-host.ts). */
function respond(enc: Encoder, req: CommunityMessage, body: Body): Buffer {
  enc.begin(4096);
  const end = enc.mark();
  if ('values' in body) {
    assert.equal(enc.varbinds(body.values, body.echoOids ? req.pdu : undefined), true);
    enc.pduHeader(PDU.RESPONSE, req.pdu.requestId, 0, 0, end);
  } else {
    if (body.echo) enc.echo(req.pdu);
    else enc.none();
    enc.pduHeader(PDU.RESPONSE, req.pdu.requestId, body.status, body.index, end);
  }
  enc.octets(req.community);
  enc.int(req.version);
  enc.wrap(0x30, end);
  assert.equal(enc.length, enc.finish().length);
  return enc.finish();
}

const vb = (oid: string, type?: number, value?: unknown): OutVarbind => ({ oid, type: type as ObjectTypeCode | undefined, value: value as VarbindValue });

/**
 * Exchanges with net-snmp 5.9.3's snmpd (`snmpget -d ...` prints both
 * packets): the request it got and the response it sent.
 */
const SNMPD = {
  // snmpget -v2c -c public 1.3.6.1.2.1.1.4.0 1.3.6.1.2.1.1.7.0 (sysServices outside the view: noSuchInstance)
  contact: {
    request: hex('303702010104067075626c6963a02a02043ba00272020100020100301c300c06082b060102010104000500300c06082b060102010107000500'),
    response: hex(
      '304602010104067075626c6963a23902043ba00272020100020100302b301b06082b06010201010400040f6f7073406578616d706c652e6e6574300c06082b060102010107008100',
    ),
  },
  // snmpget -v2c -c public 1.3.6.1.2.1.1.99.0 1.3.6.1.2.1.1.4.1 1.3.6.1.2.1.1.2.0
  noSuch: {
    request: hex(
      '304502010104067075626c6963a03802044e25461c020100020100302a300c06082b060102010163000500300c06082b060102010104010500300c06082b060102010102000500',
    ),
    response: hex(
      '304f02010104067075626c6963a24202044e25461c0201000201003034300c06082b060102010163008000300c06082b060102010104018100301606082b06010201010200060a2b06010401bf0803020a',
    ),
  },
  // snmpgetnext -v2c -c limited 1.3.6.1.2.1.1.9.1.4.99 (the community's view ends at 1.3.6.1.2.1.1)
  endOfView: {
    request: hex('302c02010104076c696d69746564a11e02044e7d9a530201000201003010300e060a2b0601020101090104630500'),
    response: hex('302c02010104076c696d69746564a21e02044e7d9a530201000201003010300e060a2b0601020101090104638200'),
  },
  // snmpget -v1 -c public 1.3.6.1.2.1.1.4.0 1.3.6.1.2.1.1.99.0: noSuchName, error-index 2
  v1NoSuchName: {
    request: hex('303702010004067075626c6963a02a02043878aadf020100020100301c300c06082b060102010104000500300c06082b060102010163000500'),
    response: hex('303702010004067075626c6963a22a02043878aadf020102020102301c300c06082b060102010104000500300c06082b060102010163000500'),
  },
  // snmpset -v2c -c public 1.3.6.1.2.1.1.4.0 s x: noAccess (6), error-index 1
  noAccess: {
    request: hex('302a02010104067075626c6963a31d020452ebc2af020100020100300f300d06082b06010201010400040178'),
    response: hex('302a02010104067075626c6963a21d020452ebc2af020106020101300f300d06082b06010201010400040178'),
  },
  // snmpset -v2c -c private 1.3.6.1.2.1.1.7.0 i 5: notWritable (17), error-index 1
  notWritable: {
    request: hex('302b020101040770726976617465a31d02043797dc10020100020100300f300d06082b06010201010700020105'),
    response: hex('302b020101040770726976617465a21d02043797dc10020111020101300f300d06082b06010201010700020105'),
  },
  // snmpbulkget -v2c -c public -Cn1 -Cr3 1.3.6.1.2.1.1.4 1.3.6.1.2.1.1.8
  bulk: {
    request: hex('303502010104067075626c6963a52802042622d3dd020101020103301a300b06072b0601020101040500300b06072b0601020101080500'),
    response: hex(
      '307902010104067075626c6963a26c02042622d3dd020100020100305e301b06082b06010201010400040f6f7073406578616d706c652e6e6574300d06082b060102010108004301063017060a2b06010201010901020106092b060106030a0301013017060a2b06010201010901020206092b060106030b030101',
    ),
  },
  // snmpget -v2c -c public ifHCInOctets.1 ifHCOutOctets.1 ifInOctets.1 ipAdEntAddr.127.0.0.1
  counters: {
    request: hex(
      '306002010104067075626c6963a0530204392e7c4c0201000201003045300f060b2b060102011f01010106010500300f060b2b060102011f0101010a010500300e060a2b060102010202010a0105003011060d2b06010201041401017f0000010500',
    ),
    response: hex(
      '307302010104067075626c6963a2660204392e7c4c02010002010030583014060b2b060102011f0101010601460501d206a42b3014060b2b060102011f0101010a01460501d206a42b3013060a2b060102010202010a01410500d206a42b3015060d2b06010201041401017f00000140047f000001',
    ),
  },
};

test('snmpd responses reproduced byte for byte: values, exceptions, OIDs as values, echoed request OIDs', () => {
  const enc = new Encoder();
  const contact = request(SNMPD.contact.request);
  const contactValues = [vb('ignored', TAG.OCTET_STRING, 'ops@example.net'), vb('ignored', TAG.NO_SUCH_INSTANCE)];
  assert.equal(respond(enc, contact, { values: contactValues, echoOids: true }).toString('hex'), SNMPD.contact.response.toString('hex'));
  // the same from dotted names, and the text value given as octets
  const named = [vb('1.3.6.1.2.1.1.4.0', TAG.OCTET_STRING, Buffer.from('ops@example.net')), vb('1.3.6.1.2.1.1.7.0', TAG.NO_SUCH_INSTANCE)];
  assert.equal(respond(enc, contact, { values: named }).toString('hex'), SNMPD.contact.response.toString('hex'));

  const noSuch = request(SNMPD.noSuch.request);
  const noSuchValues = [
    vb('1.3.6.1.2.1.1.99.0', TAG.NO_SUCH_OBJECT),
    vb('1.3.6.1.2.1.1.4.1', TAG.NO_SUCH_INSTANCE),
    vb('1.3.6.1.2.1.1.2.0', TAG.OID, '1.3.6.1.4.1.8072.3.2.10'),
  ];
  assert.equal(respond(enc, noSuch, { values: noSuchValues }).toString('hex'), SNMPD.noSuch.response.toString('hex'));

  const end = request(SNMPD.endOfView.request);
  assert.equal(respond(enc, end, { values: [vb('1.3.6.1.2.1.1.9.1.4.99', TAG.END_OF_MIB_VIEW)] }).toString('hex'), SNMPD.endOfView.response.toString('hex'));

  const bulk = request(SNMPD.bulk.request);
  const bulkValues = [
    vb('1.3.6.1.2.1.1.4.0', TAG.OCTET_STRING, 'ops@example.net'),
    vb('1.3.6.1.2.1.1.8.0', TAG.TIME_TICKS, 6),
    vb('1.3.6.1.2.1.1.9.1.2.1', TAG.OID, '1.3.6.1.6.3.10.3.1.1'),
    vb('1.3.6.1.2.1.1.9.1.2.2', TAG.OID, '1.3.6.1.6.3.11.3.1.1'),
  ];
  assert.equal(respond(enc, bulk, { values: bulkValues }).toString('hex'), SNMPD.bulk.response.toString('hex'));
});

test('snmpd responses reproduced: Counter64, Counter32 with its leading zero octet, IpAddress', () => {
  const enc = new Encoder();
  const req = request(SNMPD.counters.request);
  const values = [
    vb('1.3.6.1.2.1.31.1.1.1.6.1', TAG.COUNTER64, hex('01d206a42b')),
    vb('1.3.6.1.2.1.31.1.1.1.10.1', TAG.COUNTER64, hex('01d206a42b')),
    vb('1.3.6.1.2.1.2.2.1.10.1', TAG.COUNTER32, 0xd206a42b),
    vb('1.3.6.1.2.1.4.20.1.1.127.0.0.1', TAG.IP_ADDRESS, '127.0.0.1'),
  ];
  assert.equal(respond(enc, req, { values }).toString('hex'), SNMPD.counters.response.toString('hex'));
  const asOctets = [...values.slice(0, 3), vb('1.3.6.1.2.1.4.20.1.1.127.0.0.1', TAG.IP_ADDRESS, hex('7f000001'))];
  assert.equal(respond(enc, req, { values: asOctets, echoOids: true }).toString('hex'), SNMPD.counters.response.toString('hex'));
});

test('snmpd error responses reproduced: error-status and error-index, the request echoed', () => {
  const enc = new Encoder();
  for (const [name, status, index] of [
    ['v1NoSuchName', 2, 2],
    ['noAccess', 6, 1],
    ['notWritable', 17, 1],
  ] as const) {
    const req = request(SNMPD[name].request);
    assert.equal(respond(enc, req, { status, index, echo: true }).toString('hex'), SNMPD[name].response.toString('hex'), name);
  }
  // no varbinds (tooBig): an empty list
  const req = request(SNMPD.noAccess.request);
  const tooBig = respond(enc, req, { status: 1, index: 0, echo: false });
  assert.equal(tooBig.toString('hex'), '301b020101' + '04067075626c6963' + 'a20e' + '020452ebc2af' + '020101' + '020100' + '3000');
});

/** The varbind list `vbs` encodes to (no request OIDs), as hex. */
function list(vbs: readonly OutVarbind[]): string {
  const enc = new Encoder();
  enc.begin(1 << 17);
  assert.equal(enc.varbinds(vbs), true, JSON.stringify(vbs.map((v) => v.oid)));
  return enc.finish().toString('hex');
}

test('SET varbinds net-snmp\'s snmpset sent are encoded to the same bytes (INTEGER edges, application types, big arcs)', () => {
  const o = (n: number): string => `1.3.6.1.4.1.99999.${n}.0`;
  // the varbind lists of the packets captured in test/unit/snmp-wire-mutants.test.ts
  assert.equal(
    list([-2147483648, 2147483647, -129, 128, -128, 127, 0].map((v, i) => vb(o(i + 1), TAG.INTEGER, v))),
    '307f3012060a2b06010401868d1f01000204800000003012060a2b06010401868d1f020002047fffffff3010060a2b06010401868d1f03000202ff7f3010060a2b06010401868d1f040002020080300f060a2b06010401868d1f0500020180300f060a2b06010401868d1f060002017f300f060a2b06010401868d1f0700020100',
  );
  assert.equal(
    list([
      vb(o(1), TAG.GAUGE32, 4294967295),
      vb(o(2), TAG.TIME_TICKS, 4294967295),
      vb(o(3), TAG.IP_ADDRESS, '255.255.255.255'),
      vb(o(4), TAG.OID, '1.3.6.1.4.1.4294967295.2.999'),
      vb(o(5), TAG.GAUGE32, 0),
      vb(o(6), TAG.GAUGE32, 2147483648),
    ]),
    '3081813013060a2b06010401868d1f0100420500ffffffff3013060a2b06010401868d1f0200430500ffffffff3012060a2b06010401868d1f03004004ffffffff301b060a2b06010401868d1f0400060d2b060104018fffffff7f028767300f060a2b06010401868d1f05004201003013060a2b06010401868d1f060042050080000000',
  );
  assert.equal(
    list([vb(o(1), TAG.OCTET_STRING, 'a'.repeat(300))]),
    '308201403082013c060a2b06010401868d1f01000482012c' + '61'.repeat(300),
  );
  assert.equal(
    list([vb('2.999.3.4294967295.16383.16384.2097151.2097152.268435455.268435456')]),
    '30233021061d8837038fffffff7fff7f818000ffff7f81808000ffffff7f81808080000500',
  );
  assert.equal(list([vb(o(1), TAG.OCTET_STRING, hex('00ff')), vb(o(2), TAG.TIME_TICKS, 0)]), '30233010060a2b06010401868d1f0100040200ff300f060a2b06010401868d1f0200430100');
});

test('BER length forms at every boundary (X.690 8.1.3: short below 128, then 0x81, 0x82, 0x83)', () => {
  const cases: [number, string][] = [
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8180'],
    [255, '81ff'],
    [256, '820100'],
    [258, '820102'],
    [65535, '82ffff'],
    [65536, '83010000'],
    [0x010203, '83010203'],
  ];
  const enc = new Encoder(8);
  for (const [n, length] of cases) {
    const content = Buffer.alloc(n);
    for (let i = 0; i < n; i++) content[i] = (i * 7) & 0xff;
    enc.begin(n + 16);
    enc.octets(content);
    const out = enc.finish();
    assert.equal(out.subarray(0, 1 + length.length / 2).toString('hex'), '04' + length, `length ${n}`);
    assert.ok(out.subarray(1 + length.length / 2).equals(content), `content of ${n}`);
    assert.equal(enc.length, out.length);
    // a SEQUENCE of n content octets closed by wrap(): an OCTET STRING whose TLV is n octets long inside
    const k = [n - 2, n - 3, n - 4, n - 5].find((x) => x >= 0 && tlv(0x04, Buffer.alloc(x)).length === n);
    if (k === undefined) continue;
    enc.begin(n + 16);
    const mark = enc.mark();
    enc.octets(content.subarray(0, k));
    enc.wrap(0x30, mark);
    assert.equal(enc.finish().subarray(0, 1 + length.length / 2).toString('hex'), '30' + length, `SEQUENCE of ${n}`);
  }
});

test('INTEGER: minimal two\'s complement at every octet boundary (X.690 8.3.2)', () => {
  const cases: [number, string][] = [
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '0080'],
    [255, '00ff'],
    [256, '0100'],
    [32767, '7fff'],
    [32768, '008000'],
    [8388607, '7fffff'],
    [8388608, '00800000'],
    [2147483647, '7fffffff'],
    [-1, 'ff'],
    [-128, '80'],
    [-129, 'ff7f'],
    [-256, 'ff00'],
    [-257, 'feff'],
    [-32768, '8000'],
    [-32769, 'ff7fff'],
    [-8388608, '800000'],
    [-8388609, 'ff7fffff'],
    [-2147483648, '80000000'],
  ];
  const enc = new Encoder();
  for (const [v, content] of cases) {
    enc.begin(16);
    enc.int(v);
    const want = '02' + (content.length / 2).toString(16).padStart(2, '0') + content;
    assert.equal(enc.finish().toString('hex'), want, `int(${v})`);
    assert.equal(list([vb('1.3', TAG.INTEGER, v)]).endsWith(want), true, `INTEGER value ${v}`);
  }
  // the unsigned application types need a leading zero octet from 2^31 on
  enc.begin(16);
  enc.int(0xffffffff, TAG.COUNTER32);
  assert.equal(enc.finish().toString('hex'), '410500ffffffff');
  for (const tag of [TAG.COUNTER32, TAG.GAUGE32, TAG.TIME_TICKS]) {
    assert.equal(list([vb('1.3', tag, 0)]), `3008300606012b${tag.toString(16)}0100`);
    assert.equal(list([vb('1.3', tag, 0xffffffff)]), `300c300a06012b${tag.toString(16)}0500ffffffff`);
  }
});

/** Whether the encoder takes `value` for `type`. */
function takes(type: number | undefined, value: unknown): boolean {
  const enc = new Encoder();
  enc.begin(1024);
  return enc.varbinds([vb('1.3.6.1', type, value)]);
}

test('values a type cannot carry are refused: the agent answers genErr instead of sending them', () => {
  // INTEGER is Integer32
  for (const ok of [-2147483648, 2147483647, 0]) assert.equal(takes(TAG.INTEGER, ok), true, `INTEGER ${ok}`);
  for (const bad of [2147483648, -2147483649, 1.5, NaN, '5', null]) assert.equal(takes(TAG.INTEGER, bad), false, `INTEGER ${String(bad)}`);
  // Counter32, Gauge32, TimeTicks are 0..2^32-1
  for (const tag of [TAG.COUNTER32, TAG.GAUGE32, TAG.TIME_TICKS]) {
    for (const ok of [0, 4294967295]) assert.equal(takes(tag, ok), true, `${tag} ${ok}`);
    for (const bad of [-1, 4294967296, 0.5, '1', null]) assert.equal(takes(tag, bad), false, `${tag} ${String(bad)}`);
  }
  // OCTET STRING: text or octets
  assert.equal(takes(TAG.OCTET_STRING, 5), false);
  assert.equal(takes(TAG.OCTET_STRING, null), false);
  assert.equal(list([vb('1.3', TAG.OCTET_STRING, 'é€')]), '300c300a06012b0405c3a9e282ac', 'UTF-8 octets, counted as octets');
  // OBJECT IDENTIFIER: a dotted string only
  assert.equal(takes(TAG.OID, Buffer.from('1.3.6')), false);
  assert.equal(takes(TAG.OID, 13), false);
  assert.equal(takes(TAG.OID, '1.3.x'), false);
  // Opaque and Counter64: octets only
  for (const tag of [TAG.OPAQUE, TAG.COUNTER64]) {
    assert.equal(takes(tag, '01'), false);
    assert.equal(takes(tag, 1), false);
  }
  assert.equal(list([vb('1.3', TAG.OPAQUE, hex('9f780441200000'))]), '300e300c06012b44079f780441200000');
  assert.equal(list([vb('1.3', TAG.COUNTER64, hex('00ffffffffffffffff'))]), '3010300e06012b460900ffffffffffffffff');
  // BOOLEAN (net-snmp's type 1), NULL given as a type or as no type
  assert.equal(list([vb('1.3', 1, true)]), '3008300606012b0101ff');
  assert.equal(list([vb('1.3', 1, false)]), '3008300606012b010100');
  assert.equal(list([vb('1.3', TAG.NULL, 7)]), '3007300506012b0500');
  assert.equal(list([vb('1.3')]), '3007300506012b0500');
  // types SMIv2 does not have
  for (const bad of [0x03, 0x45, 0x47, 0x30]) assert.equal(takes(bad, Buffer.alloc(1)), false, `type ${bad}`);
});

test('IpAddress: four octets, as a Buffer or as four dotted decimals 0..255', () => {
  assert.equal(list([vb('1.3', TAG.IP_ADDRESS, '0.0.0.0')]), '300b300906012b400400000000');
  assert.equal(list([vb('1.3', TAG.IP_ADDRESS, '10.20.255.1')]), '300b300906012b40040a14ff01');
  assert.equal(list([vb('1.3', TAG.IP_ADDRESS, '001.002.003.004')]), '300b300906012b400401020304');
  assert.equal(list([vb('1.3', TAG.IP_ADDRESS, hex('c0a80001'))]), '300b300906012b4004c0a80001');
  for (const bad of [
    '1.2.3',
    '1.2.3.4.5',
    '1.2.3.256',
    '256.1.2.3',
    '1.2.3.-1',
    '1.2.3.a',
    '1.2.3.1a',
    'a1.2.3.4',
    '1.2.3.0001',
    '1.2.3.',
    '.1.2.3',
    '1.2.3. 4',
    '',
    hex('c0a800'),
    hex('c0a8000101'),
    3232235521,
    null,
  ]) {
    assert.equal(takes(TAG.IP_ADDRESS, bad), false, `IpAddress ${String(bad)}`);
  }
});

test('oidContent: X.690 8.19 sub-identifiers, the first two arcs joined; malformed dotted text refused', () => {
  const c = (s: string): string | null => {
    const b = oidContent(s);
    return b ? Buffer.from(b).toString('hex') : null;
  };
  assert.equal(c('0.39'), '27');
  assert.equal(c('1.0'), '28');
  assert.equal(c('1.39'), '4f');
  assert.equal(c('2.0'), '50');
  assert.equal(c('2.40'), '78');
  assert.equal(c('2.999.3'), '883703', 'the X.690 8.19.5 example');
  assert.equal(c('1.3.127.128.16383.16384'), '2b7f8100ff7f818000');
  assert.equal(c('1.3.4294967295'), '2b8fffffff7f');
  assert.equal(c('1.3.6.1.4.1.99999'), '2b06010401868d1f');
  for (const bad of ['', '1', '1.', '.1.3', '1..3', '1.3.', '1.3/6', '1.3:6', '1.3.6a', '1.3.-6', '3.0', '1.40', '0.40', '1.3.4294967296', '1.3.99999999999999999999']) {
    assert.equal(c(bad), null, `'${bad}'`);
  }
  // the scratch list it is handed is reset, not appended to
  const scratch = [9, 9, 9];
  assert.equal(Buffer.from(oidContent('1.3.6', scratch)!).toString('hex'), '2b06');
  assert.deepEqual(scratch, [1, 3, 6]);
});

test('varbind lists: in order, empty, echoed; a bad varbind anywhere fails the list', () => {
  assert.equal(list([]), '3000');
  const enc = new Encoder();
  enc.begin(64);
  enc.none();
  assert.equal(enc.finish().toString('hex'), '3000');
  const empty = request(SNMPD.noAccess.request);
  enc.begin(64);
  const mark = enc.mark();
  enc.echo({ ...empty.pdu, varbinds: [] });
  assert.equal(enc.length, 2);
  enc.wrap(0x30, mark);
  assert.equal(enc.finish().toString('hex'), '30023000');
  assert.equal(list([vb('1.3.1'), vb('1.3.2'), vb('1.3.3')]), '3018300606022b010500300606022b020500300606022b030500');
  enc.begin(256);
  assert.equal(enc.varbinds([vb('1.3.1', TAG.INTEGER, 1), vb('1.3.2', TAG.INTEGER, 'x')]), false, 'the last one bad');
  enc.begin(256);
  assert.equal(enc.varbinds([vb('1.3.1', TAG.INTEGER, 'x'), vb('1.3.2', TAG.INTEGER, 1)]), false, 'the first one bad');
  enc.begin(256);
  assert.equal(enc.varbinds([vb('1.3.1'), vb('1.x')]), false, 'a bad name');
});

test('one encoder, many messages: begin() starts afresh, grows when needed, finish() returns a copy', () => {
  const enc = new Encoder(4);
  enc.begin(300);
  enc.octets(Buffer.alloc(200, 1));
  const first = enc.finish();
  assert.equal(first.toString('hex'), '0481c8' + '01'.repeat(200));
  enc.begin(16);
  assert.equal(enc.length, 0);
  enc.int(5);
  assert.equal(enc.finish().toString('hex'), '020105');
  assert.equal(first.toString('hex'), '0481c8' + '01'.repeat(200), 'the first message is not overwritten');
  enc.begin(100_000);
  enc.octets(Buffer.alloc(70_000, 2));
  assert.equal(enc.finish().length, 70_005);
});

test('varbindsBound is enough: an encoder sized by it writes the same bytes as a large one', () => {
  const lists: OutVarbind[][] = [
    [vb('1.3.6.1.4.1.99999.1.0', TAG.OCTET_STRING, '€'.repeat(1000))],
    [vb('1.3.6.1.4.1.99999.1.0', TAG.OCTET_STRING, 'x'.repeat(60))],
    [vb('1.3.6.1.4.1.99999.1.0', TAG.OCTET_STRING, hex('00'.repeat(300)))],
    [vb('1.3.6.1.4.1.99999.1.0', TAG.OPAQUE, Buffer.alloc(70_000, 3))],
    Array.from({ length: 40 }, (_, i) => vb(`1.3.6.1.4.1.${4294967295 - i}.${i}`, TAG.INTEGER, -2147483648)),
    Array.from({ length: 40 }, (_, i) => vb(`1.3.${4294967295 - i}`, TAG.COUNTER32, 0xffffffff)),
    Array.from({ length: 40 }, (_, i) => vb(`1.3.${i}`, TAG.OID, '1.3.6.1.4.1.4294967295.4294967295.4294967295')),
    Array.from({ length: 40 }, (_, i) => vb(`1.3.${i}`, TAG.IP_ADDRESS, '255.255.255.255')),
    Array.from({ length: 40 }, (_, i) => vb(`1.3.${i}`, TAG.END_OF_MIB_VIEW)),
    [vb('1.3', TAG.INTEGER, 0)],
    // a long name: 128 sub-identifiers of five octets each
    [vb(['1.3', ...new Array<string>(126).fill('4294967295')].join('.'))],
  ];
  for (const vbs of lists) {
    const bound = varbindsBound(vbs);
    const want = list(vbs);
    const tight = new Encoder(1);
    tight.begin(bound);
    assert.equal(tight.varbinds(vbs), true);
    assert.ok(tight.length <= bound, `${tight.length} <= ${bound}`);
    assert.equal(tight.finish().toString('hex'), want);
  }
});

test('the OID cache is bounded: a walk past the end echoes whatever OIDs it is sent', () => {
  const enc = new Encoder();
  const cache = (enc as unknown as { oids: Map<string, Uint8Array> }).oids;
  assert.ok(cache instanceof Map, 'the cache this test watches');
  let most = 0;
  for (let i = 0; i < 50_100; i++) {
    enc.begin(64);
    assert.equal(enc.varbinds([vb(`1.3.6.1.4.1.${i}`)]), true);
    most = Math.max(most, cache.size);
  }
  assert.ok(most <= 50_000, `at most 50,000 cached OIDs, saw ${most}`);
  assert.ok(most >= 10_000, 'and it does keep what it encoded (walks repeat the same OIDs)');
  enc.begin(64);
  enc.varbinds([vb('1.3.6.1.4.1.7')]);
  assert.equal(enc.finish().toString('hex'), '300c300a06062b06010401070500', 'a cleared cache still encodes');
});
