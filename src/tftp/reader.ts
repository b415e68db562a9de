/**
 * Serves the DATA packets of one transfer from an OpenedFile in chunks of
 * many blocks, reading the next chunk ahead, so the hot path (ACK in,
 * DATA out) rarely waits for the disk thread pool. A chunk is laid out as
 * ready packets (4-byte DATA header, then the payload, for each block) and
 * filled with one scattered read, so sending a block copies and allocates
 * nothing but a view. In a transfer thread the read is synchronous (from
 * the page cache it costs less than libuv's pool round trip). At most three chunks are held (the previous one for
 * retransmissions across a chunk edge). Buffers of chunks left behind are
 * filled again rather than allocated anew: a fresh ArrayBuffer per
 * chunk drove V8's external-memory GCs (boot storm: server CPU -14 %).
 */
import type { OpenedFile } from './files.js';

/**
 * 16 KiB (11 blocks of 1468): a 100-client storm peaked at 131-136 MB RSS
 * against 168-178 MB with 64 KiB chunks, in the same CPU time and wall time
 * (README "Where the memory goes").
 */
const CHUNK_BYTES = 16 * 1024;
const HEADER = 4;

/** One chunk's packets, index 0 = first block of the chunk. */
type Packets = Buffer[];

export class BlockReader {
  private readonly chunkBlocks: number;
  private readonly chunks = new Map<number, Packets | Promise<Packets>>();
  private closed = false;
  private current = -1;
  /** Buffer behind each held chunk, and buffers free to be filled again. */
  private readonly bufs = new Map<number, Buffer>();
  private readonly spare: Buffer[] = [];
  private readonly bufBytes: number;

  /**
   * `idle`: true when nothing sent from this reader's packets can still be
   * waiting in the socket's send queue (a buffer is refilled only then);
   * the transfer passes `socket.getSendQueueCount() === 0`.
   * `inThread`: read chunks with the file's readvSync when it has one
   * (transfer workers; see "Where the TFTP storm's CPU goes" in README.md).
   */
  constructor(
    private readonly file: OpenedFile,
    private readonly blksize: number,
    private readonly idle: () => boolean = () => true,
    chunkBytes = CHUNK_BYTES,
    private readonly inThread = false,
  ) {
    this.chunkBlocks = Math.max(1, Math.floor(chunkBytes / blksize));
    this.bufBytes = this.chunkBlocks * (blksize + HEADER);
  }

  /** The DATA packet (header included) of internal block `block` (1-based). */
  packet(block: number): Buffer | Promise<Buffer> {
    const i = block - 1;
    const idx = (i / this.chunkBlocks) | 0;
    const at = i - idx * this.chunkBlocks;
    const c = this.chunk(idx);
    // Read ahead once the transfer is past the middle of this chunk.
    if (at >= this.chunkBlocks / 2) this.chunk(idx + 1);
    if (idx !== this.current) {
      this.current = idx;
      for (const [k, c] of this.chunks) if (k < idx - 1 || k > idx + 1) this.drop(k, c);
    }
    if (Array.isArray(c)) return pick(c, at, block);
    return c.then((p) => pick(p, at, block));
  }

  /** Payload of internal block `block`, `length` bytes long (tests; the server sends `packet`). */
  async block(block: number, length: number): Promise<Buffer> {
    const p = (await this.packet(block)).subarray(HEADER);
    if (p.length !== length) throw new Error(`block ${block} has ${p.length} bytes, expected ${length}`);
    return p;
  }

  private chunk(idx: number): Packets | Promise<Packets> {
    const have = this.chunks.get(idx);
    if (have) return have;
    const { blksize } = this;
    const first = idx * this.chunkBlocks;
    const start = first * blksize;
    // Blocks in this chunk; a file whose size is a multiple of blksize ends with an empty block.
    const lastBlock = Math.floor(this.file.size / blksize); // 0-based index of the final (short) block
    const count = Math.max(0, Math.min(this.chunkBlocks, lastBlock - first + 1));
    const dataLen = Math.max(0, Math.min(count * blksize, this.file.size - start));
    // Full chunks get (reusable) full-size buffers; a short last chunk only what it needs.
    const need = count * HEADER + dataLen;
    const buf = need === this.bufBytes ? (this.spare.pop() ?? Buffer.allocUnsafe(need)) : Buffer.allocUnsafe(need);
    this.bufs.set(idx, buf);
    const payloads: Buffer[] = [];
    const packets: Packets = [];
    for (let k = 0, at = 0, left = dataLen; k < count; k++) {
      const len = Math.min(blksize, left);
      const wire = (first + k + 1) & 0xffff;
      buf[at] = 0;
      buf[at + 1] = 3;
      buf[at + 2] = wire >> 8;
      buf[at + 3] = wire & 0xff;
      payloads.push(buf.subarray(at + HEADER, at + HEADER + len));
      packets.push(buf.subarray(at, at + HEADER + len));
      at += HEADER + len;
      left -= len;
    }
    if (dataLen === 0) {
      this.chunks.set(idx, packets);
      return packets;
    }
    if (this.inThread && this.file.readvSync) {
      let n: number;
      try {
        n = this.file.readvSync(start, payloads);
      } catch (e) {
        // Not kept: a failed read-ahead is read again (and reported) when its block is asked for.
        this.bufs.delete(idx);
        const failed = Promise.reject(e instanceof Error ? e : new Error(String(e)));
        failed.catch(() => undefined);
        return failed;
      }
      const ok = n === dataLen ? packets : packets.slice(0, Math.floor(n / blksize));
      this.chunks.set(idx, ok);
      return ok;
    }
    const p = this.file.readv(start, payloads).then((n) => {
      // Short read: the file shrank; blocks past the end are refused when asked for.
      const ok = n === dataLen ? packets : packets.slice(0, Math.floor(n / blksize));
      if (!this.closed && this.chunks.get(idx) === p) this.chunks.set(idx, ok);
      return ok;
    });
    // A failed read-ahead is reported when (if) its block is asked for.
    p.catch(() => {
      if (this.chunks.get(idx) === p) {
        this.chunks.delete(idx);
        this.bufs.delete(idx);
      }
    });
    this.chunks.set(idx, p);
    return p;
  }

  private drop(k: number, c: Packets | Promise<Packets>): void {
    this.chunks.delete(k);
    const buf = this.bufs.get(k);
    this.bufs.delete(k);
    // Never refill a buffer a read is still writing into, or one whose packets may still be queued.
    if (buf && buf.length === this.bufBytes && Array.isArray(c) && this.spare.length < 2 && this.idle()) this.spare.push(buf);
  }

  close(): Promise<void> {
    this.closed = true;
    this.chunks.clear();
    this.bufs.clear();
    this.spare.length = 0;
    return this.file.close();
  }
}

function pick(packets: Packets, at: number, block: number): Buffer {
  const p = packets[at];
  if (!p) throw new Error(`file shrank while being sent (block ${block})`);
  return p;
}
