/**
 * TFTP wire format (RFC 1350, options RFC 2347): pure bytes <-> values, in
 * the shape of dns-packet (`decodeTftp`, `encodeTftp`, `encodingLength`).
 * Strings (file names, modes, options, error texts) map byte-for-byte to
 * Latin-1 characters, so any request survives a decode/encode round trip;
 * the file source turns names into UTF-8 paths itself.
 * Used by the server and by TFTP clients (the lab's virtual Pis, tests).
 */
import { DecodeError } from '../errors.js';

export const TFTP_OPCODES = { rrq: 1, wrq: 2, data: 3, ack: 4, error: 5, oack: 6 } as const;
export type TftpOp = keyof typeof TFTP_OPCODES;

/** ERROR codes of RFC 1350 and RFC 2347 (8 = option negotiation refused). */
export const TFTP_ERRORS = {
  notDefined: 0,
  fileNotFound: 1,
  accessViolation: 2,
  diskFull: 3,
  illegalOperation: 4,
  unknownTid: 5,
  fileExists: 6,
  noSuchUser: 7,
  optionRefused: 8,
} as const;

/** Largest DATA payload any TFTP packet may carry (RFC 2348 blksize limit). */
export const MAX_BLKSIZE = 65464;
export const MIN_BLKSIZE = 8;

/** Options in wire order; names keep their case. Use `optionValue` to look one up. */
export type TftpOptions = ReadonlyArray<readonly [name: string, value: string]>;

export interface TftpRequest {
  readonly op: 'rrq' | 'wrq';
  readonly filename: string;
  readonly mode: string;
  readonly options: TftpOptions;
}
export interface TftpData {
  readonly op: 'data';
  readonly block: number;
  readonly data: Uint8Array;
}
export interface TftpAck {
  readonly op: 'ack';
  readonly block: number;
}
export interface TftpError {
  readonly op: 'error';
  readonly code: number;
  readonly message: string;
}
export interface TftpOack {
  readonly op: 'oack';
  readonly options: TftpOptions;
}
export type TftpPacket = TftpRequest | TftpData | TftpAck | TftpError | TftpOack;

const WHAT = 'TFTP packet';

/** Case-insensitive lookup of an option (RFC 2347: names are case-insensitive); first one wins. */
export function optionValue(options: TftpOptions, name: string): string | undefined {
  const want = name.toLowerCase();
  for (const [n, v] of options) if (n.toLowerCase() === want) return v;
  return undefined;
}

function strLen(s: string): number {
  return s.length + 1;
}

function optionsLen(options: TftpOptions): number {
  let n = 0;
  for (const [k, v] of options) n += strLen(k) + strLen(v);
  return n;
}

/** Bytes `encodeTftp(p)` produces. */
export function encodingLength(p: TftpPacket): number {
  switch (p.op) {
    case 'rrq':
    case 'wrq':
      return 2 + strLen(p.filename) + strLen(p.mode) + optionsLen(p.options);
    case 'data':
      return 4 + p.data.length;
    case 'ack':
      return 4;
    case 'error':
      return 4 + strLen(p.message);
    case 'oack':
      return 2 + optionsLen(p.options);
  }
}

function checkU16(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`TFTP ${what} ${v} is not a 16-bit unsigned integer`);
}

function writeStr(buf: Buffer, at: number, s: string, what: string): number {
  // Stryker disable next-line EqualityOperator: charCodeAt(s.length) is NaN, which fails both tests below, so `<=` checks nothing more
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c > 0xff) throw new RangeError(`TFTP ${what} contains a NUL or non-Latin-1 character at ${i}`);
  }
  at += buf.write(s, at, 'latin1');
  buf[at] = 0;
  return at + 1;
}

function writeOptions(buf: Buffer, at: number, options: TftpOptions): number {
  for (const [k, v] of options) {
    if (k.length === 0) throw new RangeError('TFTP option name must not be empty');
    at = writeStr(buf, at, k, 'option name');
    at = writeStr(buf, at, v, 'option value');
  }
  return at;
}

