/** Dotted-quad helpers; `null` on anything that is not a plain IPv4 address. */
export function parseIpv4(text: string): number | null {
  const parts = text.trim().split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

export function isIpv4(text: string): boolean {
  return parseIpv4(text) !== null;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function ipv4ToBytes(text: string): Buffer {
  const n = parseIpv4(text);
  if (n === null) throw new RangeError(`not an IPv4 address: ${text}`);
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function lastOctet(text: string): number | null {
  const n = parseIpv4(text);
  return n === null ? null : n & 255;
}
