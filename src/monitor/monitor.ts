/**
 * Health poller. Booting Pis are probed every second so `booting -> up`
 * follows the moment the health endpoint answers; with monitoring enabled,
 * running Pis are probed every interval, each sample goes to the HealthBoard,
 * and each metric that crosses its threshold raises one alert, and one
 * resolve when it drops back (HealthBoard.record decides, purely).
 */
import type { BootEvents, HealthAlerts, PortLookup, PortsWhere } from '../cluster/ports.js';
import { portId, type PortView } from '../cluster/types.js';
import type { Logger } from '../log.js';
import { describeError } from '../errors.js';
import { describeCrossing, type HealthSample, type Thresholds } from './health.js';
import { HealthBoard } from './health-board.js';
import { probeHealth } from './probe.js';

/** The cluster as the health poller sees it: which Pis to probe, `up` as an event, threshold crossings as alerts. */
export type MonitorCluster = PortsWhere & PortLookup & BootEvents & HealthAlerts;

export interface MonitorOptions {
  readonly cluster: MonitorCluster;
  readonly log: Logger;
  readonly port: number;
  readonly alerts: boolean;
  readonly intervalMs: number;
  readonly thresholds: Thresholds;
  readonly probe?: (ip: string, port: number, timeoutMs: number) => Promise<HealthSample>;
  readonly now?: () => number;
  /** Where samples and statuses go (the daemon shares one with the agent and /metrics). */
  readonly board?: HealthBoard;
}

export class HealthMonitor {
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<string>();
  private readonly lastPolled = new Map<string, number>();
  /** Latest sample and status per port, for the agent, metrics and status. */
  readonly board: HealthBoard;
  private readonly probe: NonNullable<MonitorOptions['probe']>;
  private readonly now: () => number;

  constructor(private readonly opts: MonitorOptions) {
    this.probe = opts.probe ?? probeHealth;
    this.now = opts.now ?? Date.now;
    this.board = opts.board ?? new HealthBoard();
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
    // Only ports that are up, booting or still on the board matter: the others cost nothing each second.
    for (const p of this.opts.cluster.portsWhere((st, id) => st.state === 'up' || st.state === 'booting' || this.board.hasId(id))) {
      if (p.state !== 'up' && p.state !== 'booting' && this.board.has(p)) this.board.forget(p);
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
      if (this.opts.cluster.port(p)?.state === 'booting') this.opts.cluster.apply(p, { type: 'up' });
      this.check(p, sample);
    } catch (e) {
      // A booting Pi not answering yet is normal; the boot timeout handles a Pi that never does.
      this.opts.log.debug({ port: id, err: describeError(e) }, 'health probe failed');
      if (this.opts.cluster.port(p)?.state === 'up') this.board.unreachable(p);
    } finally {
      this.inFlight.delete(id);
    }
  }

  private check(p: PortView, sample: HealthSample): void {
    // Without monitoring a running Pi is never polled again: a sample kept from its boot would go stale, so none is kept.
    if (!this.opts.alerts) return;
    const changes = this.board.record(p, sample, this.now(), this.opts.thresholds);
    const who = p.hostname ?? p.ip;
    for (const { kind, crossing } of changes) {
      const message = `${who}: ${describeCrossing(crossing, kind === 'alert')}`;
      if (kind === 'alert') {
        this.opts.log.warn({ port: `${p.switchName}:${p.port}`, metric: crossing.metric, value: crossing.value, threshold: crossing.threshold }, `health alert: ${message}`);
        this.opts.cluster.alert(p, message, crossing);
      } else {
        this.opts.log.info({ port: `${p.switchName}:${p.port}`, metric: crossing.metric, value: crossing.value, threshold: crossing.threshold }, `health resolved: ${message}`);
        this.opts.cluster.resolved(p, message, crossing);
      }
    }
  }
}
