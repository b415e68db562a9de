/**
 * Minimal ustar writer and incremental reader: enough to build the lab's
 * small rootfs.tgz and for a virtual Pi to verify the archive it receives
 * (header checksums, sizes, end marker) the way `tar -x` would notice damage.
 */
import { DecodeError } from '../errors.js';

export interface TarEntry {
  readonly name: string;
  /** Regular file content; directories have none. */
  readonly data?: Buffer;
  readonly mode?: number;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, mode: number, type: '0' | '5'): Buffer {
  if (Buffer.byteLength(name) > 100) throw new RangeError(`tar: name longer than 100 bytes: ${name}`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(1_700_000_000, 12), 136, 'ascii');
  h.fill(0x20, 148, 156);
  h.write(type, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  h.write(octal(checksum(h), 7) + ' ', 148, 'ascii');
  return h;
}

function checksum(h: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum;
}

/** Builds an uncompressed ustar archive (with the two zero blocks at the end). */
export function buildTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (e.data === undefined) {
      parts.push(header(e.name.endsWith('/') ? e.name : `${e.name}/`, 0, e.mode ?? 0o755, '5'));
      continue;
    }
    parts.push(header(e.name, e.data.length, e.mode ?? 0o644, '0'), e.data);
    const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

export interface TarFile {
  readonly name: string;
  readonly size: number;
  readonly type: 'file' | 'dir' | 'other';
}

/**
 * Incremental reader: push() arbitrary chunks; it calls onFile for every
 * header and onData for file content. end() throws when the archive stopped
 * early. Small files can be collected by the caller from onData.
 */
export class TarReader {
  private pending = Buffer.alloc(0);
  private remaining = 0;
  private padding = 0;
  private current: TarFile | null = null;
  private zeroBlocks = 0;
  finished = false;

  constructor(
    private readonly onFile: (f: TarFile) => void,
    private readonly onData: (f: TarFile, chunk: Buffer) => void = () => undefined,
  ) {}

  push(chunk: Buffer): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    while (buf.length > 0 && !this.finished) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, buf.length);
        this.onData(this.current!, buf.subarray(0, n));
        this.remaining -= n;
        buf = buf.subarray(n);
        continue;
      }
      if (this.padding > 0) {
        const n = Math.min(this.padding, buf.length);
        this.padding -= n;
        buf = buf.subarray(n);
        continue;
      }
      if (buf.length < BLOCK) {
        this.pending = Buffer.from(buf);
        return;
      }
      this.readHeader(buf.subarray(0, BLOCK));
      buf = buf.subarray(BLOCK);
    }
  }

  private readHeader(h: Buffer): void {
    if (h.every((b) => b === 0)) {
      if (++this.zeroBlocks === 2) this.finished = true;
      return;
    }
    if (this.zeroBlocks > 0) throw new DecodeError('tar', 'data after an end-of-archive block');
    const stored = parseOctal(h.subarray(148, 156));
    if (stored !== checksum(h)) throw new DecodeError('tar', `header checksum mismatch (stored ${stored}, computed ${checksum(h)})`);
    const size = parseOctal(h.subarray(124, 136));
    const prefix = cString(h.subarray(345, 500));
    const base = cString(h.subarray(0, 100));
    const name = prefix && h.subarray(257, 262).toString('ascii') === 'ustar' ? `${prefix}/${base}` : base;
    const flag = String.fromCharCode(h[156]!);
    const type = flag === '0' || flag === '\0' ? 'file' : flag === '5' ? 'dir' : 'other';
    this.current = { name, size, type };
    this.onFile(this.current);
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
  }

  /** Call when the stream ended: an archive without its end marker or cut inside a file is damaged. */
  end(): void {
    if (this.remaining > 0 || this.pending.length > 0) throw new DecodeError('tar', 'archive ends inside a file');
    // GNU tar accepts a single zero block at the end; so do we, but not none.
    if (this.zeroBlocks === 0) throw new DecodeError('tar', 'archive has no end-of-archive marker (truncated?)');
    this.finished = true;
  }
}

function cString(b: Buffer): string {
  const z = b.indexOf(0);
  return b.subarray(0, z < 0 ? b.length : z).toString('utf8');
}

function parseOctal(b: Buffer): number {
  const text = cString(b).trim();
  if (!/^[0-7]*$/.test(text)) throw new DecodeError('tar', `bad octal field '${text}'`);
  return text === '' ? 0 : parseInt(text, 8);
}
