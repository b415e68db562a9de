// DHCP codec and option getters/builders at their edges, written to kill the
// mutants the older tests let live (README "Mutation testing").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDhcp, encodeDhcp, optionsLength, HEADER_LENGTH, MIN_PACKET_LENGTH, type DhcpPacket } from '../../src/dhcp/packet.js';
import { DecodeError } from '../../src/errors.js';
import {
  Opt,
  clientMac,
  getIp,
  getIps,
  getMessageType,
  getParamList,
  getString,
  getUint8,
  getUint16,
  getUint32,
  ipOption,
  isPxeRequest,
  messageTypeName,
  stringOption,
  uint16Option,
  uint32Option,
} from '../../src/dhcp/options.js';

function packet(patch: Partial<DhcpPacket> = {}): DhcpPacket {
  return {
    op: 1,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid: 1,
    secs: 0,
    flags: 0,
    ciaddr: '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    chaddr: Buffer.from([0xdc, 0xa6, 0x32, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    sname: '',
    file: '',
    options: new Map(),
    ...patch,
  };
}

/** A 240-byte header (magic cookie included) followed by `opts` bytes. */
function raw(opts: number[] = [], edit?: (b: Buffer) => void): Buffer {
  const b = Buffer.concat([encodeDhcp(packet()).subarray(0, HEADER_LENGTH), Buffer.from(opts)]);
  edit?.(b);
  return b;
}

function refuses(buf: unknown, problem: RegExp): void {
  assert.throws(
    () => decodeDhcp(buf as Uint8Array),
    (e: unknown) => e instanceof DecodeError && e.message.startsWith('DHCP packet: ') && problem.test(e.message),
    problem.source,
  );
}

const opt = (p: DhcpPacket, code: number) => (p.options.get(code) ? [...p.options.get(code)!] : undefined);

test('decode: exactly the header is a packet without options; one byte less is refused', () => {
  const p = decodeDhcp(raw());
  assert.equal(p.options.size, 0);
  refuses(raw().subarray(0, HEADER_LENGTH - 1), /239 bytes is shorter than the 240-byte header/);
  refuses('not bytes', /input is not bytes/);
});

test('decode: op 1 and 2 are accepted, others named; hlen up to 16', () => {
  assert.equal(decodeDhcp(raw([], (b) => (b[0] = 2))).op, 2);
  refuses(raw([], (b) => (b[0] = 0)), /op 0 is neither 1 \(request\) nor 2 \(reply\)/);
  assert.equal(decodeDhcp(raw([], (b) => (b[2] = 16))).hlen, 16);
  refuses(raw([], (b) => (b[2] = 17)), /hlen 17 is larger than the 16-byte chaddr field/);
  refuses(raw([], (b) => (b[239] = 0)), /magic cookie/);
});

test('decode: every header field is read from its own offset', () => {
  const b = raw([], (x) => {
    for (let i = 1; i < 44; i++) x[i] = i;
    x[0] = 1;
    x[2] = 6;
  });
  const p = decodeDhcp(b);
  assert.equal(p.htype, 1);
  assert.equal(p.hops, 3);
  assert.equal(p.xid, 0x04050607);
  assert.equal(p.secs, 0x0809);
  assert.equal(p.flags, 0x0a0b);
  assert.equal(p.ciaddr, '12.13.14.15');
  assert.equal(p.yiaddr, '16.17.18.19');
  assert.equal(p.siaddr, '20.21.22.23');
  assert.equal(p.giaddr, '24.25.26.27');
  assert.deepEqual([...p.chaddr], Array.from({ length: 16 }, (_, i) => 28 + i));
});

test('decode: sname and file stop at their first NUL, or fill the whole field', () => {
  const p = decodeDhcp(raw([], (b) => {
    b.fill(0x61, 44, 108);
    b.write('boot\u0000junk', 108, 'latin1');
  }));
  assert.equal(p.sname, 'a'.repeat(64));
  assert.equal(p.file, 'boot');
  const full = decodeDhcp(raw([], (b) => b.fill(0xe9, 108, 236)));
  assert.equal(full.file, '\u00e9'.repeat(128));
});

