/**
 * Waiting for the effect of a SET, by polling the port rows: the agent
 * answers a restart/reinstall SET as soon as the request is accepted, and
 * the power cycle runs afterwards. Pure logic over an injected reader/clock.
 */
import { portId, type PortKey } from '../cluster/types.js';
import type { PortRow } from './agent-client.js';

const POWERED: ReadonlySet<PortRow['state']> = new Set(['poweringOn', 'netbooting', 'installing', 'booting', 'up']);

export interface WaitIo {
  ports(keys: readonly PortKey[]): Promise<PortRow[]>;
  sleep(ms: number): Promise<void>;
  now(): number;
}

export type Outcome = { readonly key: PortKey; readonly ok: true; readonly row: PortRow } | { readonly key: PortKey; readonly ok: false; readonly row: PortRow | null; readonly error: string };

/**
 * What counts as "the operation on this port is over". `seen` holds the
 * states polled so far that were entered after the SET.
 */
export type EndTest = (row: PortRow, before: PortRow | undefined, since: number, seen: ReadonlySet<PortRow['state']>) => 'ok' | 'failed' | null;

/**
 * A restart/reinstall cycle ended: powered on again after the SET (poweringOn
 * is only entered by a power-on; a later boot state counts once the port was
 * seen off), or failed.
 */
export const cycleEnded: EndTest = (row, before, since, seen) => {
  if (row.lastChange >= since && (row.state === 'poweringOn' || (POWERED.has(row.state) && seen.has('off')))) return 'ok';
  if (row.state === 'failed' && (row.lastChange >= since || !before || before.state !== 'failed' || before.lastError !== row.lastError)) return 'failed';
  return null;
};

/** A power on/off took effect, or failed. */
export function powerEnded(target: 'on' | 'off'): EndTest {
  return (row, before, since) => {
    if (row.state === 'failed' && (row.lastChange >= since || !before || before.lastError !== row.lastError)) return 'failed';
    if (row.power === target && (row.lastChange >= since || before?.power === target)) return 'ok';
    return null;
  };
}

export async function waitFor(
  io: WaitIo,
  keys: readonly PortKey[],
  before: readonly PortRow[],
  since: number,
  end: EndTest,
  opts: { timeoutMs: number; pollMs: number },
): Promise<Outcome[]> {
  const beforeById = new Map(before.map((r) => [portId(r), r]));
  const done = new Map<string, Outcome>();
  const deadline = io.now() + opts.timeoutMs;
  let last = new Map<string, PortRow>();
  const seen = new Map<string, Set<PortRow['state']>>(keys.map((k) => [portId(k), new Set()]));
  for (;;) {
    const open = keys.filter((k) => !done.has(portId(k)));
    if (open.length === 0) break;
    const rows = await io.ports(open);
    last = new Map(rows.map((r) => [portId(r), r]));
    for (const k of open) {
      const row = last.get(portId(k));
      if (!row) continue;
      const states = seen.get(portId(k))!;
      if (row.lastChange >= since) states.add(row.state);
      const r = end(row, beforeById.get(portId(k)), since, states);
      if (r === 'ok') done.set(portId(k), { key: k, ok: true, row });
      else if (r === 'failed') done.set(portId(k), { key: k, ok: false, row, error: row.lastError || 'failed' });
    }
    if (done.size === keys.length || io.now() >= deadline) break;
    await io.sleep(opts.pollMs);
  }
  return keys.map((k) => {
    const d = done.get(portId(k));
    if (d) return d;
    const row = last.get(portId(k)) ?? null;
    const error =
      row?.state === 'failed' && row.lastError
        ? row.lastError
        : `no sign of the power operation finishing within ${Math.round(opts.timeoutMs / 1000)} s (state ${row?.state ?? 'unknown'})`;
    return { key: k, ok: false, row, error };
  });
}

/** Longest a cycle may take: off and on, each with the switch's timeout and retries, the off time and the stagger. */
export function cycleTimeoutMs(cfg: {
  switches: readonly { timeoutMs: number; retries: number }[];
  power: { offSeconds: number; staggerSeconds: number };
}, ports: number): number {
  const sw = Math.max(...cfg.switches.map((s) => s.timeoutMs * (s.retries + 1)), 0);
  return 2 * sw + cfg.power.offSeconds * 1000 + cfg.power.staggerSeconds * 1000 * Math.max(0, ports - 1) + 5000;
}
