/**
 * Prometheus families of the switches' request queues (request-queue.ts):
 * requests at the switch, waiting, sent, retried, timed out, and whether it
 * answers. Pure: switches in, families out; a switch without stats (a test
 * fake) is left out.
 */
import type { MetricFamily, MetricSample } from '../metrics/registry.js';
import type { PoeSwitch, SwitchStats } from './types.js';

const FAMILIES: ReadonlyArray<{ name: string; type: 'gauge' | 'counter'; help: string; value: (s: SwitchStats) => number }> = [
  { name: 'piman_switch_requests_in_flight', type: 'gauge', help: 'SNMP requests at the switch now (at most its maxInFlight).', value: (s) => s.inFlight },
  { name: 'piman_switch_requests_queued', type: 'gauge', help: 'SNMP requests waiting in piman for a free slot.', value: (s) => s.queued },
  { name: 'piman_switch_requests_total', type: 'counter', help: 'SNMP requests sent to the switch, every attempt counted.', value: (s) => s.requests },
  { name: 'piman_switch_retries_total', type: 'counter', help: 'SNMP requests sent again after a timeout.', value: (s) => s.retried },
  { name: 'piman_switch_timeouts_total', type: 'counter', help: 'SNMP attempts that got no answer in time.', value: (s) => s.timedOut },
  { name: 'piman_switch_answering', type: 'gauge', help: '0 after a request gave up on a timeout, 1 again after the next answer.', value: (s) => (s.answering ? 1 : 0) },
];

export function switchFamilies(switches: ReadonlyMap<number, PoeSwitch>): MetricFamily[] {
  const rows: Array<{ name: string; stats: SwitchStats }> = [];
  for (const sw of switches.values()) {
    const stats = sw.stats?.();
    if (stats) rows.push({ name: sw.name, stats });
  }
  if (rows.length === 0) return [];
  return FAMILIES.map((f) => ({
    name: f.name,
    type: f.type,
    help: f.help,
    samples: rows.map((r): MetricSample => ({ labels: { switch: r.name }, value: f.value(r.stats) })),
  }));
}
