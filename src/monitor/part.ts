import type { DaemonContext, Part } from '../daemon.js';
import { HealthMonitor } from './monitor.js';

export function monitorPart(ctx: DaemonContext): Part {
  const m = ctx.config.monitor;
  const monitor = new HealthMonitor({
    cluster: ctx.cluster,
    log: ctx.log.child({ part: 'monitor' }),
    port: m.port,
    alerts: m.enabled,
    intervalMs: m.intervalSeconds * 1000,
    thresholds: m.thresholds,
    board: ctx.health,
  });
  return {
    name: 'monitor',
    start: async () => monitor.start(),
    stop: async () => monitor.stop(),
  };
}
