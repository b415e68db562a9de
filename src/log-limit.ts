/**
 * Log rate limiting: at most `burst` messages per `windowMs` per key; the
 * next message after a quiet period reports how many were suppressed.
 */
export class LogLimiter {
  private readonly windows = new Map<string, { start: number; count: number; suppressed: number }>();

  constructor(
    private readonly burst: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Returns null when this message must be dropped, else the number dropped since the last one let through. */
  allow(key: string): number | null {
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || t - w.start >= this.windowMs) {
      const suppressed = w?.suppressed ?? 0;
      w = { start: t, count: 1, suppressed: 0 };
      this.windows.set(key, w);
      if (this.windows.size > 1000) this.prune(t);
      return suppressed;
    }
    if (w.count < this.burst) {
      w.count++;
      return 0;
    }
    w.suppressed++;
    return null;
  }

  private prune(t: number): void {
    for (const [k, w] of this.windows) if (t - w.start >= this.windowMs && w.suppressed === 0) this.windows.delete(k);
  }
}