/** Encodes a packet; throws RangeError for values that cannot go on the wire. */
export function encodeTftp(p: TftpPacket): Buffer {
  const buf = Buffer.allocUnsafe(encodingLength(p));
  buf.writeUInt16BE(TFTP_OPCODES[p.op], 0);
  let at = 2;
  switch (p.op) {
    case 'rrq':
    case 'wrq':
      if (p.filename.length === 0) throw new RangeError('TFTP request needs a file name');
      at = writeStr(buf, at, p.filename, 'file name');
      at = writeStr(buf, at, p.mode, 'mode');
      at = writeOptions(buf, at, p.options);
      break;
    case 'data':
      checkU16(p.block, 'block');
      if (p.data.length > MAX_BLKSIZE) throw new RangeError(`TFTP DATA payload of ${p.data.length} bytes exceeds ${MAX_BLKSIZE}`);
      buf.writeUInt16BE(p.block, 2);
      buf.set(p.data, 4);
      at = 4 + p.data.length;
      break;
    case 'ack':
      checkU16(p.block, 'block');
      buf.writeUInt16BE(p.block, 2);
      at = 4;
      break;
    case 'error':
      checkU16(p.code, 'error code');
      buf.writeUInt16BE(p.code, 2);
      at = writeStr(buf, 4, p.message, 'error message');
      break;
    case 'oack':
      at = writeOptions(buf, at, p.options);
      break;
  }
  // Stryker disable next-line ConditionalExpression,EqualityOperator: encodingLength counts every byte written, so `at` is always buf.length; the subarray only guards a future miscount
  return at === buf.length ? buf : buf.subarray(0, at);
}

/** A DATA packet header + payload in one buffer (the server's hot path). */
export function encodeData(block: number, payload: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(4 + payload.length);
  buf.writeUInt16BE(TFTP_OPCODES.data, 0);
  buf.writeUInt16BE(block & 0xffff, 2);
  buf.set(payload, 4);
  return buf;
}

/** Reads NUL-terminated strings from `from` to the end of the buffer. */
function readStrings(buf: Uint8Array, from: number): string[] {
  const out: string[] = [];
  let at = from;
  while (at < buf.length) {
    const end = buf.indexOf(0, at);
    // Stryker disable next-line EqualityOperator: indexOf from `at` >= 2 returns -1 or >= 2, never 0
    if (end < 0) throw new DecodeError(WHAT, `string at byte ${at} has no NUL terminator`);
    out.push(Buffer.from(buf.buffer, buf.byteOffset + at, end - at).toString('latin1'));
    at = end + 1;
  }
  return out;
}

function toOptions(strs: readonly string[], from: number): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = from; i < strs.length; i += 2) {
    const name = strs[i]!;
    if (name === '') {
      // Some boot ROMs pad requests with NULs: an empty name followed only by NULs is padding.
      if (strs.slice(i).every((s) => s === '')) break;
      throw new DecodeError(WHAT, `empty option name at option ${(i - from) / 2 + 1}`);
    }
    if (i + 1 >= strs.length) throw new DecodeError(WHAT, `option '${name}' has no value`);
    out.push([name, strs[i + 1]!]);
  }
  return out;
}

/** Decodes one UDP payload; throws DecodeError (code E_DECODE) on anything malformed. */
export function decodeTftp(buf: Uint8Array): TftpPacket {
  if (buf.length < 2) throw new DecodeError(WHAT, `${buf.length} bytes is shorter than an opcode`);
  const opcode = (buf[0]! << 8) | buf[1]!;
  switch (opcode) {
    case 1:
    case 2: {
      const strs = readStrings(buf, 2);
      if (strs.length < 2) throw new DecodeError(WHAT, 'request needs a file name and a mode');
      const filename = strs[0]!;
      const mode = strs[1]!;
      if (filename === '') throw new DecodeError(WHAT, 'request has an empty file name');
      if (mode === '') throw new DecodeError(WHAT, 'request has an empty mode');
      return { op: opcode === 1 ? 'rrq' : 'wrq', filename, mode, options: toOptions(strs, 2) };
    }
    case 3: {
      if (buf.length < 4) throw new DecodeError(WHAT, 'DATA shorter than 4 bytes');
      if (buf.length - 4 > MAX_BLKSIZE) throw new DecodeError(WHAT, `DATA payload of ${buf.length - 4} bytes exceeds ${MAX_BLKSIZE}`);
      return { op: 'data', block: (buf[2]! << 8) | buf[3]!, data: buf.subarray(4) };
    }
    case 4:
      if (buf.length !== 4) throw new DecodeError(WHAT, `ACK must be 4 bytes, got ${buf.length}`);
      return { op: 'ack', block: (buf[2]! << 8) | buf[3]! };
    case 5: {
      if (buf.length < 4) throw new DecodeError(WHAT, 'ERROR shorter than 4 bytes');
      const code = (buf[2]! << 8) | buf[3]!;
      // Lenient: some clients omit the terminating NUL of the message.
      const end = buf.indexOf(0, 4);
      // Stryker disable next-line EqualityOperator: indexOf from 4 returns -1 or >= 4, never 0
      const message = Buffer.from(buf.buffer, buf.byteOffset + 4, (end < 0 ? buf.length : end) - 4).toString('latin1');
      return { op: 'error', code, message };
    }
    case 6:
      return { op: 'oack', options: toOptions(readStrings(buf, 2), 0) };
    default:
      throw new DecodeError(WHAT, `unknown opcode ${opcode}`);
  }
}
