/**
 * The switches' request queues for `piman status`, read from the agent's
 * pimanSwitchTable (the same counters /metrics shows as piman_switch_*,
 * src/switch/switch-metrics.ts). Decoding and rendering are pure.
 */
import type { VarbindValue } from 'net-snmp';
import { SWITCH_COL, TRUE } from '../agent/oids.js';
import { formatTable } from './table.js';

export interface SwitchLoadRow {
  readonly switch: string;
  readonly inFlight: number;
  readonly queued: number;
  readonly requests: number;
  readonly retried: number;
  readonly timedOut: number;
  readonly reachable: boolean;
}

/** Columns the CLI reads. */
export const SWITCH_READ_COLUMNS: readonly number[] = [
  SWITCH_COL.pimanSwitchName,
  SWITCH_COL.pimanSwitchReachable,
  SWITCH_COL.pimanSwitchRequestsInFlight,
  SWITCH_COL.pimanSwitchRequestsQueued,
  SWITCH_COL.pimanSwitchRequests,
  SWITCH_COL.pimanSwitchRetries,
  SWITCH_COL.pimanSwitchTimeouts,
];

export function decodeSwitchRow(index: number, cells: ReadonlyMap<number, VarbindValue | undefined>): SwitchLoadRow {
  const num = (c: number): number => {
    const v = cells.get(c);
    const n = typeof v === 'number' ? v : Number(v ?? 0);
    return Number.isFinite(n) && n > 0 ? n : 0;
  };
  const name = cells.get(SWITCH_COL.pimanSwitchName);
  const text = Buffer.isBuffer(name) ? name.toString('utf8') : typeof name === 'string' ? name : '';
  return {
    switch: text || `#${index}`,
    inFlight: num(SWITCH_COL.pimanSwitchRequestsInFlight),
    queued: num(SWITCH_COL.pimanSwitchRequestsQueued),
    requests: num(SWITCH_COL.pimanSwitchRequests),
    retried: num(SWITCH_COL.pimanSwitchRetries),
    timedOut: num(SWITCH_COL.pimanSwitchTimeouts),
    // An agent without the column (older piman) is not evidence of an unreachable switch.
    reachable: !cells.has(SWITCH_COL.pimanSwitchReachable) || num(SWITCH_COL.pimanSwitchReachable) === TRUE,
  };
}

export function formatSwitchLoad(rows: readonly SwitchLoadRow[]): string {
  return formatTable(
    ['SWITCH', 'IN FLIGHT', 'QUEUED', 'REQUESTS', 'RETRIED', 'TIMED OUT', 'REACHABLE'],
    rows.map((r) => [r.switch, String(r.inFlight), String(r.queued), String(r.requests), String(r.retried), String(r.timedOut), r.reachable ? 'yes' : 'no']),
  );
}
