/**
 * Forwarding-table decoding (pure): BRIDGE-MIB dot1dTpFdbPort and Q-BRIDGE
 * dot1qTpFdbPort rows carry the MAC in their index and the bridge port as
 * value; dot1dBasePortIfIndex turns a bridge port into an ifIndex, which is
 * the port number piman uses (as on the PoE table of common switches).
 */
import { DOT1D_BASE_PORT_IFINDEX, DOT1D_TP_FDB_PORT, DOT1Q_TP_FDB_PORT } from './oids.js';

/** A walked row: full OID and its value (anything; non-integers are ignored). */
export interface FdbRow {
  readonly oid: string;
  readonly value?: unknown;
}

export interface FdbWalk {
  readonly dot1d: readonly FdbRow[];
  readonly dot1q: readonly FdbRow[];
  readonly basePortIfIndex: readonly FdbRow[];
}

function suffix(oid: string, base: string): number[] | null {
  if (!oid.startsWith(base + '.')) return null;
  const parts = oid.slice(base.length + 1).split('.');
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,10}$/.test(p)) return null;
    out.push(Number(p));
  }
  return out;
}

function positiveInt(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null;
}

function macOf(ids: readonly number[]): string | null {
  if (ids.length !== 6 || ids.some((b) => b > 255)) return null;
  return ids.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Bridge port -> ifIndex from dot1dBasePortIfIndex rows. */
export function basePortMap(rows: readonly FdbRow[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const r of rows) {
    const idx = suffix(r.oid, DOT1D_BASE_PORT_IFINDEX);
    const ifIndex = positiveInt(r.value);
    if (idx?.length === 1 && idx[0]! > 0 && ifIndex !== null) m.set(idx[0]!, ifIndex);
  }
  return m;
}

/**
 * Port -> sorted distinct MACs. Rows that do not parse (wrong index length,
 * sub-ids > 255, port 0 = the switch itself or unknown) are skipped. A bridge
 * port missing from dot1dBasePortIfIndex is taken as the port number.
 */
export function decodeFdb(walk: FdbWalk): Map<number, string[]> {
  const toPort = basePortMap(walk.basePortIfIndex);
  const sets = new Map<number, Set<string>>();
  const add = (ids: number[] | null, value: unknown): void => {
    const bridgePort = positiveInt(value);
    const mac = ids ? macOf(ids) : null;
    if (bridgePort === null || mac === null) return;
    const port = toPort.get(bridgePort) ?? bridgePort;
    let s = sets.get(port);
    if (!s) sets.set(port, (s = new Set()));
    s.add(mac);
  };
  for (const r of walk.dot1d) add(suffix(r.oid, DOT1D_TP_FDB_PORT), r.value);
  for (const r of walk.dot1q) {
    const ids = suffix(r.oid, DOT1Q_TP_FDB_PORT);
    add(ids && ids.length === 7 ? ids.slice(1) : null, r.value);
  }
  const out = new Map<number, string[]>();
  for (const port of [...sets.keys()].sort((a, b) => a - b)) out.set(port, [...sets.get(port)!].sort());
  return out;
}

/** OID index of a MAC (for agents that serve the tables). */
export function macIndex(mac: string): string {
  return mac
    .split(':')
    .map((h) => String(parseInt(h, 16)))
    .join('.');
}
