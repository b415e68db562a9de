/**
 * A strict codec for the one message shape that dominates an agent's load:
 * an SNMPv2c GET, GETNEXT or GETBULK whose varbinds carry NULL values, and
 * its GetResponse. Pure (no sockets). net-snmp's generic path builds a
 * Reader, PDU and Message object per request and a 1 KiB ber Writer per
 * response; this decodes in one pass and encodes backwards into a reused
 * scratch buffer.
 *
 * The decoder returns null for anything it does not fully understand
 * (another version or PDU type, non-NULL values, long or non-minimal OID
 * sub-identifiers, inconsistent lengths, trailing bytes); the caller then
 * hands the packet to net-snmp unchanged, so every unusual packet keeps
 * net-snmp's behaviour (errors, counters, reports). What it accepts, it
 * decodes to exactly the values net-snmp's reader would, and the encoder
 * writes byte for byte what net-snmp's writer writes (test/unit/agent-community-codec.test.ts
 * compares both), or returns null for a value it cannot encode the same way.
 */
import type { ObjectTypeCode, VarbindValue } from 'net-snmp';

export const PDU_GET = 0xa0;
export const PDU_GETNEXT = 0xa1;
export const PDU_GETBULK = 0xa5;
const PDU_RESPONSE = 0xa2;
const SEQUENCE = 0x30;
const INTEGER = 0x02;
const OCTET_STRING = 0x04;
const NULL = 0x05;
const OID = 0x06;
const MAX_INT32 = 0x7fffffff;

export interface CommunityRequest {
  /** 1 = SNMPv2c (the only version accepted). */
  readonly version: 1;
  /** Community octets as received (a view into the packet). */
  readonly community: Buffer;
  readonly pduType: typeof PDU_GET | typeof PDU_GETNEXT | typeof PDU_GETBULK;
  readonly requestId: number;
  /** error-status field; non-repeaters in a GETBULK. */
  readonly nonRepeaters: number;
  /** error-index field; max-repetitions in a GETBULK. */
  readonly maxRepetitions: number;
  readonly varbinds: RequestVarbind[];
  /** Where each OID's content octets lie in the packet (start, end), for echoing them. */
  readonly oidSpans: number[];
  readonly packet: Buffer;
}

/** A request varbind; the dotted OID (as net-snmp's reader prints it) is made only when asked for. */
export class RequestVarbind {
  private dotted: string | undefined;
  constructor(readonly address: number[]) {}

  get oid(): string {
    return (this.dotted ??= this.address.join('.'));
  }
}

/** Response varbind as fast-read.ts produces it (net-snmp's varbind shape). */
export interface ResponseVarbind {
  readonly oid: string;
  readonly type?: ObjectTypeCode;
  readonly value?: VarbindValue;
}

// ---------------------------------------------------------------- decoding

/** A read position over one packet; `len`/`int` hold the last length/integer read. */
class Cursor {
  len = 0;
  int = 0;
  constructor(readonly b: Buffer) {}

  /** Offset after the length octets at `at` (sets `len`), or -1. */
  private length(at: number, end: number): number {
    const b = this.b;
    if (at >= end) return -1;
    const first = b[at]!;
    if (first < 0x80) {
      this.len = first;
      return at + 1;
    }
    const n = first & 0x7f;
    if (n === 0 || n > 3 || at + 1 + n > end) return -1; // indefinite or absurd
    let v = 0;
    for (let i = 1; i <= n; i++) v = v * 256 + b[at + i]!;
    this.len = v;
    return at + 1 + n;
  }

  /** A TLV with `tag` at `at` whose content ends by `end`: its content start (sets `len`), or -1. */
  expect(at: number, end: number, tag: number): number {
    if (at >= end || this.b[at] !== tag) return -1;
    const c = this.length(at + 1, end);
    if (c < 0 || c + this.len > end) return -1;
    return c;
  }

  /** INTEGER of 1..4 octets (int32, as net-snmp's readInt32 reads it): offset after it (sets `int`), or -1. */
  int32(at: number, end: number): number {
    const c = this.expect(at, end, INTEGER);
    if (c < 0 || this.len < 1 || this.len > 4) return -1;
    let v = this.b.readInt8(c);
    for (let i = 1; i < this.len; i++) v = v * 256 + this.b[c + i]!;
    this.int = v;
    return c + this.len;
  }
}

/**
 * OID content octets -> numbers, the way net-snmp's reader splits the first
 * sub-identifier (value / 40, value % 40). Only what every net-snmp code path
 * accepts unchanged: a first sub-identifier of one octet below 120 and every
 * other one minimal and at most 2^31 - 1 (net-snmp's range for OID parts).
 */
function decodeOid(b: Buffer, start: number, end: number): number[] | null {
  if (start >= end) return null;
  const first = b[start]!;
  if (first >= 120) return null;
  const out = [Math.floor(first / 40), first % 40];
  let v = 0;
  let digits = 0;
  for (let i = start + 1; i < end; i++) {
    const x = b[i]!;
    if (digits === 0 && x === 0x80) return null; // non-minimal
    v = v * 128 + (x & 0x7f);
    if (v > MAX_INT32) return null;
    if (x & 0x80) {
      digits++;
    } else {
      out.push(v);
      v = 0;
      digits = 0;
    }
  }
  return digits === 0 ? out : null;
}

