/**
 * Pure mapping from a port's HealthBoard entry to the pimanHealthGroup
 * columns: percentages, temperatures and alert values in tenths
 * (PimanTenths, shown as 93.4 by the net-snmp tools), statuses and metrics
 * as their enum numbers.
 */
import type { HealthCrossing } from '../cluster/types.js';
import type { PortHealth } from '../monitor/health-board.js';
import { HEALTH_METRIC, HEALTH_STATUS, PORT_COL, type HealthColumn } from './oids.js';
import { timeStamp, type MibValue } from './values.js';

const INT32_MAX = 0x7fffffff;

/** Tenths of `v`, rounded, within Integer32. */
export function tenths(v: number | null | undefined): number {
  if (v === null || v === undefined || !Number.isFinite(v)) return 0;
  return Math.max(-INT32_MAX - 1, Math.min(INT32_MAX, Math.round(v * 10)));
}

const percent = (v: number | undefined): number => Math.max(0, Math.min(1000, tenths(v)));

export function healthValue(col: HealthColumn, h: PortHealth, agentStart: number): MibValue {
  const s = h.sample;
  switch (col) {
    case PORT_COL.pimanPortHealthStatus:
      return { kind: 'int', value: HEALTH_STATUS[h.status] };
    case PORT_COL.pimanPortCpuPercent:
      return { kind: 'int', value: percent(s?.cpuPercent) };
    case PORT_COL.pimanPortMemoryPercent:
      return { kind: 'int', value: percent(s?.memoryPercent) };
    case PORT_COL.pimanPortDiskPercent:
      return { kind: 'int', value: percent(s?.diskPercent) };
    case PORT_COL.pimanPortTemperature:
      return { kind: 'int', value: tenths(s?.temp) };
    case PORT_COL.pimanPortProcesses:
      return { kind: 'gauge', value: s ? Math.min(0xffffffff, Math.max(0, Math.round(s.pids))) : 0 };
    case PORT_COL.pimanPortHealthTime:
      return { kind: 'ticks', value: h.sampledAt === null ? 0 : timeStamp(h.sampledAt, agentStart) };
    case PORT_COL.pimanPortHealthMetric:
      return { kind: 'int', value: h.last ? HEALTH_METRIC[h.last.crossing.metric] : HEALTH_METRIC.none };
    case PORT_COL.pimanPortHealthValue:
      return { kind: 'int', value: tenths(h.last?.crossing.value) };
    case PORT_COL.pimanPortHealthThreshold:
      return { kind: 'int', value: tenths(h.last?.crossing.threshold) };
  }
}

/** The three values a health notification carries, from the crossing itself (not the board, which may have moved on). */
export function crossingValues(c: HealthCrossing): { metric: number; value: number; threshold: number } {
  return { metric: HEALTH_METRIC[c.metric], value: tenths(c.value), threshold: tenths(c.threshold) };
}
