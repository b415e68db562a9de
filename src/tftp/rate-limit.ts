/**
 * Per-key log rate limit: at most `max` messages per `windowMs`, so a flood
 * of bad packets cannot flood the log. Counts what it suppressed.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number; suppressed: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  allow(key: string): boolean {
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || t - w.start >= this.windowMs) {
      w = { start: t, count: 0, suppressed: w?.suppressed ?? 0 };
      this.windows.set(key, w);
    }
    if (w.count < this.max) {
      w.count++;
      return true;
    }
    w.suppressed++;
    return false;
  }

  /** Messages suppressed for `key` since the process started. */
  suppressed(key: string): number {
    return this.windows.get(key)?.suppressed ?? 0;
  }
}
