/**
 * The file source: opens what a read request names, confined to tftp.root.
 * Candidates come from paths.ts; each is resolved with realpath so a
 * symlink may point anywhere inside the root but never out of it, then
 * opened with O_NOFOLLOW and checked to be a regular file. Files are read
 * by position (streamed); only cmdline.txt is read whole, to replace MASTER.
 */
import { constants, readSync, readvSync } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { isRewritten, requestCandidates, rewriteMaster } from './paths.js';

/** A file being served: its size and positional reads. */
export interface OpenedFile {
  readonly size: number;
  /** Reads up to `buf.length` bytes at `position`; returns the count (short only at EOF). */
  read(position: number, buf: Buffer): Promise<number>;
  /** Fills `bufs` in order from `position` (one scattered read where the file allows); returns the count. */
  readv(position: number, bufs: readonly Buffer[]): Promise<number>;
  /**
   * `readv` in the calling thread, for transfer workers: no hop through
   * libuv's pool and back per chunk. Absent where reads must stay in order
   * through `read` (netascii).
   */
  readvSync?(position: number, bufs: readonly Buffer[]): number;
  close(): Promise<void>;
  /**
   * The file as something a worker thread can take over (its FileHandle is
   * transferred, an in-memory file copied), or undefined when it can only be
   * served here. After a handle has been transferred, this object must not be used.
   */
  portable?(): PortableFile;
}

/** A file handed to a transfer worker (fromPortable rebuilds it there). */
export type PortableFile = { readonly kind: 'handle'; readonly handle: FileHandle; readonly size: number } | { readonly kind: 'bytes'; readonly bytes: Uint8Array };

/** The OpenedFile behind a PortableFile, on the side that received it. */
export function fromPortable(p: PortableFile): OpenedFile {
  return p.kind === 'handle' ? new DiskFile(p.handle, p.size) : new MemoryFile(Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength));
}

/** `readv` for files that only read into one buffer at a time (in order, so netascii works). */
export async function readvEach(file: OpenedFile, position: number, bufs: readonly Buffer[]): Promise<number> {
  let got = 0;
  for (const b of bufs) {
    const n = await file.read(position + got, b);
    got += n;
    if (n < b.length) break;
  }
  return got;
}

export type OpenResult =
  | { readonly ok: true; readonly file: OpenedFile; /** path under the root actually served */ readonly path: string; readonly name: string }
  | { readonly ok: false; readonly code: number; readonly message: string };

export interface FileSourceOptions {
  readonly root: string;
  /** Replaces MASTER in cmdline.txt. */
  readonly serverAddress: string;
  /** cmdline.txt larger than this is served unchanged (the real one is < 4 KiB). */
  readonly maxRewriteBytes?: number;
}

/** The parts of `bufs` past their first `done` bytes: what a short scattered read left to fill. */
function unfilled(bufs: readonly Buffer[], done: number): Buffer[] {
  const out: Buffer[] = [];
  let skip = done;
  for (const b of bufs) {
    if (skip >= b.length) skip -= b.length;
    else {
      out.push(skip > 0 ? b.subarray(skip) : b);
      skip = 0;
    }
  }
  return out;
}

class DiskFile implements OpenedFile {
  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}
  async read(position: number, buf: Buffer): Promise<number> {
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await this.fh.read(buf, got, buf.length - got, position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got;
  }
  async readv(position: number, bufs: readonly Buffer[]): Promise<number> {
    let got = (await this.fh.readv(bufs as Buffer[], position)).bytesRead;
    // A regular file reads short only at its end or on a signal: finish piecewise.
    for (const b of unfilled(bufs, got)) {
      const n = await this.read(position + got, b);
      got += n;
      if (n < b.length) break;
    }
    return got;
  }
  readvSync(position: number, bufs: readonly Buffer[]): number {
    let got = readvSync(this.fh.fd, bufs, position);
    for (const b of unfilled(bufs, got)) {
      const n = this.readSync(position + got, b);
      got += n;
      if (n < b.length) break;
    }
    return got;
  }
  /** `read` in the calling thread. */
  private readSync(position: number, buf: Buffer): number {
    let got = 0;
    while (got < buf.length) {
      const n = readSync(this.fh.fd, buf, got, buf.length - got, position + got);
      if (n === 0) break;
      got += n;
    }
    return got;
  }
  close(): Promise<void> {
    return this.fh.close();
  }
  portable(): PortableFile {
    return { kind: 'handle', handle: this.fh, size: this.size };
  }
}