/** Decodes a v2c GET/GETNEXT/GETBULK with NULL varbind values, or null (leave it to net-snmp). */
export function decodeCommunityRequest(b: Buffer): CommunityRequest | null {
  const r = new Cursor(b);
  const total = b.length;
  let p = r.expect(0, total, SEQUENCE);
  if (p < 0 || p + r.len !== total) return null;
  p = r.int32(p, total);
  if (p < 0 || r.int !== 1) return null;
  const cs = r.expect(p, total, OCTET_STRING);
  if (cs < 0) return null;
  const community = b.subarray(cs, cs + r.len);
  p = cs + r.len;
  const pduType = b[p];
  if (pduType !== PDU_GET && pduType !== PDU_GETNEXT && pduType !== PDU_GETBULK) return null;
  p = r.expect(p, total, pduType);
  if (p < 0 || p + r.len !== total) return null;
  p = r.int32(p, total);
  if (p < 0) return null;
  const requestId = r.int;
  p = r.int32(p, total);
  if (p < 0) return null;
  const nonRepeaters = r.int;
  p = r.int32(p, total);
  if (p < 0) return null;
  const maxRepetitions = r.int;
  p = r.expect(p, total, SEQUENCE);
  if (p < 0 || p + r.len !== total) return null;
  const varbinds: RequestVarbind[] = [];
  const oidSpans: number[] = [];
  while (p < total) {
    const vbStart = r.expect(p, total, SEQUENCE);
    if (vbStart < 0) return null;
    const vbEnd = vbStart + r.len;
    const o = r.expect(vbStart, vbEnd, OID);
    if (o < 0) return null;
    const oEnd = o + r.len;
    const address = decodeOid(b, o, oEnd);
    if (!address) return null;
    // the value: NULL, exactly, and nothing after it inside the varbind
    if (oEnd + 2 !== vbEnd || b[oEnd] !== NULL || b[oEnd + 1] !== 0) return null;
    varbinds.push(new RequestVarbind(address));
    oidSpans.push(o, oEnd);
    p = vbEnd;
  }
  return { version: 1, community, pduType, requestId, nonRepeaters, maxRepetitions, varbinds, oidSpans, packet: b };
}

// ---------------------------------------------------------------- encoding

/**
 * Writes backwards from the end of a scratch buffer, so every length is
 * known when its header is written. One writer per agent; a response is
 * copied out before it is sent (dgram may hold the buffer until sent).
 */
export class ResponseEncoder {
  private buf: Buffer;
  private pos = 0;
  private readonly parts: number[] = [];
  private readonly oids = new Map<string, Uint8Array>();

  constructor(capacity = 65536) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /**
   * The GetResponse for `req`, or null when a value cannot be encoded exactly
   * as net-snmp would. For a GET, response varbind i must name request OID i
   * (RFC 3416 4.2.1, as fast-read.ts answers): its octets are copied from the request.
   */
  encode(req: CommunityRequest, varbinds: readonly ResponseVarbind[], errorStatus = 0, errorIndex = 0): Buffer | null {
    const need = 64 + req.community.length + varbindsBound(varbinds);
    if (need > this.buf.length) this.buf = Buffer.allocUnsafe(need);
    this.pos = this.buf.length;
    const end = this.pos;
    const echo = req.pduType === PDU_GET;
    if (echo && varbinds.length !== req.varbinds.length) return null;
    for (let i = varbinds.length - 1; i >= 0; i--) {
      const vb = varbinds[i]!;
      const vbEnd = this.pos;
      if (!this.value(vb)) return null;
      if (echo) {
        // a GET answers with the request's OIDs: copy their octets
        const s = req.oidSpans[2 * i]!;
        const e = req.oidSpans[2 * i + 1]!;
        this.pos -= e - s;
        req.packet.copy(this.buf, this.pos, s, e);
        this.header(OID, e - s);
      } else if (!this.oid(vb.oid)) {
        return null;
      }
      this.header(SEQUENCE, vbEnd - this.pos);
    }
    this.header(SEQUENCE, end - this.pos);
    this.int(errorIndex);
    this.int(errorStatus);
    this.int(req.requestId);
    this.header(PDU_RESPONSE, end - this.pos);
    this.pos -= req.community.length;
    req.community.copy(this.buf, this.pos);
    this.header(OCTET_STRING, req.community.length);
    this.int(req.version);
    this.header(SEQUENCE, end - this.pos);
    return Buffer.from(this.buf.subarray(this.pos, end));
  }

  private header(tag: number, length: number): void {
    const b = this.buf;
    if (length <= 0x7f) {
      b[--this.pos] = length;
    } else if (length <= 0xff) {
      b[--this.pos] = length;
      b[--this.pos] = 0x81;
    } else if (length <= 0xffff) {
      b[--this.pos] = length & 0xff;
      b[--this.pos] = length >> 8;
      b[--this.pos] = 0x82;
    } else {
      b[--this.pos] = length & 0xff;
      b[--this.pos] = (length >> 8) & 0xff;
      b[--this.pos] = length >> 16;
      b[--this.pos] = 0x83;
    }
    b[--this.pos] = tag;
  }

