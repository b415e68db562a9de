/**
 * The SNMPv3 Report that tells a manager its authentication failed
 * (usmStatsWrongDigests, RFC 3414 3.2 step 6), which net-snmp's agent does
 * not send: without it `snmpget -v3` with a wrong passphrase waits for its
 * timeout and says "No Response" instead of "Authentication failure".
 * Pure: request bytes in, report bytes out (or null when the request is not
 * a reportable v3 message).
 */

/** usmStatsWrongDigests.0 */
const WRONG_DIGESTS = [1, 3, 6, 1, 6, 3, 15, 1, 1, 5, 0];
const REPORTABLE = 0x04;

export interface LocalEngine {
  readonly engineID: Buffer;
  readonly engineBoots: number;
  readonly engineTime: number;
}

// ---------------------------------------------------------------- reading

/** Start of the content of the TLV at `at` with `tag`, its end, or null. */
function tlvAt(b: Buffer, at: number, tag: number): { start: number; end: number } | null {
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

function uint(b: Buffer, t: { start: number; end: number }): number | null {
  const n = t.end - t.start;
  if (n < 1 || n > 5) return null;
  let v = 0;
  for (let i = t.start; i < t.end; i++) v = v * 256 + b[i]!;
  return v <= 0x7fffffff ? v : null;
}

/** msgID of a reportable SNMPv3 message, or null. */
export function reportableMsgId(b: Buffer): number | null {
  const msg = tlvAt(b, 0, 0x30);
  if (!msg) return null;
  const version = tlvAt(b, msg.start, 0x02);
  if (!version || uint(b, version) !== 3) return null;
  const global = tlvAt(b, version.end, 0x30);
  if (!global) return null;
  const id = tlvAt(b, global.start, 0x02);
  const maxSize = id && tlvAt(b, id.end, 0x02);
  const flags = maxSize && tlvAt(b, maxSize.end, 0x04);
  if (!id || !flags || flags.end - flags.start !== 1) return null;
  if (!(b[flags.start]! & REPORTABLE)) return null;
  return uint(b, id);
}

// ---------------------------------------------------------------- writing

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), content]);
}

/** Minimal two's-complement INTEGER (or an application type with the same rules). */
function int(v: number, tag = 0x02): Buffer {
  const bytes: number[] = [];
  let x = v;
  do {
    bytes.unshift(x & 0xff);
    x = Math.floor(x / 256);
  } while (x > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(tag, Buffer.from(bytes));
}

function oid(parts: readonly number[]): Buffer {
  const out = [parts[0]! * 40 + parts[1]!];
  for (const p of parts.slice(2)) {
    const enc = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) enc.unshift((v & 0x7f) | 0x80);
    out.push(...enc);
  }
  return tlv(0x06, Buffer.from(out));
}

/**
 * The Report for a request whose digest (or decryption) failed, sent
 * noAuthNoPriv with the request's msgID, as snmpd does. `count` is the
 * agent's usmStatsWrongDigests after this failure. Null when `request` is
 * not a reportable v3 message (a report must never answer a report).
 */
export function wrongDigestReport(request: Buffer, engine: LocalEngine, count: number): Buffer | null {
  const msgId = reportableMsgId(request);
  if (msgId === null) return null;
  const empty = Buffer.alloc(0);
  const global = tlv(0x30, Buffer.concat([int(msgId), int(65507), tlv(0x04, Buffer.from([0])), int(3)]));
  const usm = tlv(
    0x30,
    Buffer.concat([tlv(0x04, engine.engineID), int(engine.engineBoots), int(engine.engineTime), tlv(0x04, empty), tlv(0x04, empty), tlv(0x04, empty)]),
  );
  // The request's PDU is encrypted or untrusted: its request-id is not used (managers match on msgID).
  const varbind = tlv(0x30, Buffer.concat([oid(WRONG_DIGESTS), int(count >>> 0, 0x41)]));
  const pdu = tlv(0xa8, Buffer.concat([int(0), int(0), int(0), tlv(0x30, varbind)]));
  const scoped = tlv(0x30, Buffer.concat([tlv(0x04, engine.engineID), tlv(0x04, empty), pdu]));
  return tlv(0x30, Buffer.concat([int(3), global, tlv(0x04, usm), scoped]));
}
