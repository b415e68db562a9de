/** The pimanHealthGroup columns of a port row, decoded for `piman status`. Pure. */
import type { VarbindValue } from 'net-snmp';
import { HEALTH_STATUSES, type HealthStatus } from '../monitor/health-board.js';
import { PORT_COL } from '../agent/oids.js';

export interface HealthRow {
  readonly status: HealthStatus;
  /** Latest sample; null while the status is unknown (no sample). */
  readonly cpuPercent: number | null;
  readonly memoryPercent: number | null;
  readonly diskPercent: number | null;
  readonly temperature: number | null;
  readonly processes: number | null;
}

export const HEALTH_READ_COLUMNS = [
  PORT_COL.pimanPortHealthStatus,
  PORT_COL.pimanPortCpuPercent,
  PORT_COL.pimanPortMemoryPercent,
  PORT_COL.pimanPortDiskPercent,
  PORT_COL.pimanPortTemperature,
  PORT_COL.pimanPortProcesses,
] as const;

/** null when the agent has no health columns (one older than them). */
export function decodeHealth(cells: ReadonlyMap<number, VarbindValue | undefined>): HealthRow | null {
  const raw = cells.get(PORT_COL.pimanPortHealthStatus);
  if (typeof raw !== 'number') return null;
  const status = HEALTH_STATUSES[raw - 1] ?? 'unknown';
  const sampled = status !== 'unknown';
  const tenth = (c: number): number | null => {
    const v = cells.get(c);
    return sampled && typeof v === 'number' ? v / 10 : null;
  };
  const procs = cells.get(PORT_COL.pimanPortProcesses);
  return {
    status,
    cpuPercent: tenth(PORT_COL.pimanPortCpuPercent),
    memoryPercent: tenth(PORT_COL.pimanPortMemoryPercent),
    diskPercent: tenth(PORT_COL.pimanPortDiskPercent),
    temperature: tenth(PORT_COL.pimanPortTemperature),
    processes: sampled && typeof procs === 'number' ? procs : null,
  };
}
