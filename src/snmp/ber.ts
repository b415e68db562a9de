/**
 * Small BER pieces for the packets piman builds or inspects by hand (the
 * v3 Report, the bench's load generator): definite lengths up to 3 octets.
 * The agent's hot path has its own backwards encoder (encoder.ts).
 */

/** Content start and end of the TLV with `tag` at `at`, or null when it is not there or overruns the buffer. */
export function readTlv(b: Buffer, at: number, tag: number): { start: number; end: number } | null {
  if (at + 2 > b.length || b[at] !== tag) return null;
  let len = b[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 3 || start + n > b.length) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i]!;
    start += n;
  }
  const end = start + len;
  return end <= b.length ? { start, end } : null;
}

/** Content of a TLV as an unsigned integer up to 2^31 - 1, or null. */
export function readUint(b: Buffer, t: { start: number; end: number }): number | null {
  const n = t.end - t.start;
  if (n < 1 || n > 5) return null;
  let v = 0;
  for (let i = t.start; i < t.end; i++) v = v * 256 + b[i]!;
  return v <= 0x7fffffff ? v : null;
}

export function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), content]);
}

/** A non-negative INTEGER, minimal (or an application type with the same rules, e.g. Counter32 0x41). */
export function uintTlv(v: number, tag = 0x02): Buffer {
  const bytes: number[] = [];
  let x = v;
  do {
    bytes.unshift(x & 0xff);
    x = Math.floor(x / 256);
  } while (x > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(tag, Buffer.from(bytes));
}

/** An OBJECT IDENTIFIER TLV from its arcs (dotted string or numbers). */
export function oidTlv(oid: string | readonly number[]): Buffer {
  const parts = typeof oid === 'string' ? oid.split('.').map(Number) : oid;
  const out = [parts[0]! * 40 + parts[1]!];
  for (const p of parts.slice(2)) {
    const enc = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) enc.unshift((v & 0x7f) | 0x80);
    out.push(...enc);
  }
  return tlv(0x06, Buffer.from(out));
}
