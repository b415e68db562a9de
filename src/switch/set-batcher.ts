/**
 * Power changes waiting for a switch slot share one SET PDU (up to
 * `maxVarbinds` ports; SNMP applies a SET all or nothing). When such a SET
 * is refused, each of its ports is sent again alone, so every port gets its
 * own answer (no such port, read-only view, ...); `tooBig` also halves the
 * PDU size for the rest of the run. A port appears at most once per PDU.
 * No sockets here: `send` does the SNMP.
 */
import type { RequestQueue } from './request-queue.js';
import type { PortPower } from './types.js';

export interface PowerChange {
  readonly port: number;
  readonly power: PortPower;
}

interface Pending extends PowerChange {
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
  /** Sent alone (its shared SET was refused). */
  readonly solo: boolean;
}

export interface SetBatcherOptions {
  readonly queue: RequestQueue;
  readonly maxVarbinds: number;
  /** One SET PDU with these changes. */
  send(changes: readonly PowerChange[]): Promise<void>;
  isTimeout(e: unknown): boolean;
  /** The switch said the PDU is too big. */
  tooBig(e: unknown): boolean;
  /** The error a failed one-port SET is reported with (may ask the switch again). */
  single(change: PowerChange, e: unknown): Promise<Error>;
}

type Outcome = { ok: true } | { ok: false; error: unknown; batch: Pending[] };

export class SetBatcher {
  private readonly pending: Pending[] = [];
  /** Slot jobs queued that have not taken their changes yet. */
  private jobsWaiting = 0;
  private maxVarbinds: number;

  constructor(private readonly o: SetBatcherOptions) {
    this.maxVarbinds = Math.max(1, o.maxVarbinds);
  }

  set(change: PowerChange): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ ...change, resolve, reject, solo: false });
      this.scheduleEnough();
    });
  }

  /** Enough slot jobs queued to carry every pending change. */
  private scheduleEnough(): void {
    while (this.jobsWaiting * this.maxVarbinds < this.pending.length) this.schedule();
  }

  private schedule(): void {
    this.jobsWaiting++;
    void this.o.queue
      .slot(async (): Promise<Outcome> => {
        this.jobsWaiting--;
        const batch = this.take();
        if (batch.length === 0) return { ok: true };
        try {
          await this.o.queue.attempts(() => this.o.send(batch.map(({ port, power }) => ({ port, power }))));
        } catch (error) {
          return { ok: false, error, batch };
        }
        for (const c of batch) c.resolve();
        return { ok: true };
      })
      // Outside the slot: reporting may ask the switch again (and need a slot).
      .then((r) => (r.ok ? undefined : this.failed(r.batch, r.error)))
      .catch(() => undefined);
  }

  /** The next PDU's changes: pending ones in order, distinct ports, a solo change alone. */
  private take(): Pending[] {
    const batch: Pending[] = [];
    const ports = new Set<number>();
    while (batch.length < this.maxVarbinds) {
      const c = this.pending[0];
      if (!c || ports.has(c.port) || (c.solo && batch.length > 0)) break;
      this.pending.shift();
      batch.push(c);
      ports.add(c.port);
      if (c.solo) break;
    }
    if (this.pending.length > 0) this.scheduleEnough();
    return batch;
  }

  private async failed(batch: Pending[], error: unknown): Promise<void> {
    const only = batch[0];
    if (batch.length === 1 && only) {
      only.reject(await this.o.single(only, error).catch((e: unknown) => e));
      return;
    }
    if (this.o.isTimeout(error)) {
      // Every attempt timed out: the switch is not answering; each port says so.
      for (const c of batch) c.reject(await this.o.single(c, error).catch((e: unknown) => e));
      return;
    }
    if (this.o.tooBig(error)) this.maxVarbinds = Math.max(1, Math.floor(batch.length / 2));
    this.pending.unshift(...batch.map((c) => ({ ...c, solo: true })));
    this.scheduleEnough();
  }
}
