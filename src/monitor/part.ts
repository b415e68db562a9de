import type { Part, PartContext } from '../part.js';
import { HealthMonitor, type MonitorCluster, type MonitorOptions } from './monitor.js';

/** The health poller's settings (src/parts.ts maps the `monitor` section onto them). */
export type MonitorPartOptions = Pick<MonitorOptions, 'port' | 'alerts' | 'intervalMs' | 'thresholds'>;

export function monitorPart(o: MonitorPartOptions, ctx: PartContext<MonitorCluster>): Part {
  const monitor = new HealthMonitor({
    cluster: ctx.cluster,
    log: ctx.log.child({ part: 'monitor' }),
    port: o.port,
    alerts: o.alerts,
    intervalMs: o.intervalMs,
    thresholds: o.thresholds,
    board: ctx.health,
  });
  return {
    name: 'monitor',
    start: async () => monitor.start(),
    stop: async () => monitor.stop(),
  };
}
