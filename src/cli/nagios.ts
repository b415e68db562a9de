/**
 * `piman monitoring --nagios`: one status line with performance data and the
 * Nagios plugin exit code (0 OK, 1 WARNING: a Pi over a threshold, 2
 * CRITICAL: a Pi unreachable, 3 UNKNOWN: nothing to check or piman could not
 * run). Perfdata are totals and maxima, so the line stays short for a rack
 * of hundreds of Pis. Pure.
 */
import type { Thresholds } from '../monitor/health.js';

export interface MonitoringRow {
  readonly switch: string;
  readonly port: number;
  readonly hostname: string;
  readonly ip: string;
  readonly cpu: number | null;
  readonly memory: number | null;
  readonly disk: number | null;
  readonly pids: number | null;
  readonly temp: number | null;
  readonly unreachable: boolean;
  readonly problems: readonly string[];
}

export const NAGIOS = { ok: 0, warning: 1, critical: 2, unknown: 3 } as const;

export interface NagiosReport {
  readonly line: string;
  readonly exitCode: number;
}

const NAMES_SHOWN = 5;

export function nagiosReport(rows: readonly MonitoringRow[], t: Thresholds): NagiosReport {
  if (rows.length === 0) return { line: 'PIMAN UNKNOWN - no Pi with an address in hosts.csv', exitCode: NAGIOS.unknown };
  const down = rows.filter((r) => r.unreachable);
  const over = rows.filter((r) => !r.unreachable && r.problems.length > 0);
  const who = (rs: readonly MonitoringRow[], what: (r: MonitoringRow) => string): string => {
    const shown = rs.slice(0, NAMES_SHOWN).map((r) => `${r.hostname || r.ip} ${what(r)}`);
    return shown.join(', ') + (rs.length > NAMES_SHOWN ? `, and ${rs.length - NAMES_SHOWN} more` : '');
  };
  let state: keyof typeof NAGIOS = 'ok';
  const parts: string[] = [];
  if (down.length > 0) {
    state = 'critical';
    parts.push(`${down.length} of ${rows.length} Pis unreachable: ${who(down, () => '')}`.replace(/ ,/g, ',').trimEnd());
  }
  if (over.length > 0) {
    if (state === 'ok') state = 'warning';
    parts.push(`${over.length} of ${rows.length} Pis over a threshold: ${who(over, (r) => `(${r.problems.join('; ')})`)}`);
  }
  if (parts.length === 0) parts.push(`${rows.length} Pis healthy`);
  const text = parts.join('; ').replace(/\|/g, '/');
  const max = (f: (r: MonitoringRow) => number | null): string => {
    const vs = rows.map(f).filter((v): v is number => v !== null);
    return vs.length ? String(Math.round(Math.max(...vs) * 10) / 10) : 'U';
  };
  const perf = [
    `pis=${rows.length};;;0`,
    `unreachable=${down.length};;1;0;${rows.length}`,
    `alerting=${over.length};1;;0;${rows.length}`,
    `cpu_max=${max((r) => r.cpu)}%;${t.cpuPercent};;0;100`,
    `memory_max=${max((r) => r.memory)}%;${t.memoryPercent};;0;100`,
    `disk_max=${max((r) => r.disk)}%;${t.diskPercent};;0;100`,
    `pids_max=${max((r) => r.pids)};${t.pids};;0`,
    `temp_max=${max((r) => r.temp)};${t.temp};;`,
  ];
  return { line: `PIMAN ${state.toUpperCase()} - ${text} | ${perf.join(' ')}`, exitCode: NAGIOS[state] };
}
