/**
 * Per-port health gauges for /metrics, from the HealthBoard. Percentages go
 * out as ratios (0..1) and temperatures in degrees Celsius, as Prometheus's
 * base-unit naming asks; a port without a sample has only its status. Pure.
 */
import type { PortView } from '../cluster/types.js';
import { HEALTH_STATUSES, type HealthReader } from '../monitor/health-board.js';
import type { MetricFamily, MetricSample } from './registry.js';

export function healthFamilies(ports: readonly PortView[], health: HealthReader): MetricFamily[] {
  const cpu: MetricSample[] = [];
  const memory: MetricSample[] = [];
  const disk: MetricSample[] = [];
  const temp: MetricSample[] = [];
  const procs: MetricSample[] = [];
  const time: MetricSample[] = [];
  const status: MetricSample[] = [];
  for (const p of ports) {
    if (!p.mac) continue;
    const labels = { switch: p.switchName, port: String(p.port) };
    const h = health.health(p);
    for (const s of HEALTH_STATUSES) status.push({ labels: { ...labels, status: s }, value: h.status === s ? 1 : 0 });
    const s = h.sample;
    if (!s || h.sampledAt === null) continue;
    cpu.push({ labels, value: s.cpuPercent / 100 });
    memory.push({ labels, value: s.memoryPercent / 100 });
    disk.push({ labels, value: s.diskPercent / 100 });
    if (s.temp !== null) temp.push({ labels, value: s.temp });
    procs.push({ labels, value: s.pids });
    time.push({ labels, value: h.sampledAt / 1000 });
  }
  const g = (name: string, help: string, samples: MetricSample[]): MetricFamily => ({ name, type: 'gauge', help, samples });
  return [
    g('piman_port_health_status', 'Health of the Pi on a port: 1 for the current status (ok, alert, unreachable, unknown), 0 for the others.', status),
    g('piman_port_health_cpu_ratio', 'CPU use of the Pi in its latest health sample (0..1).', cpu),
    g('piman_port_health_memory_ratio', 'Memory use of the Pi in its latest health sample (0..1).', memory),
    g('piman_port_health_disk_ratio', 'Disk use of the Pi in its latest health sample (0..1).', disk),
    g('piman_port_health_temperature_celsius', 'Temperature of the Pi in its latest health sample.', temp),
    g('piman_port_health_processes', 'Processes running on the Pi in its latest health sample.', procs),
    g('piman_port_health_sample_timestamp_seconds', 'Unix time of the latest health sample.', time),
  ];
}

/** piman_build_info (version labels, value 1) and piman_start_time_seconds. */
export function daemonFamilies(version: string, nodeVersion: string, startedAt: number): MetricFamily[] {
  return [
    { name: 'piman_build_info', type: 'gauge', help: 'Version of piman and of Node.js it runs on (value is always 1).', samples: [{ labels: { version, nodejs: nodeVersion }, value: 1 }] },
    { name: 'piman_start_time_seconds', type: 'gauge', help: 'Unix time when the piman daemon started.', samples: [{ value: startedAt / 1000 }] },
  ];
}
