/** Lets at most `perWindow` log lines per key through in each window, then counts the rest. */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; n: number; suppressed: number }>();
  constructor(
    private readonly perWindow = 5,
    private readonly windowMs = 60_000,
  ) {}

  /** `ok`: log now; `suppressed`: how many were dropped in the previous window (report it once). */
  take(key: string, now: number): { ok: boolean; suppressed: number } {
    let w = this.windows.get(key);
    let suppressed = 0;
    if (!w || now - w.start >= this.windowMs) {
      suppressed = w?.suppressed ?? 0;
      w = { start: now, n: 0, suppressed: 0 };
      this.windows.set(key, w);
      if (this.windows.size > 64) this.windows.delete(this.windows.keys().next().value!);
    }
    if (w.n < this.perWindow) {
      w.n++;
      return { ok: true, suppressed };
    }
    w.suppressed++;
    return { ok: false, suppressed };
  }
}
