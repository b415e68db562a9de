/**
 * Prometheus text exposition (format 0.0.4) of the cluster: one-hot boot
 * state per port, reinstall marks, install progress, and piman's counters.
 * Pure: views in, metric families out.
 */
import { BOOT_STATES, type Counters, type PortView } from '../cluster/types.js';
import { renderFamilies, type MetricFamily, type MetricSample } from './registry.js';

function portLabels(p: PortView, extra: Record<string, string> = {}): Record<string, string> {
  return { switch: p.switchName, port: String(p.port), ...extra };
}

export function clusterFamilies(ports: readonly PortView[], counters: Readonly<Counters>): MetricFamily[] {
  const gauge = (name: string, help: string, samples: MetricSample[]): MetricFamily => ({ name, type: 'gauge', help, samples });
  const counter = (name: string, help: string, value: number): MetricFamily => ({ name, type: 'counter', help, samples: [{ value }] });
  return [
    gauge(
      'piman_port_info',
      'Binding of a switch port: MAC, IP and hostname (value is always 1).',
      ports.filter((p) => p.mac).map((p) => ({ labels: portLabels(p, { mac: p.mac!, ip: p.ip ?? '', hostname: p.hostname ?? '' }), value: 1 })),
    ),
    gauge(
      'piman_port_boot_state',
      'Boot state of a port: 1 for the current state, 0 for the others.',
      ports.flatMap((p) => BOOT_STATES.map((s) => ({ labels: portLabels(p, { state: s }), value: p.state === s ? 1 : 0 }))),
    ),
    gauge('piman_port_reinstall_pending', '1 while a reinstall is marked and not yet finished.', ports.map((p) => ({ labels: portLabels(p), value: p.reinstall ? 1 : 0 }))),
    gauge(
      'piman_port_install_progress_percent',
      'Percent of the rootfs archive sent in the current or last install.',
      ports.map((p) => ({ labels: portLabels(p), value: p.installProgress })),
    ),
    gauge('piman_port_last_change_seconds', 'Unix time of the last boot state change.', ports.map((p) => ({ labels: portLabels(p), value: Math.floor(p.lastChange / 1000) }))),
    gauge(
      'piman_port_boot_attempts',
      'Power cycles piman made on its own (self-healing retries) since the port was last up.',
      ports.map((p) => ({ labels: portLabels(p), value: p.bootAttempts })),
    ),
    counter('piman_dhcp_offers_total', 'DHCP OFFERs sent.', counters.dhcpOffers),
    counter('piman_dhcp_acks_total', 'DHCP ACKs sent.', counters.dhcpAcks),
    counter('piman_tftp_files_total', 'Files served completely over TFTP.', counters.tftpFiles),
    counter('piman_installs_done_total', 'Installs confirmed by the Pi.', counters.installsDone),
    counter('piman_installs_failed_total', 'Installs that failed or were interrupted.', counters.installsFailed),
    counter('piman_boot_retries_total', 'Self-healing power cycles of ports stuck on their way up.', counters.bootRetries),
  ];
}

/** Text exposition of the cluster families (tests; the endpoint renders through prom-client). */
export function renderMetrics(ports: readonly PortView[], counters: Readonly<Counters>): string {
  return renderFamilies(clusterFamilies(ports, counters));
}
