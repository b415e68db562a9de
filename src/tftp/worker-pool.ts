/**
 * A fixed set of transfer worker threads (transfer-worker.ts). The server
 * keeps requests, file lookup and bookkeeping; each transfer's DATA/ACK
 * loop runs in the least busy worker, on a socket of its own. A worker that
 * dies ends its transfers with an error and is replaced. With `idleMs`, the
 * threads start on the first wake() (not at start) and end when no transfer
 * ran for that long, to start again on the next wake(): a V8 isolate each,
 * their memory is not held by an idle daemon.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.js';
import type { PortableFile } from './files.js';
import type { TransferHandle, TransferSpec } from './launch.js';
import type { TransferHooks } from './transfer.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

const BOOT = new URL('./worker-boot.mjs', import.meta.url);
const START_TIMEOUT_MS = 20_000;
const SHUTDOWN_TIMEOUT_MS = 2_000;
/** A worker that does not answer a check this soon is taken to be still running the transfer. */
const CHECK_TIMEOUT_MS = 1_000;
/**
 * V8's young generation per thread, MB. Its default (48) let each thread grow
 * to tens of MB during a boot storm: the daemon peaked at 242 MB with two
 * threads, 171 MB with a 6 MB cap, in the same time and CPU (README
 * "Benchmarks"); 3 MB (1 MB semi-spaces) took another 12-20 MB off the
 * peak (README "Where the memory goes"). A transfer's garbage is
 * short-lived and small.
 */
const YOUNG_GENERATION_MB = 3;

interface PoolWorker {
  readonly worker: Worker;
  readonly transfers: Map<number, TransferHooks>;
  /** Answers awaited for 'check' messages, by transfer id. */
  readonly checks: Map<number, (running: boolean) => void>;
  closed: (() => void) | null;
  /** Ended on purpose (idle): its exit is no failure to replace. */
  retiring?: boolean;
}

export class TransferPool {
  private workers: PoolWorker[] = [];
  /** Threads spawned but not ready yet (stop() ends them too). */
  private readonly starting = new Set<Worker>();
  private nextId = 1;
  private stopping = false;
  /** Threads ended for idleness; wake() starts them again. */
  private parked = false;
  private idleTimer: NodeJS.Timeout | null = null;
  /** Terminations of parked threads, awaited by stop(). */
  private readonly retired = new Set<Promise<number>>();

  constructor(
    private readonly size: number,
    private readonly log: Logger,
    private readonly idleMs = 0,
  ) {}

  /** The threads (for health checks and tests; terminating one is survived). */
  get threads(): readonly Worker[] {
    return this.workers.map((w) => w.worker);
  }

