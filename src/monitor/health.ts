/**
 * The Pi health sample served at GET /event/ (the old monitoring agent's
 * shape) and the threshold check. Pure: JSON in, sample and alerts out.
 */
import { DecodeError } from '../errors.js';

export interface HealthSample {
  readonly cpuPercent: number;
  readonly memoryPercent: number;
  readonly diskPercent: number;
  readonly pids: number;
  /** Degrees Celsius; null when the Pi reports none. */
  readonly temp: number | null;
}

export interface Thresholds {
  readonly cpuPercent: number;
  readonly memoryPercent: number;
  readonly diskPercent: number;
  readonly pids: number;
  readonly temp: number;
}

const FIELDS = [
  ['cpu_percent', 'cpuPercent'],
  ['memory_percent', 'memoryPercent'],
  ['disk_percent', 'diskPercent'],
  ['num_pids', 'pids'],
] as const;

export function parseHealth(body: string): HealthSample {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new DecodeError('health sample', 'body is not JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new DecodeError('health sample', 'body is not a JSON object');
  const o = raw as Record<string, unknown>;
  const out: Record<string, number | null> = {};
  for (const [wire, name] of FIELDS) {
    const v = o[wire];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new DecodeError('health sample', `${wire} must be a non-negative number`);
    out[name] = v;
  }
  const t = o.temp;
  out.temp = typeof t === 'number' && Number.isFinite(t) ? t : null;
  return out as unknown as HealthSample;
}

/** One line per threshold the sample exceeds, e.g. `cpu 93.0 % > 50 %`. */
export function checkThresholds(s: HealthSample, t: Thresholds): string[] {
  const alerts: string[] = [];
  if (s.cpuPercent > t.cpuPercent) alerts.push(`cpu ${s.cpuPercent.toFixed(1)} % > ${t.cpuPercent} %`);
  if (s.memoryPercent > t.memoryPercent) alerts.push(`memory ${s.memoryPercent.toFixed(1)} % > ${t.memoryPercent} %`);
  if (s.diskPercent > t.diskPercent) alerts.push(`disk ${s.diskPercent.toFixed(1)} % > ${t.diskPercent} %`);
  if (s.pids > t.pids) alerts.push(`pids ${s.pids} > ${t.pids}`);
  if (s.temp !== null && s.temp > t.temp) alerts.push(`temp ${s.temp.toFixed(1)} C > ${t.temp} C`);
  return alerts;
}
