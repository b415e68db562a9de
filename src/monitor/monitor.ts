/**
 * Health poller. Booting Pis are probed every second so `booting -> up`
 * follows the moment the health endpoint answers; with monitoring enabled,
 * running Pis are probed every interval and a threshold crossing raises one
 * alert (again only after the Pi went back under all thresholds).
 */
import type { Cluster } from '../cluster/cluster.js';
import { portId, type PortView } from '../cluster/types.js';
import type { Logger } from '../log.js';
import { describeError } from '../errors.js';
import { checkThresholds, type HealthSample, type Thresholds } from './health.js';
import { probeHealth } from './probe.js';

export interface MonitorOptions {
  readonly cluster: Cluster;
  readonly log: Logger;
  readonly port: number;
  readonly alerts: boolean;
  readonly intervalMs: number;
  readonly thresholds: Thresholds;
  readonly probe?: (ip: string, port: number, timeoutMs: number) => Promise<HealthSample>;
  readonly now?: () => number;
}

export class HealthMonitor {
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<string>();
  private readonly lastPolled = new Map<string, number>();
  private readonly alerting = new Set<string>();
  /** Latest sample per port, for metrics and status. */
  readonly samples = new Map<string, HealthSample>();
  private readonly probe: NonNullable<MonitorOptions['probe']>;
  private readonly now: () => number;

  constructor(private readonly opts: MonitorOptions) {
    this.probe = opts.probe ?? probeHealth;
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    this.timer = setInterval(() => this.round(), 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One polling round; public so tests can drive it without timers. */
  round(): Promise<void> {
    const due: PortView[] = [];
    const now = this.now();
    for (const p of this.opts.cluster.ports()) {
      if (!p.ip) continue;
      const id = portId(p);
      if (this.inFlight.has(id)) continue;
      if (p.state === 'booting') due.push(p);
      else if (p.state === 'up' && this.opts.alerts && this.isDue(id, now)) due.push(p);
    }
    return Promise.all(due.map((p) => this.poll(p, now))).then(() => undefined);
  }

  private isDue(id: string, now: number): boolean {
    const last = this.lastPolled.get(id);
    return last === undefined || now - last >= this.opts.intervalMs;
  }

  private async poll(p: PortView, now: number): Promise<void> {
    const id = portId(p);
    this.inFlight.add(id);
    this.lastPolled.set(id, now);
    try {
      const sample = await this.probe(p.ip!, this.opts.port, 2000);
      this.samples.set(id, sample);
      if (this.opts.cluster.port(p)?.state === 'booting') this.opts.cluster.apply(p, { type: 'up' });
      if (this.opts.alerts) this.check(p, sample);
    } catch (e) {
      // A booting Pi not answering yet is normal; the boot timeout handles a Pi that never does.
      this.opts.log.debug({ port: id, err: describeError(e) }, 'health probe failed');
    } finally {
      this.inFlight.delete(id);
    }
  }

  private check(p: PortView, sample: HealthSample): void {
    const id = portId(p);
    const alerts = checkThresholds(sample, this.opts.thresholds);
    if (alerts.length === 0) {
      this.alerting.delete(id);
      return;
    }
    if (this.alerting.has(id)) return;
    this.alerting.add(id);
    const message = `${p.hostname ?? p.ip}: ${alerts.join(', ')}`;
    this.opts.log.warn({ port: `${p.switchName}:${p.port}`, alerts }, `health alert: ${message}`);
    this.opts.cluster.alert(p, message);
  }
}
