import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { decodeTftp, encodeTftp, encodingLength, encodeData, optionValue, type TftpPacket } from '../../src/tftp/packet.js';
import { DecodeError } from '../../src/errors.js';
import { bytes, latin1 as latin1Of, tftpDataPayload } from '../helpers/fc-sizes.js';

interface Vectors {
  good: Array<{ name: string; hex: string; packet: Record<string, unknown> & { dataHex?: string } }>;
  bad: Array<{ name: string; hex: string }>;
}
const vectors = JSON.parse(readFileSync(new URL('../vectors/tftp-packets.json', import.meta.url), 'utf8')) as Vectors;

function expected(v: Vectors['good'][number]): TftpPacket {
  const { dataHex, ...rest } = v.packet;
  return (dataHex === undefined ? rest : { ...rest, data: Buffer.from(dataHex, 'hex') }) as unknown as TftpPacket;
}

function norm(p: TftpPacket): unknown {
  return p.op === 'data' ? { ...p, data: Buffer.from(p.data) } : { ...p };
}

for (const v of vectors.good) {
  test(`decode vector: ${v.name}`, () => {
    const bytes = Buffer.from(v.hex, 'hex');
    assert.deepEqual(norm(decodeTftp(bytes)), norm(expected(v)));
    assert.equal(encodeTftp(expected(v)).toString('hex'), v.hex, 'encodes back to the same bytes');
    assert.equal(encodingLength(expected(v)), bytes.length);
  });
}

for (const v of vectors.bad) {
  test(`decode refuses: ${v.name}`, () => {
    assert.throws(() => decodeTftp(Buffer.from(v.hex, 'hex')), (e: unknown) => e instanceof DecodeError && e.code === 'E_DECODE');
  });
}

test('NUL padding after a request is accepted; an empty option value survives', () => {
  const p = decodeTftp(Buffer.from('0001610000octet\u0000x\u0000\u0000\u0000\u0000'.replace('0001610000', '\u0000\u0001a\u0000'), 'latin1'));
  assert.deepEqual(p, { op: 'rrq', filename: 'a', mode: 'octet', options: [['x', '']] });
});

test('ERROR without the terminating NUL is accepted (lenient on aborts)', () => {
  assert.deepEqual(decodeTftp(Buffer.from('00050000616263', 'hex')), { op: 'error', code: 0, message: 'abc' });
});

test('optionValue is case-insensitive and first wins', () => {
  const opts = [['BlkSize', '1024'], ['blksize', '512']] as const;
  assert.equal(optionValue(opts, 'blksize'), '1024');
  assert.equal(optionValue(opts, 'tsize'), undefined);
});

test('encodeData writes the wire block number modulo 65536', () => {
  assert.equal(encodeData(65536 + 5, Buffer.from('x')).toString('hex'), '0003000578');
});

test('encode refuses values that cannot go on the wire', () => {
  assert.throws(() => encodeTftp({ op: 'ack', block: 70000 }), RangeError);
  assert.throws(() => encodeTftp({ op: 'rrq', filename: 'a\u0000b', mode: 'octet', options: [] }), RangeError);
  assert.throws(() => encodeTftp({ op: 'rrq', filename: '', mode: 'octet', options: [] }), RangeError);
});

const latin1 = (min = 0) => latin1Of(40, min);
const packetArb: fc.Arbitrary<TftpPacket> = fc.oneof(
  fc.record({ op: fc.constantFrom('rrq' as const, 'wrq' as const), filename: latin1(1), mode: latin1(1), options: fc.array(fc.tuple(latin1(1), latin1()), { maxLength: 5 }) }),
  fc.record({ op: fc.constant('data' as const), block: fc.integer({ min: 0, max: 65535 }), data: tftpDataPayload }),
  fc.record({ op: fc.constant('ack' as const), block: fc.integer({ min: 0, max: 65535 }) }),
  fc.record({ op: fc.constant('error' as const), code: fc.integer({ min: 0, max: 65535 }), message: latin1() }),
  fc.record({ op: fc.constant('oack' as const), options: fc.array(fc.tuple(latin1(1), latin1()), { maxLength: 5 }) }),
);

test('property: decode(encode(p)) == p for every well-formed packet', () => {
  fc.assert(
    fc.property(packetArb, (p) => {
      const bytes = encodeTftp(p);
      assert.equal(bytes.length, encodingLength(p));
      assert.deepEqual(norm(decodeTftp(bytes)), norm(p));
    }),
    { numRuns: 3000 },
  );
});

test('fuzz: 10,000 random and mutated packets never throw anything but DecodeError', () => {
  const mutated = fc.tuple(packetArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(), fc.boolean()).map(([p, flips, cut, truncate]) => {
    const b = Buffer.from(encodeTftp(p));
    for (const [i, v] of flips) if (b.length) b[i % b.length] = v;
    return truncate && b.length ? b.subarray(0, cut % b.length) : b;
  });
  const anyBytes = bytes(600);
  let decoded = 0;
  fc.assert(
    fc.property(fc.oneof(mutated, anyBytes), (bytes) => {
      try {
        const p = decodeTftp(bytes);
        decoded++;
        // Whatever decodes must encode again (no half-valid values leak out).
        encodeTftp(p);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
      }
    }),
    { numRuns: 10_000 },
  );
  assert.ok(decoded > 1000, `mutations should still decode often (${decoded})`);
});
