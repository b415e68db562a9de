/**
 * The simulated switch's management CPU: one request served at a time, each
 * taking 1/rate s, with a small receive backlog; what arrives while the
 * backlog is full is dropped, as a cheap switch's SNMP agent does when
 * flooded. Counts what a test needs to prove a client polite: the peak
 * number of requests the switch held at once (waiting or in service).
 * rate 0 = no limit (served at once, nothing dropped).
 */
export interface RateGateOptions {
  /** Requests per second the agent serves; 0 = unlimited. */
  readonly ratePerSecond: number;
  /** Requests held at once (in service + waiting); more are dropped. Default 8. */
  readonly backlog?: number;
}

export interface SwitchLoad {
  readonly received: number;
  readonly served: number;
  readonly dropped: number;
  /** Requests held now (waiting or in service). */
  readonly inFlight: number;
  /** The most requests held at once since start. */
  readonly peakInFlight: number;
}

export const DEFAULT_SIM_BACKLOG = 8;

export class RateGate {
  private readonly waiting: Array<() => void> = [];
  private busy = false;
  private timer: NodeJS.Timeout | null = null;
  private received = 0;
  private served = 0;
  private dropped = 0;
  private peak = 0;
  private serviceMs = 0;
  private readonly backlog: number;
  private down = false;

  constructor(o: RateGateOptions) {
    this.setRate(o.ratePerSecond);
    this.backlog = Math.max(1, o.backlog ?? DEFAULT_SIM_BACKLOG);
  }

  /** Changes the service rate from the next request on (tests make a switch slow mid-run). */
  setRate(ratePerSecond: number): void {
    if (!(ratePerSecond >= 0)) throw new RangeError(`rate must be >= 0, not ${ratePerSecond}`);
    this.serviceMs = ratePerSecond > 0 ? 1000 / ratePerSecond : 0;
  }

  /** A down agent drops every request (what is held is still served). */
  setDown(down: boolean): void {
    this.down = down;
  }

  /** A request arrived; `serve` runs when the agent gets to it (never, if dropped). */
  offer(serve: () => void): void {
    this.received++;
    if (this.down) {
      this.dropped++;
      return;
    }
    if (this.serviceMs === 0 && !this.busy) {
      this.served++;
      this.peak = Math.max(this.peak, 1);
      serve();
      return;
    }
    if (this.held() >= this.backlog) {
      this.dropped++;
      return;
    }
    this.waiting.push(serve);
    this.peak = Math.max(this.peak, this.held());
    if (!this.busy) this.next();
  }

  load(): SwitchLoad {
    return { received: this.received, served: this.served, dropped: this.dropped, inFlight: this.held(), peakInFlight: this.peak };
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.waiting.length = 0;
    this.busy = false;
  }

  private held(): number {
    return this.waiting.length + (this.busy ? 1 : 0);
  }

  private next(): void {
    const job = this.waiting.shift();
    if (!job) {
      this.busy = false;
      return;
    }
    this.busy = true;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.served++;
      try {
        job();
      } finally {
        this.next();
      }
    }, this.serviceMs);
  }
}
