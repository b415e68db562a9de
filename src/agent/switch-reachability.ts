/**
 * pimanSwitchReachable: a light periodic probe (one GET of port 1's power)
 * per switch, and the switch's request queue, which sees every request:
 * a switch is reachable while its last probe answered and no request has
 * given up on a timeout since its last answer.
 */
import type { PoeSwitch } from '../switch/types.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';

export class SwitchReachability {
  private readonly reachable = new Map<number, boolean>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly switches: ReadonlyMap<number, PoeSwitch>,
    private readonly log: Logger,
    /** Told when a probe finds a switch stopped answering, or answering again. */
    private readonly onChange: (index: number, reachable: boolean, reason: string) => void = () => undefined,
  ) {}

  isReachable(index: number): boolean {
    return this.probedReachable(index) && (this.switches.get(index)?.stats?.().answering ?? true);
  }

  private probedReachable(index: number): boolean {
    return this.reachable.get(index) ?? true;
  }

  /** Probes now and then every `intervalMs` (0: never). */
  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    void this.probe();
    this.timer = setInterval(() => void this.probe(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async probe(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await Promise.all(
        [...this.switches].map(async ([index, sw]) => {
          let ok = true;
          try {
            await sw.getPower(1);
          } catch (e) {
            ok = false;
            if (this.probedReachable(index)) {
              this.log.warn({ switch: sw.name, err: describeError(e) }, 'switch does not answer');
              this.reachable.set(index, false);
              this.onChange(index, false, describeError(e));
            }
          }
          if (ok && !this.probedReachable(index)) {
            this.log.info({ switch: sw.name }, 'switch answers again');
            this.reachable.set(index, true);
            this.onChange(index, true, '');
          }
        }),
      );
    } finally {
      this.running = false;
    }
  }
}
