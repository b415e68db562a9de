/**
 * Self-healing boots, pure: which ports are stuck on their way up and are
 * due for another power cycle, or out of attempts. No clocks, no I/O: the
 * caller (src/switch/retry-runner.ts) supplies `now`, runs the decisions
 * through the boot machine and does the power cycles.
 */
import type { PortKey, PortState } from './types.js';

/** The states a boot passes through; a port stuck in one is retried. */
export const RETRY_STATES = ['poweringOn', 'netbooting', 'installing', 'booting'] as const;
export type RetryState = (typeof RETRY_STATES)[number];

export interface RetryPolicy {
  /** Power cycles piman makes itself before the port is `failed`; 0 = self-healing off. */
  readonly attempts: number;
  /** Time allowed in each state (installing: without progress) before a retry. */
  readonly timeoutMs: Readonly<Record<RetryState, number>>;
  /** Extra wait before the 2nd retry; multiplied by backoffFactor for each further one. */
  readonly backoffMs: number;
  readonly backoffFactor: number;
  readonly maxBackoffMs: number;
}

export type RetryDecision =
  | { readonly type: 'none' }
  | { readonly type: 'retry'; readonly attempt: number; readonly reason: string }
  | { readonly type: 'giveUp'; readonly reason: string };

type Judged = Pick<PortState, 'state' | 'lastChange' | 'lastProgress' | 'bootAttempts' | 'power'>;

const NONE: RetryDecision = { type: 'none' };

function isRetryState(s: string): s is RetryState {
  return (RETRY_STATES as readonly string[]).includes(s);
}

/** Wait added after `attempts` retries already made: none before the first, then backoff × factor^(n-1), capped. */
export function backoffMs(attempts: number, p: RetryPolicy): number {
  if (attempts <= 0) return 0;
  return Math.min(p.maxBackoffMs, p.backoffMs * p.backoffFactor ** (attempts - 1));
}

export function planRetry(port: Judged, now: number, p: RetryPolicy): RetryDecision {
  // A port an operator switched off is off; nothing here ever powers it on.
  if (p.attempts <= 0 || port.power === 'off' || !isRetryState(port.state)) return NONE;
  // An install may be long but must move; every other state must be left in time.
  const since = port.state === 'installing' ? port.lastProgress : port.lastChange;
  const limit = p.timeoutMs[port.state];
  const stuck = now - since;
  if (stuck < limit) return NONE;
  const what = `${port.state} for ${Math.round(stuck / 1000)} s${port.state === 'installing' ? ' without progress' : ''} (limit ${Math.round(limit / 1000)} s)`;
  const attempts = port.bootAttempts ?? 0;
  if (stuck < limit + backoffMs(attempts, p)) return NONE;
  if (attempts >= p.attempts) return { type: 'giveUp', reason: `gave up after ${attempts} retries: ${what}` };
  return { type: 'retry', attempt: attempts + 1, reason: `retry ${attempts + 1} of ${p.attempts}: ${what}` };
}

export interface DuePort {
  readonly key: PortKey;
  readonly decision: Exclude<RetryDecision, { type: 'none' }>;
}

/**
 * Every port due for a retry or out of attempts, the longest-stuck first
 * (the power controller staggers the cycles in this order). Ports whose
 * power operation runs are skipped: that cycle is the retry.
 */
export function planRetries(
  ports: Iterable<{ readonly key: PortKey; readonly st: Judged }>,
  now: number,
  p: RetryPolicy,
  busy: (k: PortKey) => boolean,
): DuePort[] {
  const due: Array<DuePort & { since: number }> = [];
  for (const { key, st } of ports) {
    const decision = planRetry(st, now, p);
    if (decision.type === 'none' || busy(key)) continue;
    due.push({ key, decision, since: st.lastChange });
  }
  due.sort((a, b) => a.since - b.since);
  return due.map(({ key, decision }) => ({ key, decision }));
}
