/**
 * fast-check generators that reach the sizes that matter on the wire.
 *
 * fast-check 4 builds arrays and strings from its default size ('small'),
 * about ten elements, whatever `maxLength` says: `uint8Array({ maxLength: 600 })`
 * never goes past 10 bytes. Every generator here passes `size: 'max'`, so
 * lengths spread over the whole range; test/unit/generator-sizes.test.ts
 * proves that each one reaches the size that matters. Inline arbitraries
 * in the tests with a maxLength above ten pass `size: 'max'` too.
 */
import fc from 'fast-check';

/** Bytes, `min` to `max` long, over the whole range (not capped at ~10). */
export function bytes(max: number, min = 0): fc.Arbitrary<Buffer> {
  return fc.uint8Array({ minLength: min, maxLength: max, size: 'max' }).map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));
}

/** An array of `item`, up to `max` long, over the whole range. */
export function arrayOf<T>(item: fc.Arbitrary<T>, max: number, min = 0): fc.Arbitrary<T[]> {
  return fc.array(item, { minLength: min, maxLength: max, size: 'max' });
}

/** A string of latin1 characters 1-255 (no NUL), up to `max` long. */
export function latin1(max: number, min = 0): fc.Arbitrary<string> {
  return fc.string({ unit: fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c)), minLength: min, maxLength: max, size: 'max' });
}

// ---- DHCP (RFC 2131 header 236 bytes + 4-byte cookie; RFC 2132 options of <= 255 bytes a piece)

/** A DHCP option value of 1-600 bytes: over 255 it needs several pieces (RFC 3396). */
export const dhcpOptionValue: fc.Arbitrary<Buffer> = bytes(600, 1);

/** Up to 8 options (codes 1-254 but 52, overload, which moves other options around). */
export const dhcpOptions: fc.Arbitrary<Map<number, Buffer>> = arrayOf(
  fc.tuple(
    fc.integer({ min: 1, max: 254 }).filter((c) => c !== 52),
    dhcpOptionValue,
  ),
  8,
).map((entries) => new Map(entries));

/** A BOOTREQUEST header (236 random bytes, op 1, hlen <= 16) and the magic cookie 99.130.83.99. */
const dhcpHeader: fc.Arbitrary<Buffer> = bytes(236, 236).map((h) => {
  h[0] = 1;
  h[2] = h[2]! % 17;
  return Buffer.concat([h, Buffer.from([99, 130, 83, 99])]);
});

/**
 * Random datagrams: plain random bytes (0-700, so a third are long enough
 * for a header), or a valid header followed by random well-formed options
 * (codes 0-255, pad and END included), then an END or not, then random bytes.
 */
export const dhcpRandomDatagram: fc.Arbitrary<Buffer> = fc.oneof(
  bytes(700),
  fc.tuple(dhcpHeader, arrayOf(fc.tuple(fc.nat(255), bytes(40)), 20), fc.boolean(), bytes(60)).map(([h, opts, end, tail]) => {
    const parts = opts.map(([code, v]) => (code === 0 || code === 255 ? Buffer.from([code]) : Buffer.concat([Buffer.from([code, v.length]), v])));
    return Buffer.concat([h, ...parts, Buffer.from(end ? [255] : []), tail]);
  }),
);

// ---- tar (ustar: 512-byte header blocks, checksum at 148..155)

/**
 * A 512-byte tar header block of random bytes. Mostly its checksum is right,
 * and often its size (octal, up to 3,000) and type ('0' file, '5' folder)
 * too, so the reader gets past the checksum and parses a whole header.
 */
export const tarHeaderBlock: fc.Arbitrary<Buffer> = fc.tuple(bytes(512, 512), fc.nat(4), fc.nat(3000), fc.constantFrom('0', '5', '\0', 'x')).map(([h, dice, size, type]) => {
  if (dice === 0) return h; // a wrong checksum, most likely
  if (dice >= 2) {
    h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
    h.write(type, 156, 'latin1');
  }
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
});

/** A tar stream: a header block (checksum mostly right) followed by 0-1,600 random bytes. */
export const tarStream: fc.Arbitrary<Buffer> = fc.oneof(
  fc.tuple(tarHeaderBlock, bytes(1600)).map(([h, rest]) => Buffer.concat([h, rest])),
  bytes(2048),
);

// ---- TFTP (RFC 1350 DATA: 4-byte header + up to blksize bytes; RFC 2348 blksize, Pi uses 512-1468)

/** A DATA payload of 0-1,468 bytes; one in three is exactly a full 512, 1,024 or 1,468 block. */
export const tftpDataPayload: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 2, arbitrary: bytes(1468) },
  { weight: 1, arbitrary: fc.constantFrom(512, 1024, 1468).chain((n) => bytes(n, n)) },
);

// ---- SNMP OIDs (BER, X.690 8.19)

/** Sub-identifiers up to 2^31 - 1 (net-snmp's range), small ones more often. */
const arc: fc.Arbitrary<number> = fc.oneof(fc.nat(300), fc.nat(0x7fffffff));

/** An OID of 2-200 sub-identifiers: first 0-2, second 0-39 (X.690 8.19.4), the rest any arc. */
export const oidArcs: fc.Arbitrary<number[]> = fc
  .tuple(fc.nat(2), fc.nat(39), arrayOf(arc, 198))
  .map(([a, b, rest]) => [a, b, ...rest]);