  /** Minimal two's complement, like asn1-ber's writeInt. */
  private int(v: number, tag = INTEGER): void {
    const start = this.pos;
    let i = v;
    for (;;) {
      this.buf[--this.pos] = i & 0xff;
      if (i >= -0x80 && i < 0x80) break;
      i = Math.floor(i / 0x100);
    }
    this.header(tag, start - this.pos);
  }

  /** Dotted OID as a TLV; its content octets come from a cache (walks answer the same OIDs again and again). */
  private oid(s: string): boolean {
    let content = this.oids.get(s);
    if (!content) {
      const made = oidContent(s, this.parts);
      if (!made) return false;
      content = made;
      // bounded: a GETNEXT past the end echoes whatever OID it was sent
      if (this.oids.size >= OID_CACHE) this.oids.clear();
      this.oids.set(s, content);
    }
    const b = this.buf;
    const n = content.length;
    this.pos -= n;
    for (let i = 0; i < n; i++) b[this.pos + i] = content[i]!;
    this.header(OID, n);
    return true;
  }

  private bytes(tag: number, src: Buffer): void {
    this.pos -= src.length;
    src.copy(this.buf, this.pos);
    this.header(tag, src.length);
  }

  /** The value TLV, as net-snmp's writeVarbinds writes it; false when it would not write it or throw. */
  private value(vb: ResponseVarbind): boolean {
    const { type, value } = vb;
    if (!type || !('value' in vb)) {
      this.header(NULL, 0);
      return true;
    }
    switch (type) {
      case 1: // Boolean
        this.buf[--this.pos] = value ? 0xff : 0x00;
        this.header(1, 1);
        return true;
      case 2: // Integer
        if (typeof value !== 'number' || !Number.isInteger(value) || value < -0x80000000 || value > MAX_INT32) return false;
        this.int(value);
        return true;
      case 4: // OctetString
        if (typeof value === 'string') {
          const n = Buffer.byteLength(value);
          this.pos -= n;
          this.buf.write(value, this.pos, n, 'utf8');
          this.header(OCTET_STRING, n);
          return true;
        }
        if (!Buffer.isBuffer(value)) return false;
        this.bytes(OCTET_STRING, value);
        return true;
      case 5: // Null
        this.header(NULL, 0);
        return true;
      case 6: // OID
        return typeof value === 'string' && this.oid(value);
      case 64: // IpAddress
        return typeof value === 'string' && this.ip(value);
      case 65: // Counter32
      case 66: // Gauge32
      case 67: // TimeTicks
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) return false;
        this.int(value, type);
        return true;
      case 68: // Opaque
      case 70: // Counter64
        if (!Buffer.isBuffer(value)) return false;
        this.bytes(type, value);
        return true;
      case 128: // noSuchObject
      case 129: // noSuchInstance
      case 130: // endOfMibView
        this.header(type, 0);
        return true;
      default:
        return false;
    }
  }

  private ip(s: string): boolean {
    const q = s.split('.');
    if (q.length !== 4) return false;
    const start = this.pos;
    for (let i = 3; i >= 0; i--) {
      const part = q[i]!;
      if (!/^\d{1,3}$/.test(part)) return false;
      const n = Number(part);
      if (n > 255) return false;
      this.buf[--this.pos] = n;
    }
    this.header(64, start - this.pos);
    return true;
  }
}

const OID_CACHE = 50_000;

/** Content octets of a dotted OID by net-snmp's writeOID rules (at least two parts, first*40+second in one octet), or null. */
function oidContent(s: string, parts: number[]): Uint8Array | null {
  parts.length = 0;
  let v = 0;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c === -2) {
      if (digits === 0) return null;
      parts.push(v);
      v = 0;
      digits = 0;
    } else if (c >= 0 && c <= 9) {
      v = v * 10 + c;
      digits++;
      if (v > 0xffffffff) return null;
    } else {
      return null;
    }
  }
  if (digits === 0) return null;
  parts.push(v);
  if (parts.length < 2) return null;
  const first = parts[0]! * 40 + parts[1]!;
  if (first > 0x7f) return null;
  const out: number[] = [first];
  for (let i = 2; i < parts.length; i++) {
    const x = parts[i]!;
    const at = out.length;
    out.push(x & 0x7f);
    for (let y = Math.floor(x / 128); y > 0; y = Math.floor(y / 128)) out.splice(at, 0, (y & 0x7f) | 0x80);
  }
  return Uint8Array.from(out);
}

/** Upper bound of the encoded size of the varbinds (for the scratch buffer). */
function varbindsBound(vbs: readonly ResponseVarbind[]): number {
  let n = 16;
  for (const vb of vbs) {
    const v = vb.value;
    n += 24 + vb.oid.length + (typeof v === 'string' ? 3 * v.length : Buffer.isBuffer(v) ? v.length : 8);
  }
  return n;
}