test('decode options: PAD skipped, END stops, repeated codes joined in order, an option may end the datagram', () => {
  const p = decodeDhcp(raw([0, 0, 12, 2, 0x61, 0x62, 0, 12, 1, 0x63, 15, 0, 255, 53, 1, 1]));
  assert.deepEqual(opt(p, 12), [0x61, 0x62, 0x63]);
  assert.deepEqual(opt(p, 15), []);
  assert.equal(p.options.has(53), false, 'nothing after END is read');
  assert.deepEqual(opt(decodeDhcp(raw([53, 1, 3])), 53), [3], 'no END needed');
  assert.deepEqual(opt(decodeDhcp(raw([15, 0])), 15), [], 'a zero-length option right at the end');
});

test('decode options: a code without length byte and a value past the end are named with offsets', () => {
  refuses(raw([0, 53]), /option 53 in options at offset 241 has no length byte/);
  refuses(raw([53, 2, 1]), /option 53 in options at offset 240 claims 2 bytes, only 1 left/);
  refuses(raw([53, 3, 1, 1]), /claims 3 bytes, only 2 left/);
});

test('overload: bit 1 reads file only, bit 2 sname only; a malformed overload option is ignored', () => {
  const withAreas = (overload: number[]) =>
    decodeDhcp(raw([52, overload.length, ...overload, 255], (b) => {
      b.set([12, 1, 0x73, 255], 44);
      b.set([15, 1, 0x66, 255], 108);
    }));
  const fileOnly = withAreas([1]);
  assert.deepEqual(opt(fileOnly, 15), [0x66]);
  assert.equal(fileOnly.options.has(12), false);
  assert.equal(fileOnly.file, '');
  assert.notEqual(fileOnly.sname, '');
  const snameOnly = withAreas([2]);
  assert.deepEqual(opt(snameOnly, 12), [0x73]);
  assert.equal(snameOnly.options.has(15), false);
  assert.equal(snameOnly.sname, '');
  assert.notEqual(snameOnly.file, '');
  const bad = withAreas([3, 3]);
  assert.equal(bad.options.has(12), false);
  assert.equal(bad.options.has(15), false);
  assert.notEqual(bad.file, '');
  refuses(raw([52, 1, 1, 255], (b) => b.set([15, 9], 234)), /in file at offset 234 claims 9 bytes, only 0 left/);
  refuses(raw([52, 1, 2, 255], (b) => b.set([12, 99], 44)), /in sname at offset 44 claims 99/);
});

