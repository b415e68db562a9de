/**
 * Crash-safe file replacement: write a temp file beside the target, fsync it,
 * rename it over the target, fsync the folder. A reader sees the old or the
 * new content, never a torn mix, whatever moment the process dies.
 *
 * A file an operator manages (hosts.csv) keeps what they set: when the path
 * is a symlink, the file it points to is replaced and the link stays; the
 * replacement gets the mode and owner of the file it replaces (the owner only
 * when piman may set it, i.e. as root or as that owner). A crash between
 * writing and renaming leaves a temp file (`.<name>.<pid>.<ms>.tmp`);
 * `removeStaleTemps` clears those of writers that are gone, at start.
 */
import { open, rename, mkdir, unlink, lstat, readlink, readdir, stat } from 'node:fs/promises';
import { dirname, basename, join, resolve } from 'node:path';

/** Symlink hops followed at most (the kernel's own limit is 40). */
const MAX_LINKS = 40;
/** A temp file this old is stale even if its pid is alive again (pid reuse). */
const STALE_MS = 60 * 60 * 1000;

/** The file a write to `path` must replace: `path` itself, or where its symlinks lead (which may not exist yet). */
export async function writeTarget(path: string): Promise<string> {
  let p = resolve(path);
  for (let i = 0; i < MAX_LINKS; i++) {
    let link: string;
    try {
      if (!(await lstat(p)).isSymbolicLink()) return p;
      link = await readlink(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return p;
      throw e;
    }
    p = resolve(dirname(p), link);
  }
  throw Object.assign(new Error(`${path}: too many levels of symbolic links`), { code: 'ELOOP' });
}

/** An open file as the atomic write uses it (a node FileHandle is one). */
export interface AtomicHandle {
  chmod(mode: number): Promise<void>;
  chown(uid: number, gid: number): Promise<void>;
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
  const target = await writeTarget(path);
  const dir = dirname(target);
  await fs.mkdir(dir, { recursive: true });
  const old = await stat(target).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  const mode = old ? old.mode & 0o7777 : 0o644;
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
  const fh = await fs.open(tmp, 'w', mode);
  try {
    await fh.chmod(mode); // open()'s mode is filtered by the umask
    if (old && (old.uid !== process.getuid?.() || old.gid !== process.getgid?.())) {
      // Only root (or the owner, for a group it is in) may do this; otherwise the writer owns it.
      await fh.chown(old.uid, old.gid).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EPERM') throw e;
      });
    }
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await fs.unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  await fs.rename(tmp, target);
  const dh = await fs.open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp files `writeFileAtomic` left beside `path`'s target when
 * its writer died mid-write: those whose pid is gone, or older than an hour.
 * Call it at start, before writing. Returns the names removed.
 */
export async function removeStaleTemps(path: string, now = Date.now()): Promise<string[]> {
  const target = await writeTarget(path);
  const dir = dirname(target);
  const prefix = `.${basename(target)}.`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)\.(\d+)\.tmp$/.exec(name.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    const ms = Number(m[2]);
    if (pid !== process.pid && alive(pid) && now - ms < STALE_MS) continue;
    if (pid === process.pid && now - ms < STALE_MS) continue;
    await unlink(join(dir, name)).then(
      () => removed.push(name),
      () => undefined,
    );
  }
  return removed;
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
