import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeDhcp, encodeDhcp, type DhcpPacket } from '../../src/dhcp/packet.js';
import { DecodeError } from '../../src/errors.js';
import {
  Opt,
  MessageType,
  PI_PXE_VENDOR_OPTIONS,
  clientMac,
  getMessageType,
  getParamList,
  getIp,
  getIps,
  getString,
  getUint16,
  getUint32,
  isPxeRequest,
} from '../../src/dhcp/options.js';
import { dhcpOptions, dhcpRandomDatagram, latin1 } from '../helpers/fc-sizes.js';
import { PI3_XID, PI4_XID, PI_OPTION_43, PXE_VENDOR_CLASS, pi3Discover, pi4Discover, pi4Request, header } from '../vectors/dhcp-pi.js';

test('decodes a Pi 3 boot ROM DISCOVER built byte by byte', () => {
  const p = decodeDhcp(pi3Discover());
  assert.equal(p.op, 1);
  assert.equal(p.htype, 1);
  assert.equal(p.hlen, 6);
  assert.equal(p.xid, PI3_XID);
  assert.equal(p.ciaddr, '0.0.0.0');
  assert.equal(clientMac(p), 'b8:27:eb:12:34:56');
  assert.equal(getMessageType(p), MessageType.DISCOVER);
  assert.equal(getString(p, Opt.vendorClass), PXE_VENDOR_CLASS);
  assert.ok(isPxeRequest(p));
  assert.equal(getUint16(p, Opt.clientArch), 0);
  assert.equal(getUint16(p, Opt.maxMessageSize), 1472);
  assert.ok(getParamList(p).includes(60));
  assert.equal(p.options.get(Opt.clientUuid)?.length, 17);
  assert.equal(p.sname, '');
  assert.equal(p.file, '');
});

test('decodes a Pi 4 DISCOVER and its REQUEST (no option 60, trailing pad)', () => {
  const d = decodeDhcp(pi4Discover());
  assert.equal(d.xid, PI4_XID);
  assert.equal(clientMac(d), 'dc:a6:32:01:36:c2');
  assert.equal(d.options.get(Opt.clientUuid)!.subarray(1, 5).toString(), 'RPi4');
  const r = decodeDhcp(pi4Request([10, 0, 0, 5], [10, 0, 0, 1]));
  assert.equal(getMessageType(r), MessageType.REQUEST);
  assert.equal(getIp(r, Opt.requestedIp), '10.0.0.5');
  assert.equal(getIp(r, Opt.serverId), '10.0.0.1');
  assert.equal(isPxeRequest(r), false);
});

test('option 43 constant is the byte string of the Pi vectors (test/vectors/dhcp-pi.ts)', () => {
  assert.deepEqual(PI_PXE_VENDOR_OPTIONS, PI_OPTION_43);
  assert.equal(PI_PXE_VENDOR_OPTIONS.length, 32);
});

test('encode(decode(x)) keeps every field and unknown option', () => {
  const p = decodeDhcp(pi4Discover());
  p.options.set(224, Buffer.from('private'));
  const q = decodeDhcp(encodeDhcp(p));
  assert.deepEqual(q, p);
});

test('encoder puts option 53 first, ends with END, pads to 300 bytes', () => {
  const options = new Map<number, Buffer>([
    [Opt.serverId, Buffer.from([10, 0, 0, 1])],
    [Opt.messageType, Buffer.from([MessageType.OFFER])],
  ]);
  const buf = encodeDhcp(basePacket({ op: 2, options }));
  assert.equal(buf.length, 300);
  assert.deepEqual([...buf.subarray(236, 246)], [0x63, 0x82, 0x53, 0x63, 53, 1, 2, 54, 4, 10]);
  assert.equal(buf[249], 255);
});

test('long option values are split in 255-byte pieces and joined again (RFC 3396)', () => {
  const long = Buffer.alloc(600, 7);
  const buf = encodeDhcp(basePacket({ options: new Map([[Opt.messageType, Buffer.from([1])], [200, long]]) }));
  assert.equal(buf[243], 200);
  assert.equal(buf[244], 255);
  assert.deepEqual(decodeDhcp(buf).options.get(200), long);
});

