/** Text and JSON rendering of port rows for `piman status`. Pure. */
import type { SwitchInfo } from '../cluster/types.js';
import type { PortRow } from './agent-client.js';

const HEADERS = ['SWITCH', 'PORT', 'MAC', 'IP', 'HOSTNAME', 'STATE', 'REINSTALL', 'PROGRESS', 'RETRIES', 'IMAGE', 'INSTALLED', 'LAST ERROR'] as const;

/** `research@3f9a2c1b`: the installed image with the start of the digest it got. */
function installed(r: PortRow): string {
  if (!r.installedImage) return '-';
  return r.installedDigest ? `${r.installedImage}@${r.installedDigest.slice(0, 8)}` : r.installedImage;
}

export function switchName(index: number, switches: readonly SwitchInfo[]): string {
  return switches.find((s) => s.index === index)?.name ?? String(index);
}

function cells(r: PortRow, switches: readonly SwitchInfo[]): string[] {
  return [
    switchName(r.switchIndex, switches),
    String(r.port),
    r.mac ?? '-',
    r.ip ?? '-',
    r.hostname || '-',
    r.state,
    r.reinstall ? 'pending' : '-',
    r.state === 'installing' || r.progress > 0 ? `${r.progress}%` : '-',
    r.attempts > 0 ? String(r.attempts) : '-',
    r.image || '-',
    installed(r),
    r.lastError || '',
  ];
}

/** Aligned columns; the last column (errors) is not padded. */
export function formatPortTable(rows: readonly PortRow[], switches: readonly SwitchInfo[]): string {
  const body = rows.map((r) => cells(r, switches));
  const all = [HEADERS.map(String), ...body];
  const widths = HEADERS.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  const line = (row: string[]): string =>
    row
      .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return all.map(line).join('\n') + '\n';
}

export function portRowsJson(rows: readonly PortRow[], switches: readonly SwitchInfo[]): string {
  const out = rows.map((r) => ({
    switch: switchName(r.switchIndex, switches),
    switchIndex: r.switchIndex,
    port: r.port,
    mac: r.mac,
    ip: r.ip,
    hostname: r.hostname || null,
    state: r.state,
    reinstall: r.reinstall,
    power: r.power,
    progress: r.progress,
    image: r.image || null,
    installedImage: r.installedImage || null,
    installedDigest: r.installedDigest || null,
    bootAttempts: r.attempts,
    lastError: r.lastError || null,
    health: r.health,
  }));
  return JSON.stringify(out, null, 2) + '\n';
}
