/** Rows of pimanUnknownMacTable as the CLI reads them, and their text/JSON rendering for `piman status --unknown`. Pure. */
import type { VarbindValue } from 'net-snmp';
import { TRUE, UNKNOWN_MAC_COL } from '../agent/oids.js';
import { parseDateAndTime } from '../agent/unknown-mac-values.js';
import { formatTable } from './table.js';

export interface UnknownMacRow {
  /** pimanUnknownMacIndex: order of first sighting. */
  readonly index: number;
  readonly mac: string;
  readonly raspberryPi: boolean;
  readonly vendorClass: string;
  /** ms since epoch; null when the agent sent no valid DateAndTime. */
  readonly firstSeen: number | null;
  readonly lastSeen: number | null;
  readonly count: number;
}

/** Columns the CLI reads (every readable column). */
export const UNKNOWN_MAC_READ_COLUMNS: readonly number[] = [
  UNKNOWN_MAC_COL.pimanUnknownMacAddress,
  UNKNOWN_MAC_COL.pimanUnknownMacRaspberryPi,
  UNKNOWN_MAC_COL.pimanUnknownMacVendorClass,
  UNKNOWN_MAC_COL.pimanUnknownMacFirstSeen,
  UNKNOWN_MAC_COL.pimanUnknownMacLastSeen,
  UNKNOWN_MAC_COL.pimanUnknownMacRequests,
];

export function decodeUnknownMacRow(index: number, cells: ReadonlyMap<number, VarbindValue | undefined>): UnknownMacRow {
  const buf = (c: number): Buffer | null => {
    const v = cells.get(c);
    return Buffer.isBuffer(v) ? v : typeof v === 'string' ? Buffer.from(v, 'latin1') : null;
  };
  const num = (c: number): number => {
    const v = cells.get(c);
    return typeof v === 'number' ? v : Number(v ?? 0) || 0;
  };
  const macBuf = buf(UNKNOWN_MAC_COL.pimanUnknownMacAddress);
  const time = (c: number): number | null => {
    const b = buf(c);
    return b ? parseDateAndTime(b) : null;
  };
  return {
    index,
    mac: macBuf && macBuf.length === 6 ? [...macBuf].map((b) => b.toString(16).padStart(2, '0')).join(':') : '?',
    raspberryPi: num(UNKNOWN_MAC_COL.pimanUnknownMacRaspberryPi) === TRUE,
    vendorClass: buf(UNKNOWN_MAC_COL.pimanUnknownMacVendorClass)?.toString('utf8') ?? '',
    firstSeen: time(UNKNOWN_MAC_COL.pimanUnknownMacFirstSeen),
    lastSeen: time(UNKNOWN_MAC_COL.pimanUnknownMacLastSeen),
    count: num(UNKNOWN_MAC_COL.pimanUnknownMacRequests),
  };
}

/** Most recently seen first, like the DHCP log reads. */
export function sortUnknownMacs(rows: readonly UnknownMacRow[]): UnknownMacRow[] {
  return [...rows].sort((a, b) => (b.lastSeen ?? 0) - (a.lastSeen ?? 0) || b.index - a.index);
}

/** `2026-11-25 16:05:09Z`: UTC, to the second (the agent sends tenths). */
export function formatSeen(ms: number | null): string {
  if (ms === null) return '-';
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export const NO_UNKNOWN_MACS = 'no unknown MACs: no DHCP client without a binding has asked since piman server started\n';

const HEADERS = ['MAC', 'RASPBERRY PI', 'VENDOR CLASS', 'FIRST SEEN', 'LAST SEEN', 'COUNT'] as const;

export function formatUnknownMacTable(rows: readonly UnknownMacRow[]): string {
  if (rows.length === 0) return NO_UNKNOWN_MACS;
  return formatTable(
    HEADERS,
    sortUnknownMacs(rows).map((r) => [r.mac, r.raspberryPi ? 'yes' : 'no', r.vendorClass || '-', formatSeen(r.firstSeen), formatSeen(r.lastSeen), String(r.count)]),
  );
}

export function unknownMacsJson(rows: readonly UnknownMacRow[]): string {
  const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
  const out = sortUnknownMacs(rows).map((r) => ({
    mac: r.mac,
    raspberryPi: r.raspberryPi,
    vendorClass: r.vendorClass || null,
    firstSeen: iso(r.firstSeen),
    lastSeen: iso(r.lastSeen),
    count: r.count,
  }));
  return JSON.stringify(out, null, 2) + '\n';
}
