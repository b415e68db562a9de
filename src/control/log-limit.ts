/**
 * Rate limit for log lines a peer can trigger at will (unknown peers,
 * unknown lines): at most `max` per key per window, then one summary.
 */
export class LogLimiter {
  private readonly seen = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly max = 10,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** 'log' to log normally, 'last' for the final line of this window (say more are dropped), 'drop'. */
  check(key: string): 'log' | 'last' | 'drop' {
    const t = this.now();
    let e = this.seen.get(key);
    if (!e || t - e.start >= this.windowMs) {
      if (this.seen.size > 1000) this.seen.clear();
      e = { start: t, count: 0 };
      this.seen.set(key, e);
    }
    e.count++;
    if (e.count < this.max) return 'log';
    return e.count === this.max ? 'last' : 'drop';
  }
}
