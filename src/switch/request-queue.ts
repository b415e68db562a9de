/**
 * One switch's SNMP request queue: at most `maxInFlight` requests at the
 * switch at once, the rest wait in order (a cheap switch's management CPU
 * serves tens of requests per second and drops what floods it). A request
 * that times out is sent again after a growing pause; all attempts and
 * pauses together fit in the switch's `timeoutMs`, so "did not answer within
 * 5 s" stays true. Time spent waiting for a slot is not counted: a busy
 * queue is piman's doing, not the switch's. No sockets here.
 */
export interface SwitchStats {
  /** Requests at the switch now. */
  readonly inFlight: number;
  /** Requests waiting for a slot. */
  readonly queued: number;
  /** Requests sent (every attempt counts). */
  readonly requests: number;
  /** Attempts sent again after a timeout. */
  readonly retried: number;
  /** Attempts that timed out (those not retried are the requests that gave up). */
  readonly timedOut: number;
  /** False after a request gave up on a timeout, true again after the next answer. */
  readonly answering: boolean;
}

export interface RequestQueueOptions {
  readonly maxInFlight: number;
  /** Whole time for one request, all attempts and pauses. */
  readonly timeoutMs: number;
  /** Attempts after the first. */
  readonly retries: number;
  readonly isTimeout: (e: unknown) => boolean;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface AttemptPlan {
  /** Timeout of each attempt. */
  readonly attemptMs: number;
  /** Pause before attempt 2, 3, ...: a quarter of an attempt, doubling. */
  readonly pausesMs: readonly number[];
}

/** n attempts of t ms with pauses t/4, t/2, t, ... summing to timeoutMs. Pure. */
export function attemptPlan(timeoutMs: number, retries: number): AttemptPlan {
  const n = retries + 1;
  const pauseUnits = 0.25 * (2 ** (n - 1) - 1);
  const attemptMs = Math.max(50, Math.floor(timeoutMs / (n + pauseUnits)));
  const pausesMs = Array.from({ length: n - 1 }, (_, k) => Math.floor(attemptMs * 0.25 * 2 ** k));
  return { attemptMs, pausesMs };
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class RequestQueue {
  readonly plan: AttemptPlan;
  private readonly waiters: Array<() => void> = [];
  private inFlight = 0;
  private requests = 0;
  private retried = 0;
  private timedOut = 0;
  private answering = true;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: RequestQueueOptions) {
    if (!(Number.isInteger(o.maxInFlight) && o.maxInFlight >= 1)) throw new RangeError(`maxInFlight must be a whole number >= 1, not ${o.maxInFlight}`);
    this.plan = attemptPlan(o.timeoutMs, o.retries);
    this.sleep = o.sleep ?? defaultSleep;
  }

  stats(): SwitchStats {
    return { inFlight: this.inFlight, queued: this.waiters.length, requests: this.requests, retried: this.retried, timedOut: this.timedOut, answering: this.answering };
  }

  /** Runs `fn` holding one slot (waiting in order for it); the slot is freed however fn ends. */
  async slot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.o.maxInFlight) await new Promise<void>((r) => this.waiters.push(r));
    else this.inFlight++;
    try {
      return await fn();
    } finally {
      const next = this.waiters.shift();
      // The slot passes straight to the next waiter, so inFlight never dips and overshoots.
      if (next) next();
      else this.inFlight--;
    }
  }

  /**
   * Sends with the attempt plan (call inside slot()): a timeout is retried
   * after its pause; any other error, or the last timeout, is thrown.
   */
  async attempts<T>(send: () => Promise<T>): Promise<T> {
    const { pausesMs } = this.plan;
    for (let k = 0; ; k++) {
      this.requests++;
      try {
        const r = await send();
        this.answering = true;
        return r;
      } catch (e) {
        if (!this.o.isTimeout(e)) {
          // An error answer is still an answer.
          this.answering = true;
          throw e;
        }
        this.timedOut++;
        const pause = pausesMs[k];
        if (pause === undefined) {
          this.answering = false;
          throw e;
        }
        this.retried++;
        await this.sleep(pause);
      }
    }
  }

  /** slot() + attempts(): one request, queued and retried. */
  run<T>(send: () => Promise<T>): Promise<T> {
    return this.slot(() => this.attempts(send));
  }
}