  async start(): Promise<void> {
    this.stopping = false;
    if (this.idleMs > 0) {
      // Parked until the first request: a thread's isolate leaves ~6 MB in the
      // process's RSS even after it ends, and an idle daemon needs none. The
      // entry must still be there, as a failed spawn would only be logged.
      await access(fileURLToPath(BOOT), constants.R_OK);
      this.parked = true;
      return;
    }
    const started = await Promise.allSettled(Array.from({ length: this.size }, () => this.spawn()));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await this.stop();
      throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    }
    this.armIdle();
  }

  /** A request came in: threads parked for idleness start again (transfers run in the caller's thread meanwhile). */
  wake(): void {
    if (!this.parked || this.stopping) return;
    this.parked = false;
    for (let i = 0; i < this.size; i++) this.spawn().catch((e: unknown) => this.log.error({ err: (e as Error).message }, 'cannot start a TFTP transfer worker'));
    this.armIdle();
  }

  /** (Re)starts the idle countdown when no thread runs a transfer; an idle countdown ends the threads. */
  private armIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.idleMs <= 0 || this.stopping || this.parked || this.workers.some((w) => w.transfers.size > 0)) return;
    this.idleTimer = setTimeout(() => this.park(), this.idleMs);
    this.idleTimer.unref();
  }

  private park(): void {
    this.idleTimer = null;
    // Threads still starting (after a wake) stay: they are idle-counted once ready.
    if (this.stopping || this.starting.size > 0 || this.workers.some((w) => w.transfers.size > 0)) return this.armIdle();
    this.parked = true;
    const all = this.workers;
    this.workers = [];
    for (const w of all) {
      w.retiring = true;
      const done = w.worker.terminate();
      this.retired.add(done);
      void done.finally(() => this.retired.delete(done));
    }
    this.log.debug({ threads: all.length, idleMs: this.idleMs }, 'TFTP transfer threads ended (idle)');
  }

  /**
   * Hands a transfer to the least busy worker; its end arrives at hooks.onEnd.
   * Null when no worker is running (all died and could not be replaced).
   */
  run(spec: TransferSpec, file: PortableFile, hooks: TransferHooks): TransferHandle | null {
    const w = this.leastBusy();
    if (!w) return null;
    const id = this.nextId++;
    w.transfers.set(id, hooks);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const msg: ToWorker = { type: 'start', id, spec, file };
    w.worker.postMessage(msg, file.kind === 'handle' ? [file.handle] : []);
    return {
      abort: (reason, notify = true) => {
        if (w.transfers.has(id)) w.worker.postMessage({ type: 'abort', id, reason, notify } satisfies ToWorker);
      },
      stillRunning: () => this.check(w, id),
    };
  }

  /** Aborts every transfer (clients get ERROR 0) and ends the threads. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const all = this.workers;
    this.workers = [];
    const starting = [...this.starting];
    this.starting.clear();
    await Promise.all([...starting.map((w) => w.terminate()), ...this.retired]);
    await Promise.all(
      all.map(async (w) => {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, SHUTDOWN_TIMEOUT_MS);
          w.closed = () => (clearTimeout(t), resolve());
          w.worker.postMessage({ type: 'shutdown' } satisfies ToWorker);
        });
        await w.worker.terminate();
      }),
    );
  }

  private check(w: PoolWorker, id: number): Promise<boolean> {
    if (!w.transfers.has(id)) return Promise.resolve(false);
    const waiting = w.checks.get(id);
    return new Promise((resolve) => {
      const t = setTimeout(() => settle(true), CHECK_TIMEOUT_MS);
      const settle = (running: boolean): void => {
        clearTimeout(t);
        if (w.checks.get(id) === settle) w.checks.delete(id);
        waiting?.(running);
        resolve(running);
      };
      w.checks.set(id, settle);
      if (!waiting) w.worker.postMessage({ type: 'check', id } satisfies ToWorker);
    });
  }

  private leastBusy(): PoolWorker | undefined {
    let best: PoolWorker | undefined;
    for (const w of this.workers) if (!best || w.transfers.size < best.transfers.size) best = w;
    return best;
  }

  private spawn(): Promise<void> {
    const worker = new Worker(BOOT, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    const w: PoolWorker = { worker, transfers: new Map(), checks: new Map(), closed: null };
    this.starting.add(worker);
    return new Promise((resolve, reject) => {
      let ready = false;
      const giveUp = (why: Error): void => {
        clearTimeout(timer);
        this.starting.delete(worker);
        void worker.terminate();
        reject(why);
      };
      const timer = setTimeout(() => giveUp(new Error(`a TFTP transfer worker did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          // Too late (timed out) or not wanted any more (the pool stopped meanwhile): end it.
          if (!this.starting.delete(worker) || this.stopping) {
            clearTimeout(timer);
            void worker.terminate();
            resolve();
            return;
          }
          ready = true;
          clearTimeout(timer);
          this.workers.push(w);
          this.armIdle();
          resolve();
        } else this.onMessage(w, m);
      });
      worker.on('error', (e) => {
        if (!ready) {
          giveUp(new Error(`cannot start a TFTP transfer worker: ${e.message}`));
          return;
        }
        this.log.error({ err: e.message }, 'TFTP transfer worker failed');
      });
      worker.on('exit', (code) => {
        if (!ready) {
          giveUp(new Error(`a TFTP transfer worker exited (code ${code}) before it was ready`));
          return;
        }
        this.workers = this.workers.filter((x) => x !== w);
        if (w.retiring) return;
        const lost = [...w.transfers.values()];
        w.transfers.clear();
        for (const settle of [...w.checks.values()]) settle(false);
        for (const hooks of lost) hooks.onEnd({ result: 'error', detail: `transfer worker stopped (exit code ${code})`, bytes: 0 });
        if (this.stopping) return;
        this.log.warn({ code, lost: lost.length }, 'TFTP transfer worker stopped; starting a new one');
        this.spawn().catch((e: unknown) => this.log.error({ err: (e as Error).message }, 'cannot replace a TFTP transfer worker'));
      });
    });
  }

  private onMessage(w: PoolWorker, m: FromWorker): void {
    switch (m.type) {
      case 'end': {
        const hooks = w.transfers.get(m.id);
        if (!hooks) return;
        w.transfers.delete(m.id);
        hooks.onEnd(m.end);
        if (w.transfers.size === 0) this.armIdle();
        break;
      }
      case 'checked':
        w.checks.get(m.id)?.(m.running);
        break;
      case 'malformed':
        w.transfers.get(m.id)?.onMalformed({ address: m.address, port: m.port }, new Error(m.message));
        break;
      case 'closed':
        w.closed?.();
        break;
    }
  }
}
