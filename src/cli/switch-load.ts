/**
 * The switches' request queues for `piman status`: read from piman's own
 * /metrics (the piman_switch_* families, src/switch/switch-metrics.ts) when
 * `metrics.enabled`, since PIMAN-MIB has no columns for them yet. Parsing is
 * pure and bounded; a daemon without metrics simply shows no such table.
 */
import type { PimanConfig } from '../config/schema.js';
import { formatTable } from './table.js';

export interface SwitchLoadRow {
  readonly switch: string;
  inFlight: number;
  queued: number;
  retried: number;
  timedOut: number;
  answering: boolean;
}

const FIELDS: Readonly<Record<string, (r: SwitchLoadRow, v: number) => void>> = {
  piman_switch_requests_in_flight: (r, v) => (r.inFlight = v),
  piman_switch_requests_queued: (r, v) => (r.queued = v),
  piman_switch_retries_total: (r, v) => (r.retried = v),
  piman_switch_timeouts_total: (r, v) => (r.timedOut = v),
  piman_switch_answering: (r, v) => (r.answering = v !== 0),
};
const LINE = /^(piman_switch_[a-z_]+)\{switch="((?:[^"\\]|\\.){1,200})"\} (\d{1,15})$/;
const MAX_SWITCHES = 1000;

/** The piman_switch_* samples of a Prometheus text, one row per switch, in order of appearance. */
export function parseSwitchLoad(text: string): SwitchLoadRow[] {
  const rows = new Map<string, SwitchLoadRow>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('piman_switch_')) continue;
    const m = LINE.exec(line);
    const set = m ? FIELDS[m[1]!] : undefined;
    if (!m || !set) continue;
    const name = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    let r = rows.get(name);
    if (!r) {
      if (rows.size >= MAX_SWITCHES) continue;
      rows.set(name, (r = { switch: name, inFlight: 0, queued: 0, retried: 0, timedOut: 0, answering: true }));
    }
    set(r, Number(m[3]));
  }
  return [...rows.values()];
}

export function formatSwitchLoad(rows: readonly SwitchLoadRow[]): string {
  return formatTable(
    ['SWITCH', 'IN FLIGHT', 'QUEUED', 'RETRIED', 'TIMED OUT', 'ANSWERING'],
    rows.map((r) => [r.switch, String(r.inFlight), String(r.queued), String(r.retried), String(r.timedOut), r.answering ? 'yes' : 'no']),
  );
}

/** The rows from the running daemon's /metrics; null when metrics are off or it does not answer in 2 s. */
export async function fetchSwitchLoad(config: Pick<PimanConfig, 'metrics'>): Promise<SwitchLoadRow[] | null> {
  const { enabled, address, port } = config.metrics;
  if (!enabled) return null;
  const host = address === '0.0.0.0' ? '127.0.0.1' : address;
  try {
    const res = await fetch(`http://${host}:${port}/metrics`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return null;
    return parseSwitchLoad(await res.text());
  } catch {
    return null;
  }
}