test('encode: IPv4 fields are checked and named', () => {
  for (const bad of ['1.2.3', '1.2.3.256', '1.2.3.x', '1.2.3.1234', '1.2.3.4.5', '']) {
    assert.throws(() => encodeDhcp(packet({ giaddr: bad })), (e: unknown) => e instanceof RangeError && e.message.includes(`giaddr '${bad}'`), bad);
  }
  assert.throws(() => encodeDhcp(packet({ ciaddr: '300.0.0.1' })), /ciaddr/);
  assert.throws(() => encodeDhcp(packet({ yiaddr: '1..2.3' })), /yiaddr/);
  assert.throws(() => encodeDhcp(packet({ siaddr: 'a.b.c.d' })), /siaddr/);
  const ok = encodeDhcp(packet({ ciaddr: '255.0.9.10', yiaddr: '1.2.3.4', siaddr: '5.6.7.8', giaddr: '9.10.11.12' }));
  assert.deepEqual([...ok.subarray(12, 28)], [255, 0, 9, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
});

test('encode: numeric fields are cut to their width, chaddr to 16 bytes, sname/file keep a final NUL', () => {
  const b = encodeDhcp(
    packet({
      op: 2,
      htype: 0x101,
      hlen: 0x106,
      hops: 0x1ff,
      xid: -1,
      secs: 0x12345,
      flags: 0x18000,
      chaddr: Buffer.alloc(20, 7),
      sname: 's'.repeat(70),
      file: 'f'.repeat(200),
    }),
  );
  assert.deepEqual([...b.subarray(0, 12)], [2, 1, 6, 0xff, 0xff, 0xff, 0xff, 0xff, 0x23, 0x45, 0x80, 0x00]);
  assert.deepEqual([...b.subarray(28, 44)], new Array(16).fill(7));
  assert.equal(b.subarray(44, 107).toString('latin1'), 's'.repeat(63));
  assert.equal(b[107], 0);
  assert.equal(b.subarray(108, 235).toString('latin1'), 'f'.repeat(127));
  assert.equal(b[235], 0);
  assert.equal(b.readUInt32BE(236), 0x63825363);
  const short = encodeDhcp(packet({ chaddr: Buffer.from([1, 2]) }));
  assert.deepEqual([...short.subarray(28, 32)], [1, 2, 0, 0]);
});

test('encode: padded to 300 bytes, longer packets exactly as long as their options', () => {
  assert.equal(encodeDhcp(packet()).length, MIN_PACKET_LENGTH);
  const big = encodeDhcp(packet({ options: new Map([[43, Buffer.alloc(100, 1)]]) }));
  assert.equal(big.length, HEADER_LENGTH + 102 + 1);
  assert.equal(big[big.length - 1], 255);
});

test('encode: option 53 first, PAD and END in the map skipped, empty values kept, long values split at 255', () => {
  const options = new Map<number, Buffer>([
    [0, Buffer.from([9])],
    [12, Buffer.alloc(0)],
    [43, Buffer.alloc(510, 2)],
    [53, Buffer.from([5])],
    [255, Buffer.from([9])],
    [60, Buffer.alloc(256, 3)],
  ]);
  const b = encodeDhcp(packet({ options }));
  let i = HEADER_LENGTH;
  const seen: Array<[number, number]> = [];
  while (b[i] !== 255) {
    seen.push([b[i]!, b[i + 1]!]);
    i += 2 + b[i + 1]!;
  }
  assert.deepEqual(seen, [[53, 1], [12, 0], [43, 255], [43, 255], [60, 255], [60, 1]]);
  assert.equal(b.length, HEADER_LENGTH + optionsLength(options));
  const back = decodeDhcp(b);
  assert.deepEqual(opt(back, 43), new Array(510).fill(2));
  assert.deepEqual(opt(back, 60), new Array(256).fill(3));
});

test('optionsLength counts END, two header bytes per piece, nothing for PAD/END', () => {
  assert.equal(optionsLength(new Map()), 1);
  assert.equal(optionsLength(new Map([[12, Buffer.alloc(0)]])), 3);
  assert.equal(optionsLength(new Map([[12, Buffer.alloc(255)]])), 258);
  assert.equal(optionsLength(new Map([[12, Buffer.alloc(256)]])), 261);
  assert.equal(optionsLength(new Map([[0, Buffer.alloc(5)], [255, Buffer.alloc(5)]])), 1);
});

test('option getters: exact lengths only', () => {
  const p = packet({
    options: new Map<number, Buffer>([
      [53, Buffer.from([8])],
      [1, Buffer.from([255, 255, 255, 0])],
      [6, Buffer.from([1, 1, 1, 1, 8, 8, 4, 4])],
      [7, Buffer.alloc(0)],
      [57, Buffer.from([0x05, 0xdc])],
      [51, Buffer.from([0, 0, 0x0e, 0x10])],
      [23, Buffer.from([64])],
      [12, Buffer.from('pi\u0000junk', 'latin1')],
      [15, Buffer.from([0xe9])],
    ]),
  });
  assert.equal(getMessageType(p), 8);
  assert.equal(getIp(p, 1), '255.255.255.0');
  assert.equal(getIp(p, 6), undefined);
  assert.deepEqual(getIps(p, 6), ['1.1.1.1', '8.8.4.4']);
  assert.deepEqual(getIps(p, 1), ['255.255.255.0']);
  assert.equal(getIps(p, 7), undefined);
  assert.equal(getIps(p, 99), undefined);
  assert.equal(getUint16(p, 57), 1500);
  assert.equal(getUint16(p, 51), undefined);
  assert.equal(getUint32(p, 51), 3600);
  assert.equal(getUint32(p, 57), undefined);
  assert.equal(getUint8(p, 23), 64);
  assert.equal(getUint8(p, 57), undefined);
  assert.equal(getUint8(p, 99), undefined);
  assert.equal(getString(p, 12), 'pi');
  assert.equal(getString(p, 15), '\u00e9');
  assert.equal(getString(p, 7), '');
  assert.equal(getString(p, 99), undefined);
  assert.deepEqual(getParamList(p), []);
  assert.deepEqual(getParamList(packet({ options: new Map([[Opt.paramList, Buffer.from([1, 3, 66])]]) })), [1, 3, 66]);
});

test('message types: 1..8 only, names both ways', () => {
  const mt = (v: number[]) => getMessageType(packet({ options: new Map([[53, Buffer.from(v)]]) }));
  assert.equal(mt([1]), 1);
  assert.equal(mt([0]), undefined);
  assert.equal(mt([9]), undefined);
  assert.equal(mt([]), undefined);
  assert.equal(getMessageType(packet()), undefined);
  assert.equal(messageTypeName(1), 'DISCOVER');
  assert.equal(messageTypeName(8), 'INFORM');
  assert.equal(messageTypeName(9), undefined);
});

test('isPxeRequest: option 60 must start with PXEClient', () => {
  const vc = (s?: string) => packet({ options: s === undefined ? new Map() : new Map([[60, Buffer.from(s, 'latin1')]]) });
  assert.equal(isPxeRequest(vc('PXEClient:Arch:00000:UNDI:002001')), true);
  assert.equal(isPxeRequest(vc('PXEClient')), true);
  assert.equal(isPxeRequest(vc('MSFT 5.0 PXEClient')), false);
  assert.equal(isPxeRequest(vc()), false);
});

test('clientMac: Ethernet with a 6-byte address only', () => {
  assert.equal(clientMac(packet()), 'dc:a6:32:01:02:03');
  assert.equal(clientMac(packet({ htype: 6 })), undefined);
  assert.equal(clientMac(packet({ hlen: 7 })), undefined);
  assert.equal(clientMac(packet({ hlen: 5 })), undefined);
  assert.equal(clientMac(packet({ chaddr: Buffer.from([1, 2, 3, 4, 5]) })), undefined);
  assert.equal(clientMac(packet({ chaddr: Buffer.from([0xa, 0xb, 0xc, 0xd, 0xe, 0xf]) })), '0a:0b:0c:0d:0e:0f');
});

test('option builders', () => {
  assert.deepEqual([...ipOption('10.0.0.1', '255.255.255.255')], [10, 0, 0, 1, 255, 255, 255, 255]);
  assert.deepEqual([...ipOption()], []);
  assert.deepEqual([...ipOption('0.0.0.0')], [0, 0, 0, 0]);
  for (const bad of ['10.0.0', '10.0.0.256', '10.0.0.-1', '10.0.0.1.2', '10.0.0.1.5e0x', 'a.b.c.d', '10.0.0.1.']) {
    assert.throws(() => ipOption('1.1.1.1', bad), (e: unknown) => e instanceof RangeError && e.message.includes(`'${bad}'`), bad);
  }
  assert.throws(() => ipOption('10.0.0.1.5'), RangeError);
  assert.deepEqual([...uint32Option(3600)], [0, 0, 0x0e, 0x10]);
  assert.deepEqual([...uint32Option(2 ** 32 + 5)], [0, 0, 0, 5]);
  assert.deepEqual([...uint16Option(0x12345)], [0x23, 0x45]);
  assert.deepEqual([...stringOption('\u00e9a')], [0xe9, 0x61]);
});

test('a string option that starts with NUL is empty; IPv4 parts must be digits only; a long chaddr stays in its 16 bytes', () => {
  assert.equal(getString(packet({ options: new Map([[12, Buffer.from([0, 0x61])]]) }), 12), '');
  for (const bad of ['1.2.3.x4', '1.2.3.4x']) {
    assert.throws(() => encodeDhcp(packet({ ciaddr: bad })), (e: unknown) => e instanceof RangeError && e.message.includes(`'${bad}'`), bad);
  }
  const b = encodeDhcp(packet({ chaddr: Buffer.alloc(20, 7), sname: '' }));
  assert.deepEqual([...b.subarray(44, 48)], [0, 0, 0, 0], 'sname untouched by the extra chaddr bytes');
});