test('option overload: options in file and sname are read, file first', () => {
  const b = Buffer.from([...header(1, [2, 0, 0, 0, 0, 1]), 53, 1, 1, 52, 1, 3, 255]);
  b.set([12, 3, 0x61, 0x62, 0x63, 255], 44); // sname: hostname "abc"
  b.set([15, 2, 0x78, 0x79, 255], 108); // file: domain "xy"
  const p = decodeDhcp(b);
  assert.equal(getString(p, Opt.hostname), 'abc');
  assert.equal(getString(p, Opt.domainName), 'xy');
  assert.equal(p.sname, '');
  assert.equal(p.file, '');
});

test('a 600-byte option of varied bytes is split in order and joined in order (RFC 3396)', () => {
  const long = Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 7 + (i >> 8)) & 255));
  const buf = encodeDhcp(basePacket({ options: new Map([[Opt.messageType, Buffer.from([1])], [200, long]]) }));
  // 53 1 1, then 200 255 <0..254>, 200 255 <255..509>, 200 90 <510..599>, END
  const at = 243;
  assert.deepEqual([...buf.subarray(at, at + 2)], [200, 255]);
  assert.ok(buf.subarray(at + 2, at + 257).equals(long.subarray(0, 255)));
  assert.deepEqual([...buf.subarray(at + 257, at + 259)], [200, 255]);
  assert.ok(buf.subarray(at + 259, at + 514).equals(long.subarray(255, 510)));
  assert.deepEqual([...buf.subarray(at + 514, at + 516)], [200, 90]);
  assert.ok(buf.subarray(at + 516, at + 606).equals(long.subarray(510)));
  assert.equal(buf[at + 606], 255);
  assert.ok(decodeDhcp(buf).options.get(200)!.equals(long));
});

test('pieces of one option are joined options field first, then file, then sname (RFC 3396, RFC 2131 4.1)', () => {
  const b = Buffer.from([...header(1, [2, 0, 0, 0, 0, 1]), 53, 1, 1, 52, 1, 3, 200, 2, 0x41, 0x42, 255]);
  b.set([200, 2, 0x45, 0x46, 255], 44); // sname: third piece "EF"
  b.set([200, 2, 0x43, 0x44, 255], 108); // file: second piece "CD"
  assert.equal(decodeDhcp(b).options.get(200)?.toString('latin1'), 'ABCDEF');
});

test('overload 1 alone: options in file are read, option-like bytes in sname are a plain server name', () => {
  const b = Buffer.from([...header(1, [2, 0, 0, 0, 0, 1]), 53, 1, 1, 52, 1, 1, 255]);
  b.set([12, 3, 0x61, 0x62, 0x63, 255], 44); // sname: looks like hostname "abc", must stay a name
  b.set([15, 2, 0x78, 0x79, 255], 108); // file: domain "xy"
  const p = decodeDhcp(b);
  assert.equal(getString(p, Opt.domainName), 'xy');
  assert.equal(p.options.has(Opt.hostname), false, 'sname is not an options area under overload 1');
  assert.equal(p.sname, '\x0c\x03abc\xff');
  assert.equal(p.file, '');
});

test('overload 2 alone: options in sname are read, option-like bytes in file are a plain file name', () => {
  const b = Buffer.from([...header(1, [2, 0, 0, 0, 0, 1]), 53, 1, 1, 52, 1, 2, 255]);
  b.set([12, 3, 0x61, 0x62, 0x63, 255], 44); // sname: hostname "abc"
  b.set([15, 2, 0x78, 0x79, 255], 108); // file: looks like domain "xy", must stay a name
  const p = decodeDhcp(b);
  assert.equal(getString(p, Opt.hostname), 'abc');
  assert.equal(p.options.has(Opt.domainName), false, 'file is not an options area under overload 2');
  assert.equal(p.file, '\x0f\x02xy\xff');
  assert.equal(p.sname, '');
});

