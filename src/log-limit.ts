/**
 * Log rate limiting, shared by every part: at most `burst` lines per key
 * per `windowMs`, and at most `globalBurst` lines per window across all
 * keys, so a flood from spoofed sources (a new key per packet) cannot fill
 * the journal. The next line of a key reports how many of its lines were
 * dropped; lines dropped over the global budget are also reported once, to
 * `onSummary`, at the first call of the next window.
 *
 * The key table is bounded (`maxKeys`): past it, the key whose window
 * started longest ago is forgotten (its untold count with it). Every call
 * is O(1): a Map keeps keys in the order their windows started.
 */
export interface LogLimiterOptions {
  /** Lines let through per window across all keys (default: 5 x burst). */
  readonly globalBurst?: number;
  /** Keys remembered at most (default 1024). */
  readonly maxKeys?: number;
  /** Told how many lines the global budget dropped in the windows before this one. */
  readonly onSummary?: (dropped: number) => void;
}

interface KeyWindow {
  start: number;
  count: number;
  suppressed: number;
}

export class LogLimiter {
  private readonly windows = new Map<string, KeyWindow>();
  private readonly globalBurst: number;
  private readonly maxKeys: number;
  private globalStart = -Infinity;
  private globalCount = 0;
  private globalDropped = 0;

  constructor(
    private readonly burst: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly opts: LogLimiterOptions = {},
  ) {
    this.globalBurst = opts.globalBurst ?? burst * 5;
    this.maxKeys = Math.max(1, opts.maxKeys ?? 1024);
  }

  /** Keys remembered now (at most maxKeys). */
  get size(): number {
    return this.windows.size;
  }

  /** Returns null when this message must be dropped, else the number of this key's lines dropped since its last one let through. */
  allow(key: string): number | null {
    const t = this.now();
    if (t - this.globalStart >= this.windowMs) {
      const dropped = this.globalDropped;
      this.globalStart = t;
      this.globalCount = 0;
      this.globalDropped = 0;
      if (dropped > 0) this.opts.onSummary?.(dropped);
    }
    let w = this.windows.get(key);
    if (!w) {
      w = { start: t, count: 0, suppressed: 0 };
      this.windows.set(key, w);
      if (this.windows.size > this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
    } else if (t - w.start >= this.windowMs) {
      w.start = t;
      w.count = 0;
      // Re-inserted: the Map's order stays the order in which windows started.
      this.windows.delete(key);
      this.windows.set(key, w);
    }
    if (w.count >= this.burst) {
      w.suppressed++;
      return null;
    }
    if (this.globalCount >= this.globalBurst) {
      w.suppressed++;
      this.globalDropped++;
      return null;
    }
    w.count++;
    this.globalCount++;
    const suppressed = w.suppressed;
    w.suppressed = 0;
    return suppressed;
  }
}
