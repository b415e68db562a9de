/**
 * Crash-safe file replacement: write a temp file beside the target, fsync it,
 * rename it over the target, fsync the folder. A reader sees the old or the
 * new content, never a torn mix, whatever moment the process dies.
 */
import { open, rename, mkdir, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

/** An open file as the atomic write uses it (a node FileHandle is one). */
export interface AtomicHandle {
  writeFile(data: string | Uint8Array): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The file operations of an atomic write: node:fs/promises in the daemon; a
 * test passes one that records the calls, because a lost fsync cannot be seen
 * from the files (the page cache still holds the data).
 */
export interface AtomicFs {
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  open(path: string, flags: 'w' | 'r', mode?: number): Promise<AtomicHandle>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

export const nodeFs: AtomicFs = { mkdir, open, rename, unlink };

export async function writeFileAtomic(path: string, data: string | Uint8Array, fs: AtomicFs = nodeFs): Promise<void> {
  const dir = dirname(path);
  await fs.mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fh = await fs.open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await fs.unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  await fs.rename(tmp, path);
  const dh = await fs.open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

/**
 * Serialises writes of a value that changes often: at most one write runs,
 * and `save()` resolves once a write that includes the caller's snapshot is
 * on disk. Bursts collapse into one extra write.
 */
export class CoalescingWriter {
  private running: Promise<void> | null = null;
  private pending: { snapshot: () => string; waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> } | null = null;

  constructor(
    private readonly path: string,
    private readonly fs: AtomicFs = nodeFs,
  ) {}

  save(snapshot: () => string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.pending) {
        this.pending.snapshot = snapshot;
        this.pending.waiters.push({ resolve, reject });
      } else {
        this.pending = { snapshot, waiters: [{ resolve, reject }] };
      }
      if (!this.running) this.running = this.drain();
    });
  }

  /** Resolves when no write is running or queued. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.pending) {
      const job = this.pending;
      this.pending = null;
      try {
        await writeFileAtomic(this.path, job.snapshot(), this.fs);
        for (const w of job.waiters) w.resolve();
      } catch (e) {
        for (const w of job.waiters) w.reject(e);
      }
    }
    this.running = null;
  }
}