class MemoryFile implements OpenedFile {
  constructor(private readonly content: Buffer) {}
  get size(): number {
    return this.content.length;
  }
  async read(position: number, buf: Buffer): Promise<number> {
    return this.content.copy(buf, 0, Math.min(position, this.content.length));
  }
  readv(position: number, bufs: readonly Buffer[]): Promise<number> {
    return readvEach(this, position, bufs);
  }
  readvSync(position: number, bufs: readonly Buffer[]): number {
    let got = 0;
    for (const b of bufs) {
      const n = this.content.copy(b, 0, Math.min(position + got, this.content.length));
      got += n;
      if (n < b.length) break;
    }
    return got;
  }
  async close(): Promise<void> {}
  portable(): PortableFile {
    return { kind: 'bytes', bytes: this.content };
  }
}

const NOT_FOUND = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'ELOOP']);

export class FileSource {
  private rootReal: Promise<string> | null = null;

  constructor(private readonly opts: FileSourceOptions) {}

  private root(): Promise<string> {
    // Resolved lazily and again after a failure, so a root created after start works.
    if (!this.rootReal) {
      this.rootReal = realpath(this.opts.root);
      this.rootReal.catch(() => (this.rootReal = null));
    }
    return this.rootReal;
  }

  /** Opens the file a request names; `mac` (if the peer is a known Pi) enables its own folder. */
  async open(requested: string, mac: string | null): Promise<OpenResult> {
    const c = requestCandidates(requested, mac);
    if (!c.ok) return c;
    let root: string;
    try {
      root = await this.root();
    } catch {
      return { ok: false, code: 1, message: `TFTP root ${this.opts.root} does not exist` };
    }
    for (const rel of c.paths) {
      const r = await this.openOne(root, rel);
      if (r === 'missing') continue;
      if (!r.ok) return r;
      return { ok: true, file: r.file, path: rel, name: c.name };
    }
    return { ok: false, code: 1, message: `file not found: ${c.name}` };
  }

  private async openOne(root: string, rel: string): Promise<'missing' | { ok: true; file: OpenedFile } | { ok: false; code: number; message: string }> {
    let real: string;
    try {
      real = await realpath(join(root, rel));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (NOT_FOUND.has(code)) return 'missing';
      return { ok: false, code: 2, message: `cannot open ${rel}: ${code || 'error'}` };
    }
    if (!real.startsWith(root + sep)) return { ok: false, code: 2, message: `${rel} leads outside the TFTP root` };
    let fh: FileHandle;
    try {
      fh = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (NOT_FOUND.has(code)) return 'missing';
      return { ok: false, code: 2, message: `cannot open ${rel}: ${code || 'error'}` };
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) {
        await fh.close();
        return st.isDirectory() ? 'missing' : { ok: false, code: 2, message: `${rel} is not a regular file` };
      }
      if (isRewritten(rel) && st.size <= (this.opts.maxRewriteBytes ?? 65536)) {
        const content = await fh.readFile();
        await fh.close();
        return { ok: true, file: new MemoryFile(rewriteMaster(content, this.opts.serverAddress)) };
      }
      return { ok: true, file: new DiskFile(fh, st.size) };
    } catch (e) {
      await fh.close().catch(() => undefined);
      return { ok: false, code: 2, message: `cannot read ${rel}: ${(e as NodeJS.ErrnoException).code ?? 'error'}` };
    }
  }
}
