/**
 * netascii transfer mode (RFC 1350 / RFC 764): LF goes out as CR LF and
 * CR as CR NUL. Still streamed: one pass counts the line ends (tsize must
 * be the converted size), then reads convert in order. BlockReader reads
 * chunks in order and keeps the last ones for retransmissions, so reads
 * never go backwards.
 */
import { readvEach, type OpenedFile } from './files.js';

const CR = 0x0d;
const LF = 0x0a;
const SCAN = 64 * 1024;

export async function netasciiSize(file: OpenedFile): Promise<number> {
  const buf = Buffer.allocUnsafe(SCAN);
  let extra = 0;
  for (let pos = 0; pos < file.size; pos += SCAN) {
    const n = await file.read(pos, buf);
    for (let i = 0; i < n; i++) if (buf[i] === CR || buf[i] === LF) extra++;
    if (n < SCAN) break;
  }
  return file.size + extra;
}

export async function toNetascii(file: OpenedFile): Promise<OpenedFile> {
  return new NetasciiFile(file, await netasciiSize(file));
}

class NetasciiFile implements OpenedFile {
  private srcPos = 0;
  private outPos = 0;
  /** Second byte of a CR LF / CR NUL pair that did not fit the last buffer. */
  private carry: number | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly src = Buffer.allocUnsafe(SCAN);
  private srcLen = 0;
  private srcAt = 0;

  constructor(
    private readonly file: OpenedFile,
    readonly size: number,
  ) {}

  read(position: number, buf: Buffer): Promise<number> {
    // Serialised: the read-ahead may ask for the next chunk before this one is done.
    const p = this.tail.then(() => this.readInOrder(position, buf));
    this.tail = p.catch(() => undefined);
    return p;
  }

  readv(position: number, bufs: readonly Buffer[]): Promise<number> {
    return readvEach(this, position, bufs);
  }

  private async readInOrder(position: number, buf: Buffer): Promise<number> {
    if (position !== this.outPos) throw new Error(`netascii file read out of order (at ${position}, expected ${this.outPos})`);
    let o = 0;
    while (o < buf.length) {
      if (this.carry !== null) {
        buf[o++] = this.carry;
        this.carry = null;
        continue;
      }
      if (this.srcAt >= this.srcLen) {
        if (this.srcPos >= this.file.size) break;
        this.srcLen = await this.file.read(this.srcPos, this.src);
        this.srcAt = 0;
        this.srcPos += this.srcLen;
        if (this.srcLen === 0) break;
      }
      const c = this.src[this.srcAt++]!;
      if (c === LF) {
        buf[o++] = CR;
        this.carry = LF;
      } else if (c === CR) {
        buf[o++] = CR;
        this.carry = 0;
      } else buf[o++] = c;
    }
    this.outPos += o;
    return o;
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
