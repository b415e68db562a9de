/**
 * A snapshot file with an append-only journal beside it, for state that
 * changes a record at a time and must be on disk before it is acted on (a
 * DHCP lease before its ACK). A change is one line appended to the journal;
 * every change that came in the meantime goes out with it, in one write
 * and one fdatasync (group commit). Rewriting the whole snapshot per batch
 * instead (1,000 leases: ~100 KB, two fsyncs and a rename) cost the DHCP
 * server most of its time at a few thousand leases a second.
 *
 * Compaction writes the snapshot atomically (atomic-file.ts) and starts a
 * new journal: at the first change after opening, and whenever the journal
 * holds more lines than `compactAfter()`. The snapshot names the journal
 * generation that follows it, and a journal's first line names its own: a
 * journal of another generation (a crash between a compaction's snapshot
 * and its new journal) holds nothing the snapshot lacks and is not replayed.
 * A torn last line (a crash during an append) was never acknowledged and is
 * dropped when read.
 */
import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { nodeFs, writeFileAtomic, type AtomicFs } from './atomic-file.js';

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

interface Job {
  lines: string[];
  snapshot: (generation: number) => string;
  waiters: Waiter[];
}

const header = (generation: number): string => `${JSON.stringify({ journal: generation })}\n`;

/**
 * The lines of `path` to replay over a snapshot that names `generation`:
 * none when the file is missing or of another generation; a torn last line
 * left out.
 */
export async function readJournal(path: string, generation: number): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const lines = text.split('\n');
  lines.pop(); // '' after the final newline, or a line a crash tore
  if (lines.length === 0 || `${lines[0]}\n` !== header(generation)) return [];
  return lines.slice(1);
}

export class Journal {
  /** False until a compaction made a journal of this generation (and after a failed write). */
  private ready = false;
  private lines = 0;
  private running: Promise<void> | null = null;
  private pending: Job | null = null;

  constructor(
    private readonly snapshotPath: string,
    private readonly journalPath: string,
    /** The generation the snapshot on disk names (0 for none). */
    private generation: number,
    private readonly compactAfter: () => number,
    private readonly fs: AtomicFs = nodeFs,
  ) {}

  /**
   * Appends `line` (ending in a newline); resolves once it, or a snapshot
   * taken after it (`snapshot(generation)` is the whole state as text), is
   * on disk. Rejects when neither could be written.
   */
  append(line: string, snapshot: (generation: number) => string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.pending) {
        this.pending.lines.push(line);
        this.pending.snapshot = snapshot;
        this.pending.waiters.push({ resolve, reject });
      } else this.pending = { lines: [line], snapshot, waiters: [{ resolve, reject }] };
      if (!this.running) this.running = this.drain();
    });
  }

  /** Resolves when nothing is being written or waits to be. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    await this.idle();
  }

  private async drain(): Promise<void> {
    while (this.pending) {
      const job = this.pending;
      this.pending = null;
      try {
        if (!this.ready || this.lines + job.lines.length > this.compactAfter()) await this.compact(job);
        else await this.write(job.lines);
        for (const w of job.waiters) w.resolve();
      } catch (e) {
        // The journal may end in part of a line now: the next change starts a new generation.
        this.ready = false;
        for (const w of job.waiters) w.reject(e);
      }
    }
    this.running = null;
  }

  /**
   * Opened for each write, not kept open: a removed state folder is then an
   * error instead of lines appended to a file no one can read again, and
   * the folder can be remounted read-only while piman runs.
   */
  private async write(lines: readonly string[]): Promise<void> {
    // No O_CREAT: a journal that is gone is an error, never a new file without its generation line.
    const fh = await open(this.journalPath, constants.O_WRONLY | constants.O_APPEND);
    try {
      await fh.write(lines.join(''));
      await fh.datasync();
    } finally {
      await fh.close();
    }
    this.lines += lines.length;
  }

  /**
   * Snapshot, then a new journal. The snapshot is taken before any await:
   * it holds exactly the changes of `job` and before; later ones go to the
   * new journal.
   */
  private async compact(job: Job): Promise<void> {
    this.ready = false;
    const next = this.generation + 1;
    await writeFileAtomic(this.snapshotPath, job.snapshot(next), this.fs);
    this.generation = next;
    await writeFileAtomic(this.journalPath, header(next), this.fs);
    this.lines = 0;
    this.ready = true;
  }
}
