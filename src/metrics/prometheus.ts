/**
 * Prometheus text exposition (format 0.0.4) of the cluster: one-hot boot
 * state per port, reinstall marks, install progress, and piman's counters.
 * Pure: views in, text out.
 */
import { BOOT_STATES, type Counters, type PortView } from '../cluster/types.js';

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labels(p: PortView, extra: Record<string, string> = {}): string {
  const all: Record<string, string> = { switch: p.switchName, port: String(p.port), ...extra };
  return '{' + Object.entries(all).map(([k, v]) => `${k}="${esc(v)}"`).join(',') + '}';
}

export function renderMetrics(ports: readonly PortView[], counters: Readonly<Counters>): string {
  const out: string[] = [];
  const family = (name: string, type: 'gauge' | 'counter', help: string): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  family('piman_port_info', 'gauge', 'Binding of a switch port: MAC, IP and hostname (value is always 1).');
  for (const p of ports) {
    if (p.mac) out.push(`piman_port_info${labels(p, { mac: p.mac, ip: p.ip ?? '', hostname: p.hostname ?? '' })} 1`);
  }
  family('piman_port_boot_state', 'gauge', 'Boot state of a port: 1 for the current state, 0 for the others.');
  for (const p of ports) {
    for (const s of BOOT_STATES) out.push(`piman_port_boot_state${labels(p, { state: s })} ${p.state === s ? 1 : 0}`);
  }
  family('piman_port_reinstall_pending', 'gauge', '1 while a reinstall is marked and not yet finished.');
  for (const p of ports) out.push(`piman_port_reinstall_pending${labels(p)} ${p.reinstall ? 1 : 0}`);
  family('piman_port_install_progress_percent', 'gauge', 'Percent of the rootfs archive sent in the current or last install.');
  for (const p of ports) out.push(`piman_port_install_progress_percent${labels(p)} ${p.installProgress}`);
  family('piman_port_last_change_seconds', 'gauge', 'Unix time of the last boot state change.');
  for (const p of ports) out.push(`piman_port_last_change_seconds${labels(p)} ${Math.floor(p.lastChange / 1000)}`);
  family('piman_port_boot_attempts', 'gauge', 'Power cycles piman made on its own (self-healing retries) since the port was last up.');
  for (const p of ports) out.push(`piman_port_boot_attempts${labels(p)} ${p.bootAttempts}`);
  const counter = (name: string, help: string, v: number): void => {
    family(name, 'counter', help);
    out.push(`${name} ${v}`);
  };
  counter('piman_dhcp_offers_total', 'DHCP OFFERs sent.', counters.dhcpOffers);
  counter('piman_dhcp_acks_total', 'DHCP ACKs sent.', counters.dhcpAcks);
  counter('piman_tftp_files_total', 'Files served completely over TFTP.', counters.tftpFiles);
  counter('piman_installs_done_total', 'Installs confirmed by the Pi.', counters.installsDone);
  counter('piman_installs_failed_total', 'Installs that failed or were interrupted.', counters.installsFailed);
  counter('piman_boot_retries_total', 'Self-healing power cycles of ports stuck on their way up.', counters.bootRetries);
  return out.join('\n') + '\n';
}
