/** Rows of pimanImageTable as the CLI reads them, and their text/JSON rendering for `piman images`. Pure. */
import type { VarbindValue } from 'net-snmp';
import { IMAGE_COL } from '../agent/oids.js';
import { parseDateAndTime } from '../agent/unknown-mac-values.js';
import { formatTable } from './table.js';
import { formatSeen } from './unknown-macs.js';

export interface ImageTableRow {
  readonly index: number;
  readonly name: string;
  readonly sizeKiB: number;
  readonly sha256: string;
  /** ms since epoch; null when the file cannot be read. */
  readonly lastModified: number | null;
  readonly ports: number;
  readonly problem: string;
}

export const IMAGE_READ_COLUMNS: readonly number[] = [
  IMAGE_COL.pimanImageName,
  IMAGE_COL.pimanImageSize,
  IMAGE_COL.pimanImageSha256,
  IMAGE_COL.pimanImageLastModified,
  IMAGE_COL.pimanImagePorts,
  IMAGE_COL.pimanImageProblem,
];

export function decodeImageRow(index: number, cells: ReadonlyMap<number, VarbindValue | undefined>): ImageTableRow {
  const buf = (c: number): Buffer | null => {
    const v = cells.get(c);
    return Buffer.isBuffer(v) ? v : typeof v === 'string' ? Buffer.from(v, 'latin1') : null;
  };
  const str = (c: number): string => buf(c)?.toString('utf8') ?? '';
  const num = (c: number): number => {
    const v = cells.get(c);
    return typeof v === 'number' ? v : Number(v ?? 0) || 0;
  };
  const mod = buf(IMAGE_COL.pimanImageLastModified);
  return {
    index,
    name: str(IMAGE_COL.pimanImageName),
    sizeKiB: num(IMAGE_COL.pimanImageSize),
    sha256: str(IMAGE_COL.pimanImageSha256),
    lastModified: mod && mod.length > 0 ? parseDateAndTime(mod) : null,
    ports: num(IMAGE_COL.pimanImagePorts),
    problem: str(IMAGE_COL.pimanImageProblem),
  };
}

/** `1.4 GiB`, `812 MiB`, `96 KiB`. */
export function formatKiB(kib: number): string {
  if (kib >= 1024 * 1024) return `${(kib / 1024 / 1024).toFixed(1)} GiB`;
  if (kib >= 1024) return `${(kib / 1024).toFixed(kib >= 10 * 1024 ? 0 : 1)} MiB`;
  return `${kib} KiB`;
}

export const NO_IMAGES = 'no images: the agent serves no pimanImageTable (a piman older than named images?)\n';

export function formatImageTable(rows: readonly ImageTableRow[]): string {
  if (rows.length === 0) return NO_IMAGES;
  return formatTable(
    ['NAME', 'SIZE', 'SHA-256', 'MODIFIED', 'PORTS', 'PROBLEM'],
    rows.map((r) => [r.name, r.problem ? '-' : formatKiB(r.sizeKiB), r.sha256 ? r.sha256.slice(0, 16) : '-', formatSeen(r.lastModified), String(r.ports), r.problem]),
  );
}

export function imagesJson(rows: readonly ImageTableRow[]): string {
  const out = rows.map((r) => ({
    name: r.name,
    sizeKiB: r.sizeKiB,
    sha256: r.sha256 || null,
    lastModified: r.lastModified === null ? null : new Date(r.lastModified).toISOString(),
    ports: r.ports,
    problem: r.problem || null,
  }));
  return JSON.stringify(out, null, 2) + '\n';
}
