/**
 * Per-port pacing of notifications: at most one per port per `gapMs`. While a
 * port waits, a newer notification of the same kind replaces the older one
 * (the receiver gets the latest state, never a stale burst); kinds are sent
 * in the order they first queued. Pure timing logic with injected timers.
 */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): { unref?: () => void };
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

interface PortQueue<T> {
  lastSent: number;
  pending: Map<string, T>;
  timer: unknown;
}

export class NotifyQueue<T> {
  private readonly ports = new Map<string, PortQueue<T>>();
  private closed = false;

  constructor(
    private readonly gapMs: number,
    private readonly send: (item: T) => void,
    private readonly timers: Timers = realTimers,
  ) {}

  push(portKey: string, kind: string, item: T): void {
    if (this.closed) return;
    let q = this.ports.get(portKey);
    if (!q) {
      q = { lastSent: -Infinity, pending: new Map(), timer: null };
      this.ports.set(portKey, q);
    }
    q.pending.set(kind, item);
    this.pump(portKey, q);
  }

  close(): void {
    this.closed = true;
    for (const q of this.ports.values()) if (q.timer) this.timers.clearTimeout(q.timer);
    this.ports.clear();
  }

  private pump(portKey: string, q: PortQueue<T>): void {
    if (q.timer || q.pending.size === 0) return;
    const wait = q.lastSent + this.gapMs - this.timers.now();
    if (wait > 0) {
      const h = this.timers.setTimeout(() => {
        q.timer = null;
        this.pump(portKey, q);
      }, wait);
      h.unref?.();
      q.timer = h;
      return;
    }
    const [kind, item] = q.pending.entries().next().value as [string, T];
    q.pending.delete(kind);
    q.lastSent = this.timers.now();
    this.send(item);
    this.pump(portKey, q);
  }
}
