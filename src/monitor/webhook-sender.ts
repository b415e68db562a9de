/**
 * One webhook's delivery queue: notices are queued at once (push never
 * waits and never throws, so neither the poller nor the daemon waits on a
 * receiver), sent one at a time in order, retried with exponential backoff
 * after a timeout, a network error, a 5xx or a 429, and dropped after
 * `retries` (a 4xx other than 429 is not retried: the request is wrong). The
 * queue is bounded: when full, the oldest waiting notice is dropped.
 * Sockets and timers are injected (`post`, `timers`).
 */
import type { Timers } from '../agent/notify-queue.js';

export interface WebhookSenderOptions {
  /** The redacted URL, for logs. */
  readonly name: string;
  readonly maxQueued: number;
  readonly retries: number;
  readonly timeoutMs: number;
  /** First retry after this long, then twice as long each time, at most `maxBackoffMs`. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  /** Sends one body; resolves the HTTP status, rejects on a network error or timeout. */
  readonly post: (body: string, timeoutMs: number) => Promise<number>;
  readonly timers: Timers;
  /** Told about each delivery given up and each drop (already without secrets). */
  readonly warn: (fields: Record<string, unknown>, message: string) => void;
}

export interface WebhookStats {
  delivered: number;
  failed: number;
  dropped: number;
  retries: number;
}

interface Item {
  readonly body: string;
  attempts: number;
}

export class WebhookSender {
  readonly stats: WebhookStats = { delivered: 0, failed: 0, dropped: 0, retries: 0 };
  private readonly queue: Item[] = [];
  private sending = false;
  private timer: unknown = null;
  private closed = false;

  constructor(private readonly o: WebhookSenderOptions) {}

  get queued(): number {
    return this.queue.length;
  }

  push(body: string): void {
    if (this.closed) return;
    // The head may be in flight: drop the oldest one that is only waiting.
    if (this.queue.length >= this.o.maxQueued) {
      const at = this.sending || this.timer ? 1 : 0;
      if (at < this.queue.length) {
        this.queue.splice(at, 1);
        this.stats.dropped++;
        this.o.warn({ webhook: this.o.name, queued: this.queue.length }, 'webhook queue full: oldest notice dropped');
      } else {
        this.stats.dropped++;
        return;
      }
    }
    this.queue.push({ body, attempts: 0 });
    this.pump();
  }

  close(): void {
    this.closed = true;
    if (this.timer) this.o.timers.clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
  }

  private pump(): void {
    if (this.closed || this.sending || this.timer || this.queue.length === 0) return;
    const item = this.queue[0]!;
    this.sending = true;
    item.attempts++;
    let settled = false;
    const done = (status: number | null, err: string | null): void => {
      if (settled) return;
      settled = true;
      this.sending = false;
      if (this.closed) return;
      this.settle(item, status, err);
    };
    try {
      this.o.post(item.body, this.o.timeoutMs).then(
        (status) => done(status, null),
        (e: unknown) => done(null, e instanceof Error ? e.message : String(e)),
      );
    } catch (e) {
      done(null, e instanceof Error ? e.message : String(e));
    }
  }

  private settle(item: Item, status: number | null, err: string | null): void {
    if (status !== null && status >= 200 && status < 300) {
      this.stats.delivered++;
      this.queue.shift();
      this.pump();
      return;
    }
    const why = status !== null ? `HTTP ${status}` : (err ?? 'error');
    const retryable = status === null || status >= 500 || status === 429;
    if (!retryable || item.attempts > this.o.retries) {
      this.stats.failed++;
      this.queue.shift();
      this.o.warn({ webhook: this.o.name, attempts: item.attempts, reason: why }, 'webhook delivery given up');
      this.pump();
      return;
    }
    this.stats.retries++;
    const wait = Math.min(this.o.maxBackoffMs, this.o.backoffMs * 2 ** (item.attempts - 1));
    const h = this.o.timers.setTimeout(() => {
      this.timer = null;
      this.pump();
    }, wait);
    h.unref?.();
    this.timer = h;
  }
}
