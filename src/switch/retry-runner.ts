/**
 * Carries out the self-healing decisions of src/cluster/boot-retry.ts: on
 * each tick, a stuck port is power-cycled again (through the power
 * controller, whose power-ons are staggered across every caller, so retries
 * never start together) or, out of attempts, failed. No timer of its own:
 * the daemon ticks it.
 */
import { planRetries, RETRY_STATES, type RetryPolicy } from '../cluster/boot-retry.js';
import type { BootEvents, PortLookup, PortsWhere } from '../cluster/ports.js';
import type { PortKey } from '../cluster/types.js';
import { describeError } from '../errors.js';
import type { PowerController } from './power.js';

/** The cluster as the retry runner sees it: the ports in a retryable state, retries and give-ups as events. */
export type RetryCluster = PortsWhere & PortLookup & BootEvents;

const RETRYABLE: ReadonlySet<string> = new Set(RETRY_STATES);

export interface RetryRunnerOptions {
  readonly cluster: RetryCluster;
  readonly power: Pick<PowerController, 'cycle' | 'isBusy'>;
  readonly policy: RetryPolicy;
  readonly log: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
  /**
   * Least time between the starts of two retries (boot.retry.staggerSeconds), so Pis
   * retried together reach DHCP one at a time: a Pi 3 boot ROM takes any OFFER it sees.
   */
  readonly staggerMs?: number;
  readonly now?: () => number;
  /** Where a retry waits for its slot (tests pass their own). */
  readonly setTimer?: (fn: () => void, ms: number) => NodeJS.Timeout;
}

export class RetryRunner {
  private readonly now: () => number;
  /** Retries decided and waiting for their slot, by port id. */
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly setTimer: (fn: () => void, ms: number) => NodeJS.Timeout;
  /** Earliest start of the next retry. */
  private nextSlot = 0;
  /** Time spent in a state before this start is not counted: piman did not watch the Pi then. */
  private readonly startedAt: number;

  constructor(private readonly o: RetryRunnerOptions) {
    this.now = o.now ?? Date.now;
    this.setTimer = o.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.startedAt = this.now();
  }

  get policy(): RetryPolicy {
    return this.o.policy;
  }

  /** Decides for every port and starts the due power cycles; returns the keys it retried. */
  tick(): PortKey[] {
    const { cluster, power, policy, log } = this.o;
    const since = (t: number): number => Math.max(t, this.startedAt);
    // Only ports in a boot state can be due (planRetry); building every port's view and state each second made ~400 KB of garbage at 1,000 ports.
    const ports = cluster.portsWhere((st) => RETRYABLE.has(st.state)).map((p) => ({
      key: { switchIndex: p.switchIndex, port: p.port },
      // A port restored in a boot state may hold a Pi that runs unseen: it gets a full state time, not a power cycle at start.
      st: { state: p.state, power: p.power, bootAttempts: p.bootAttempts, lastChange: since(p.lastChange), lastProgress: since(p.lastProgress) },
    }));
    const retried: PortKey[] = [];
    const now = this.now();
    const waiting = (k: PortKey): boolean => power.isBusy(k) || this.pending.has(`${k.switchIndex}.${k.port}`);
    for (const { key, decision } of planRetries(ports, now, policy, waiting)) {
      const name = `${cluster.port(key)?.switchName ?? key.switchIndex}:${key.port}`;
      if (decision.type === 'giveUp') {
        cluster.apply(key, { type: 'giveUp', reason: decision.reason });
        log.warn({ port: name, code: 'E_BOOT_FAILED', reason: decision.reason }, 'boot failed for good');
        continue;
      }
      cluster.apply(key, { type: 'retry', attempt: decision.attempt, reason: decision.reason });
      log.info({ port: name, attempt: decision.attempt, of: policy.attempts, reason: decision.reason }, 'boot retry: power-cycling the port');
      retried.push(key);
      const id = `${key.switchIndex}.${key.port}`;
      const start = Math.max(now, this.nextSlot);
      this.nextSlot = start + (this.o.staggerMs ?? 0);
      const t = this.setTimer(() => {
        this.pending.delete(id);
        // A switch error fails the port with the switch's message (the power controller applies it).
        power.cycle([key], { retry: true }).catch((e: unknown) => log.warn({ port: name, err: describeError(e) }, 'boot retry: power cycle failed'));
      }, start - now);
      this.pending.set(id, t);
    }
    return retried;
  }

  /** Drops retries still waiting for their slot (the daemon stops). */
  stop(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }
}

/** The policy from the `boot.retry` settings (seconds) in milliseconds. */
export function retryPolicyFrom(r: {
  attempts: number;
  timeoutSeconds: { poweringOn: number; netbooting: number; installing: number; booting: number };
  backoffSeconds: number;
  backoffFactor: number;
  maxBackoffSeconds: number;
}): RetryPolicy {
  const t = r.timeoutSeconds;
  return {
    attempts: r.attempts,
    timeoutMs: { poweringOn: t.poweringOn * 1000, netbooting: t.netbooting * 1000, installing: t.installing * 1000, booting: t.booting * 1000 },
    backoffMs: r.backoffSeconds * 1000,
    backoffFactor: r.backoffFactor,
    maxBackoffMs: r.maxBackoffSeconds * 1000,
  };
}
