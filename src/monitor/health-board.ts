/**
 * The latest health of every polled port: its sample, when it was taken, its
 * status, and which metrics are over their thresholds. The monitor writes
 * it; the agent (pimanPortHealth* columns) and /metrics read it. Pure state:
 * recording a sample returns the alerts and resolves it causes, per metric,
 * so a metric raises one alert per crossing and one resolve when it drops back.
 */
import { HEALTH_METRICS, portId, type HealthCrossing, type HealthMetric, type PortKey } from '../cluster/types.js';
import { crossings, metricValue, type HealthSample, type Thresholds } from './health.js';

export const HEALTH_STATUSES = ['ok', 'alert', 'unreachable', 'unknown'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export interface PortHealth {
  readonly status: HealthStatus;
  /** The latest sample (kept while the Pi is unreachable); null before the first. */
  readonly sample: HealthSample | null;
  /** ms since the epoch of `sample`. */
  readonly sampledAt: number | null;
  /** The latest alert or resolve of this port. */
  readonly last: { readonly kind: 'alert' | 'resolve'; readonly crossing: HealthCrossing } | null;
}

export interface HealthChange {
  readonly kind: 'alert' | 'resolve';
  readonly crossing: HealthCrossing;
}

/** What the agent and the metrics read. */
export interface HealthReader {
  health(key: PortKey): PortHealth;
}

const UNKNOWN: PortHealth = { status: 'unknown', sample: null, sampledAt: null, last: null };

interface Entry {
  health: PortHealth;
  /** Metrics over their threshold, with the crossing that raised their alert. */
  readonly over: Map<HealthMetric, HealthCrossing>;
}

export class HealthBoard implements HealthReader {
  private readonly ports = new Map<string, Entry>();

  health(key: PortKey): PortHealth {
    return this.ports.get(portId(key))?.health ?? UNKNOWN;
  }

  /** Records a sample; returns one alert per metric that went over, one resolve per metric that dropped back. */
  record(key: PortKey, sample: HealthSample, at: number, thresholds: Thresholds): HealthChange[] {
    const e = this.entry(key);
    const now = new Map(crossings(sample, thresholds).map((c) => [c.metric, c]));
    const changes: HealthChange[] = [];
    for (const metric of HEALTH_METRICS) {
      const c = now.get(metric);
      if (c && !e.over.has(metric)) {
        e.over.set(metric, c);
        changes.push({ kind: 'alert', crossing: c });
      } else if (!c && e.over.has(metric)) {
        const threshold = e.over.get(metric)?.threshold ?? thresholdOf(thresholds, metric);
        e.over.delete(metric);
        changes.push({ kind: 'resolve', crossing: { metric, value: metricValue(sample, metric) ?? 0, threshold } });
      }
    }
    const last = changes.at(-1) ?? e.health.last;
    e.health = { status: now.size > 0 ? 'alert' : 'ok', sample, sampledAt: at, last };
    return changes;
  }

  /** A probe of a running Pi failed: the status says so, the last sample stays. */
  unreachable(key: PortKey): void {
    const e = this.entry(key);
    e.health = { ...e.health, status: 'unreachable' };
  }

  /** The port left `up` (powered off, reinstalling): nothing of its health holds any more. */
  forget(key: PortKey): void {
    this.ports.delete(portId(key));
  }

  has(key: PortKey): boolean {
    return this.hasId(portId(key));
  }

  /** has() by the port's id (`2.7`). */
  hasId(id: string): boolean {
    return this.ports.has(id);
  }

  private entry(key: PortKey): Entry {
    const id = portId(key);
    let e = this.ports.get(id);
    if (!e) this.ports.set(id, (e = { health: UNKNOWN, over: new Map() }));
    return e;
  }
}

export function thresholdOf(t: Thresholds, metric: HealthMetric): number {
  switch (metric) {
    case 'cpu':
      return t.cpuPercent;
    case 'memory':
      return t.memoryPercent;
    case 'disk':
      return t.diskPercent;
    case 'processes':
      return t.pids;
    case 'temperature':
      return t.temp;
  }
}
