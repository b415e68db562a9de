/**
 * The /metrics body, through prom-client: its process and Node runtime
 * metrics (CPU, memory, heap, event loop lag, GC, file descriptors) beside
 * piman's own families, in the Prometheus text format or, when the scraper
 * asks for it, OpenMetrics. prom-client's gauges named `_total`
 * (nodejs_active_handles_total and the like) are left out: Prometheus keeps
 * that suffix for counters (`promtool check metrics` says so), and each is
 * the sum of its per-type family (`sum(nodejs_active_handles)`). Each scrape builds a fresh prom-client Registry
 * from the families read at that moment, so nothing is kept twice.
 */
import client, { Registry, type Metric, type RegistryContentType } from 'prom-client';
import type { MetricFamily } from './registry.js';

/** The part of a prom-client metric a Registry renders. */
interface Renderable {
  name: string;
  readonly help: string;
  readonly type: string;
  readonly aggregator: string;
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: unknown[] }>;
  reset(): void;
}

export interface Rendered {
  readonly contentType: string;
  readonly body: string;
}

export class Exposition {
  /** prom-client's default process and runtime collectors, one set per exposition. */
  private readonly runtime = new Registry();

  constructor(private readonly families: () => readonly MetricFamily[]) {
    client.collectDefaultMetrics({ register: this.runtime });
  }

  async render(openMetrics: boolean): Promise<Rendered> {
    const reg = new Registry<RegistryContentType>();
    reg.setContentType(openMetrics ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE);
    for (const m of this.runtime.getMetricsAsArray()) {
      const r = m as unknown as Renderable;
      if (r.type !== 'counter' && r.name.endsWith('_total')) continue;
      // prom-client renames a counter in place for OpenMetrics (drops `_total`): hand it a wrapper, never the collector.
      reg.registerMetric(asMetric(openMetrics ? wrap(r) : r));
    }
    for (const f of this.families()) reg.registerMetric(asMetric(familyMetric(f)));
    return { contentType: reg.contentType, body: await reg.metrics() };
  }
}

function wrap(m: Renderable): Renderable {
  const w: Renderable = {
    name: m.name,
    help: m.help,
    type: m.type,
    aggregator: m.aggregator,
    get: async () => ({ ...(await m.get()), name: w.name }),
    reset: () => undefined,
  };
  return w;
}

function familyMetric(f: MetricFamily): Renderable {
  const values = f.samples.map((s) => ({ labels: { ...(s.labels ?? {}) }, value: s.value }));
  const w: Renderable = {
    name: f.name,
    help: f.help,
    type: f.type,
    aggregator: 'sum',
    get: async () => ({ name: w.name, help: f.help, type: f.type, aggregator: 'sum', values }),
    reset: () => undefined,
  };
  return w;
}

/** Registry.registerMetric is typed for its own classes; it only reads the Renderable fields. */
function asMetric(r: Renderable): Metric {
  return r as unknown as Metric;
}