test('hostile input is rejected with DecodeError naming the problem', () => {
  const cases: Array<[Uint8Array, RegExp]> = [
    [new Uint8Array(10), /shorter than the 240-byte header/],
    [Buffer.from([3, ...header(1, [1, 2, 3, 4, 5, 6]).slice(1)]), /op 3/],
    [Buffer.from([1, 1, 17, ...header(1, [1, 2, 3, 4, 5, 6]).slice(3)]), /hlen 17/],
    [Buffer.from([...header(1, [1, 2, 3, 4, 5, 6]).slice(0, 236), 1, 2, 3, 4]), /magic cookie/],
    [Buffer.from([...header(1, [1, 2, 3, 4, 5, 6]), 53, 5, 1]), /claims 5 bytes/],
    [Buffer.from([...header(1, [1, 2, 3, 4, 5, 6]), 53]), /no length byte/],
  ];
  for (const [buf, re] of cases) {
    assert.throws(() => decodeDhcp(buf), (e: unknown) => e instanceof DecodeError && e.code === 'E_DECODE' && re.test(e.message));
  }
});

test('getters return undefined for malformed option values', () => {
  const p = decodeDhcp(Buffer.from([...header(1, [1, 2, 3, 4, 5, 6]), 53, 2, 1, 1, 50, 3, 1, 2, 3, 6, 5, 1, 2, 3, 4, 5, 51, 1, 9, 255]));
  assert.equal(getMessageType(p), undefined);
  assert.equal(getIp(p, Opt.requestedIp), undefined);
  assert.equal(getIps(p, Opt.dns), undefined);
  assert.equal(getUint32(p, Opt.leaseTime), undefined);
  assert.equal(clientMac({ ...p, htype: 6 }), undefined);
});

test('fuzz: 10,000 random and mutated packets never throw anything but DecodeError', () => {
  const seeds = [pi3Discover(), pi4Discover(), pi4Request([10, 0, 0, 5], [10, 0, 0, 1])];
  const mutated = fc
    .tuple(
      fc.constantFrom(...seeds),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 12, size: 'max' }),
      fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.nat() }),
    )
    .map(([seed, flips, cut]) => {
      const b = Buffer.from(seed);
      for (const [pos, v] of flips) b[240 + (pos % (b.length - 240))] = v; // mostly the options area
      return cut === undefined ? b : b.subarray(0, cut % (b.length + 1));
    });
  let decoded = 0;
  fc.assert(
    fc.property(fc.oneof(mutated, dhcpRandomDatagram), (buf) => {
      try {
        const p = decodeDhcp(buf);
        decoded++;
        // Whatever decodes must encode again and decode to the same options.
        const again = decodeDhcp(encodeDhcp(p));
        assert.deepEqual(again.options, p.options);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
      }
    }),
    { numRuns: 10_000 },
  );
  assert.ok(decoded > 1000, `only ${decoded} of 10,000 inputs decoded: the fuzz does not reach the option parser`);
});

test('property: encode/decode round trip of arbitrary packets', () => {
  const ip = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.'));
  const packet = fc.record({
    op: fc.constantFrom(1 as const, 2 as const),
    htype: fc.nat(255),
    hlen: fc.nat(16),
    hops: fc.nat(255),
    xid: fc.nat({ max: 0xffffffff }),
    secs: fc.nat(0xffff),
    flags: fc.nat(0xffff),
    ciaddr: ip,
    yiaddr: ip,
    siaddr: ip,
    giaddr: ip,
    chaddr: fc.uint8Array({ minLength: 16, maxLength: 16, size: 'max' }).map((a) => Buffer.from(a)),
    sname: latin1(63),
    file: latin1(127),
    options: dhcpOptions, // values up to 600 bytes: split in pieces and joined again
  });
  fc.assert(
    fc.property(packet, (r: DhcpPacket) => {
      const p = { ...r }; // fc.record builds null-prototype objects
      assert.deepEqual(decodeDhcp(encodeDhcp(p)), p);
    }),
    { numRuns: 800 },
  );
});

function basePacket(over: Partial<DhcpPacket>): DhcpPacket {
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
    chaddr: Buffer.alloc(16),
    sname: '',
    file: '',
    options: new Map(),
    ...over,
  };
}
