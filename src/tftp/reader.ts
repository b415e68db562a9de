/**
 * Serves DATA payloads of one transfer from an OpenedFile in chunks of
 * many blocks, reading the next chunk ahead, so the hot path (ACK in,
 * DATA out) rarely waits for the disk thread pool. At most three chunks
 * are held (previous one for retransmissions across a chunk edge).
 */
import type { OpenedFile } from './files.js';

const CHUNK_BYTES = 64 * 1024;

export class BlockReader {
  private readonly chunkBlocks: number;
  private readonly chunks = new Map<number, Buffer | Promise<Buffer>>();
  private closed = false;
  private current = -1;

  constructor(
    private readonly file: OpenedFile,
    private readonly blksize: number,
  ) {
    this.chunkBlocks = Math.max(1, Math.floor(CHUNK_BYTES / blksize));
  }

  /** Payload of internal block `block` (1-based), `length` bytes long. */
  block(block: number, length: number): Buffer | Promise<Buffer> {
    const idx = Math.floor((block - 1) / this.chunkBlocks);
    const off = ((block - 1) % this.chunkBlocks) * this.blksize;
    const c = this.chunk(idx);
    // Read ahead once the transfer is past the middle of this chunk.
    if ((block - 1) % this.chunkBlocks >= this.chunkBlocks / 2) this.chunk(idx + 1);
    if (idx !== this.current) {
      this.current = idx;
      for (const k of this.chunks.keys()) if (k < idx - 1 || k > idx + 1) this.chunks.delete(k);
    }
    if (Buffer.isBuffer(c)) return slice(c, off, length, block);
    return c.then((b) => slice(b, off, length, block));
  }

  private chunk(idx: number): Buffer | Promise<Buffer> {
    const have = this.chunks.get(idx);
    if (have) return have;
    const start = idx * this.chunkBlocks * this.blksize;
    const len = Math.max(0, Math.min(this.chunkBlocks * this.blksize, this.file.size - start));
    if (len === 0) {
      const empty = Buffer.alloc(0);
      this.chunks.set(idx, empty);
      return empty;
    }
    const buf = Buffer.allocUnsafe(len);
    const p = this.file.read(start, buf).then((n) => {
      const b = n === len ? buf : buf.subarray(0, n);
      if (!this.closed && this.chunks.get(idx) === p) this.chunks.set(idx, b);
      return b;
    });
    // A failed read-ahead is reported when (if) its block is asked for.
    p.catch(() => this.chunks.delete(idx));
    this.chunks.set(idx, p);
    return p;
  }

  close(): Promise<void> {
    this.closed = true;
    this.chunks.clear();
    return this.file.close();
  }
}

function slice(chunk: Buffer, off: number, length: number, block: number): Buffer {
  if (off + length > chunk.length) throw new Error(`file shrank while being sent (block ${block})`);
  return chunk.subarray(off, off + length);
}
