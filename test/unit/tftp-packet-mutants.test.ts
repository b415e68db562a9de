// TFTP codec boundaries and the problems it names, written to kill the
// mutants the older tests let live (README "Mutation testing").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTftp, encodeTftp, MAX_BLKSIZE, type TftpPacket } from '../../src/tftp/packet.js';
import { DecodeError } from '../../src/errors.js';

const bytes = (...parts: Array<number | string>): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'number' ? Buffer.from([p]) : Buffer.from(p, 'latin1'))));

/** decodeTftp refuses `buf` with a DecodeError whose message names the problem. */
function refuses(buf: Uint8Array, problem: RegExp): void {
  assert.throws(
    () => decodeTftp(buf),
    (e: unknown) => e instanceof DecodeError && e.code === 'E_DECODE' && e.message.startsWith('TFTP packet: ') && problem.test(e.message),
    problem.source,
  );
}

function encodeRefuses(p: TftpPacket, problem: RegExp): void {
  assert.throws(() => encodeTftp(p), (e: unknown) => e instanceof RangeError && problem.test(e.message), problem.source);
}

test('decode: too short for an opcode, unknown opcodes', () => {
  refuses(bytes(0), /1 bytes is shorter than an opcode/);
  refuses(bytes(), /0 bytes is shorter than an opcode/);
  refuses(bytes(0, 7), /unknown opcode 7/);
  refuses(bytes(1, 1), /unknown opcode 257/);
});

test('decode: requests need a file name and a mode, both non-empty, each NUL-terminated', () => {
  refuses(bytes(0, 1, 'a', 0), /needs a file name and a mode/);
  refuses(bytes(0, 1, 0, 'octet', 0), /empty file name/);
  refuses(bytes(0, 1, 'a', 0, 0), /empty mode/);
  refuses(bytes(0, 1, 'a', 0, 'octet'), /string at byte 4 has no NUL terminator/);
  assert.deepEqual(decodeTftp(bytes(0, 2, 'f', 0, 'netascii', 0)), { op: 'wrq', filename: 'f', mode: 'netascii', options: [] });
});

test('decode: an empty option name is refused naming its position; a name without value is refused', () => {
  refuses(bytes(0, 1, 'a', 0, 'octet', 0, 0, 'x', 0), /empty option name at option 1$/);
  refuses(bytes(0, 1, 'a', 0, 'octet', 0, 'blksize', 0, '512', 0, 0, 'x', 0), /empty option name at option 2$/);
  refuses(bytes(0, 1, 'a', 0, 'octet', 0, 'blksize', 0, '512', 0, 'tsize', 0, '0', 0, 0, 'x', 0), /empty option name at option 3$/);
  refuses(bytes(0, 1, 'a', 0, 'octet', 0, 'blksize', 0), /option 'blksize' has no value/);
  refuses(bytes(0, 6, 'tsize', 0), /option 'tsize' has no value/);
});

test('decode DATA: 4 bytes minimum, payload up to the protocol maximum', () => {
  refuses(bytes(0, 3, 0), /DATA shorter than 4 bytes/);
  const full = Buffer.alloc(4 + MAX_BLKSIZE, 0x61);
  full.writeUInt16BE(3, 0);
  full.writeUInt16BE(513, 2);
  const p = decodeTftp(full);
  assert.equal(p.op, 'data');
  assert.equal(p.op === 'data' && p.block, 513);
  assert.equal(p.op === 'data' && p.data.length, MAX_BLKSIZE);
  const over = Buffer.concat([full, Buffer.from([0x62])]);
  refuses(over, new RegExp(`DATA payload of ${MAX_BLKSIZE + 1} bytes exceeds ${MAX_BLKSIZE}`));
  assert.deepEqual(decodeTftp(bytes(0, 3, 0, 1)), { op: 'data', block: 1, data: Buffer.alloc(0) });
});

test('decode ACK is exactly 4 bytes; ERROR is at least 4, message optional', () => {
  refuses(bytes(0, 4, 0, 1, 0), /ACK must be 4 bytes, got 5/);
  refuses(bytes(0, 4, 0), /ACK must be 4 bytes, got 3/);
  refuses(bytes(0, 5, 0), /ERROR shorter than 4 bytes/);
  assert.deepEqual(decodeTftp(bytes(0, 5, 0, 2)), { op: 'error', code: 2, message: '' });
  assert.deepEqual(decodeTftp(bytes(0, 5, 1, 0, 'no', 0, 'junk')), { op: 'error', code: 256, message: 'no' });
});

test('encode: block numbers and error codes must be 16-bit unsigned integers', () => {
  for (const block of [-1, 1.5, 65536, Number.NaN]) {
    encodeRefuses({ op: 'ack', block }, /TFTP block .* is not a 16-bit unsigned integer/);
    encodeRefuses({ op: 'data', block, data: Buffer.alloc(0) }, /TFTP block .* is not a 16-bit unsigned integer/);
  }
  encodeRefuses({ op: 'error', code: 65536, message: '' }, /TFTP error code 65536 is not a 16-bit/);
  encodeRefuses({ op: 'error', code: -1, message: '' }, /TFTP error code -1 /);
  assert.deepEqual([...encodeTftp({ op: 'ack', block: 0 })], [0, 4, 0, 0]);
  assert.deepEqual([...encodeTftp({ op: 'ack', block: 65535 })], [0, 4, 0xff, 0xff]);
  assert.deepEqual([...encodeTftp({ op: 'error', code: 65535, message: '' })], [0, 5, 0xff, 0xff, 0]);
});

test('encode: strings must be Latin-1 without NUL, each refusal names the field and position', () => {
  encodeRefuses({ op: 'rrq', filename: 'ab\u0100', mode: 'octet', options: [] }, /TFTP file name contains a NUL or non-Latin-1 character at 2/);
  encodeRefuses({ op: 'rrq', filename: 'a', mode: 'oc\u0000tet', options: [] }, /TFTP mode contains .* at 2/);
  encodeRefuses({ op: 'rrq', filename: 'a', mode: 'octet', options: [['bl\u0000k', '1']] }, /TFTP option name contains .* at 2/);
  encodeRefuses({ op: 'oack', options: [['blksize', '\u20ac']] }, /TFTP option value contains .* at 0/);
  encodeRefuses({ op: 'oack', options: [['', '1']] }, /TFTP option name must not be empty/);
  encodeRefuses({ op: 'error', code: 1, message: 'x\u0000' }, /TFTP error message contains .* at 1/);
  encodeRefuses({ op: 'wrq', filename: '', mode: 'octet', options: [] }, /TFTP request needs a file name/);
  const latin1 = encodeTftp({ op: 'rrq', filename: '\u00ff\u00e9', mode: 'octet', options: [] });
  assert.deepEqual([...latin1.subarray(2, 5)], [0xff, 0xe9, 0]);
});

test('encode DATA: payload up to the protocol maximum', () => {
  const ok = encodeTftp({ op: 'data', block: 7, data: Buffer.alloc(MAX_BLKSIZE, 1) });
  assert.equal(ok.length, 4 + MAX_BLKSIZE);
  encodeRefuses({ op: 'data', block: 7, data: Buffer.alloc(MAX_BLKSIZE + 1) }, new RegExp(`TFTP DATA payload of ${MAX_BLKSIZE + 1} bytes exceeds ${MAX_BLKSIZE}`));
});
