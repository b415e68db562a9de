/**
 * The Pi health sample served at GET /event/ (the old monitoring agent's
 * shape) and the threshold check. Pure: JSON in, sample and alerts out.
 */
import { DecodeError } from '../errors.js';
import type { HealthCrossing, HealthMetric } from '../cluster/types.js';

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

/** Every metric of the sample over its threshold, in HEALTH_METRICS order. */
export function crossings(s: HealthSample, t: Thresholds): HealthCrossing[] {
  const out: HealthCrossing[] = [];
  const over = (metric: HealthMetric, value: number | null, threshold: number): void => {
    if (value !== null && value > threshold) out.push({ metric, value, threshold });
  };
  over('cpu', s.cpuPercent, t.cpuPercent);
  over('memory', s.memoryPercent, t.memoryPercent);
  over('disk', s.diskPercent, t.diskPercent);
  over('processes', s.pids, t.pids);
  over('temperature', s.temp, t.temp);
  return out;
}

/** The value of `metric` in the sample (null: the Pi reports no temperature). */
export function metricValue(s: HealthSample, metric: HealthMetric): number | null {
  switch (metric) {
    case 'cpu':
      return s.cpuPercent;
    case 'memory':
      return s.memoryPercent;
    case 'disk':
      return s.diskPercent;
    case 'processes':
      return s.pids;
    case 'temperature':
      return s.temp;
  }
}

/** `cpu 93.0 % > 50 %` (or `<=` for a resolve). */
export function describeCrossing(c: HealthCrossing, over = true): string {
  const op = over ? '>' : '<=';
  switch (c.metric) {
    case 'cpu':
    case 'memory':
    case 'disk':
      return `${c.metric} ${c.value.toFixed(1)} % ${op} ${c.threshold} %`;
    case 'processes':
      return `pids ${c.value} ${op} ${c.threshold}`;
    case 'temperature':
      return `temp ${c.value.toFixed(1)} C ${op} ${c.threshold} C`;
  }
}

/** One line per threshold the sample exceeds, e.g. `cpu 93.0 % > 50 %`. */
export function checkThresholds(s: HealthSample, t: Thresholds): string[] {
  return crossings(s, t).map((c) => describeCrossing(c));
}
