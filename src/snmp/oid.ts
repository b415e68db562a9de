/** OID helpers: dotted strings <-> number arrays, lexicographic order (RFC 3416 "next"). */

export type OidParts = readonly number[];

/** Parses `1.3.6.1` (a leading dot is allowed); null when it is not a numeric OID. */
export function parseOid(oid: string): number[] | null {
  const s = oid.startsWith('.') ? oid.slice(1) : oid;
  if (s === '') return [];
  const parts = s.split('.');
  const out: number[] = new Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (!/^\d{1,10}$/.test(p)) return null;
    const n = Number(p);
    if (n > 0xffffffff) return null;
    out[i] = n;
  }
  return out;
}

export function formatOid(parts: OidParts): string {
  return parts.join('.');
}

/** <0 when a sorts before b, 0 when equal, >0 after; a prefix sorts first. */
export function compareOid(a: OidParts, b: OidParts): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** True when `oid` lies strictly below `prefix`. */
export function isUnder(oid: OidParts, prefix: OidParts): boolean {
  if (oid.length <= prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (oid[i] !== prefix[i]) return false;
  return true;
}
