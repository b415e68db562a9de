/**
 * Strict decoder of the SNMP requests an agent answers: v1/v2c community
 * messages, SNMPv3 messages (header and USM parameters; the scoped PDU
 * plaintext or encrypted) and the GET/GETNEXT/GETBULK/SET PDUs inside.
 * Pure, one pass, linear in the packet: every length is checked against its
 * enclosing TLV, OIDs longer than 128 sub-identifiers (snmpd's bound) and
 * values outside their SMI range are refused, and anything not understood
 * returns null (the agent drops it and counts snmpInASNParseErrs).
 */
import type { ObjectTypeCode, VarbindValue } from 'net-snmp';

/** snmpd's MAX_OID_LEN: a longer OID is never looked up. */
export const MAX_OID_LENGTH = 128;

export const TAG = {
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  IP_ADDRESS: 0x40,
  COUNTER32: 0x41,
  GAUGE32: 0x42,
  TIME_TICKS: 0x43,
  OPAQUE: 0x44,
  COUNTER64: 0x46,
  NO_SUCH_OBJECT: 0x80,
  NO_SUCH_INSTANCE: 0x81,
  END_OF_MIB_VIEW: 0x82,
} as const;

export const PDU = { GET: 0xa0, GETNEXT: 0xa1, RESPONSE: 0xa2, SET: 0xa3, GETBULK: 0xa5, REPORT: 0xa8 } as const;
export type RequestPduType = typeof PDU.GET | typeof PDU.GETNEXT | typeof PDU.SET | typeof PDU.GETBULK;

/** A varbind of a request; the dotted OID is made only when asked for. */
export class RequestVarbind {
  private dotted: string | undefined;
  constructor(
    readonly address: number[],
    /** ASN.1 tag of the value (ObjectType code). */
    readonly type: ObjectTypeCode,
    readonly value: VarbindValue,
    /** Offsets of the whole varbind TLV in the decoded buffer (to echo it). */
    readonly start: number,
    readonly end: number,
    /** Offsets of the OID's content octets. */
    readonly oidStart: number,
    readonly oidEnd: number,
  ) {}

  get oid(): string {
    return (this.dotted ??= this.address.join('.'));
  }
}

export interface RequestPdu {
  readonly type: RequestPduType;
  readonly requestId: number;
  /** error-status; non-repeaters of a GETBULK. */
  readonly nonRepeaters: number;
  /** error-index; max-repetitions of a GETBULK. */
  readonly maxRepetitions: number;
  readonly varbinds: RequestVarbind[];
  /** The buffer the offsets of the varbinds point into. */
  readonly buffer: Buffer;
}

export interface CommunityMessage {
  readonly version: 0 | 1;
  readonly community: Buffer;
  readonly pdu: RequestPdu;
}

export interface V3Message {
  readonly version: 3;
  readonly msgId: number;
  readonly maxSize: number;
  readonly flags: number;
  readonly securityModel: number;
  readonly engineId: Buffer;
  readonly engineBoots: number;
  readonly engineTime: number;
  readonly userName: Buffer;
  /** The authentication parameters: a view into the packet (zeroed while the digest is checked). */
  readonly authParams: Buffer;
  readonly privParams: Buffer;
  /** The scoped PDU: plaintext SEQUENCE bytes, or the encrypted octets when flags has priv. */
  readonly scoped: Buffer;
  readonly packet: Buffer;
}

export interface ScopedPdu {
  readonly contextEngineId: Buffer;
  readonly contextName: Buffer;
  readonly pdu: RequestPdu;
}

export type DecodedMessage = CommunityMessage | V3Message;

/** A read position over one buffer; `len`/`int` hold the last length/integer read. */
class Cursor {
  len = 0;
  int = 0;
  constructor(readonly b: Buffer) {}

  /** A TLV with `tag` at `at` ending by `end`: its content start (sets `len`), or -1. */
  expect(at: number, end: number, tag: number): number {
    const b = this.b;
    if (at + 1 >= end || b[at] !== tag) return -1;
    let p = at + 1;
    const first = b[p]!;
    if (first < 0x80) {
      this.len = first;
      p++;
    } else {
      const n = first & 0x7f;
      if (n === 0 || n > 3 || p + 1 + n > end) return -1; // indefinite or absurd
      let v = 0;
      for (let i = 1; i <= n; i++) v = v * 256 + b[p + i]!;
      this.len = v;
      p += 1 + n;
    }
    return p + this.len > end ? -1 : p;
  }

  /** INTEGER of 1..4 octets (Integer32): offset after it (sets `int`), or -1. */
  int32(at: number, end: number): number {
    const c = this.expect(at, end, TAG.INTEGER);
    if (c < 0 || this.len < 1 || this.len > 4) return -1;
    let v = this.b.readInt8(c);
    for (let i = 1; i < this.len; i++) v = v * 256 + this.b[c + i]!;
    this.int = v;
    return c + this.len;
  }

  /** OCTET STRING: a view of its content, or null; `len`+start give the end. */
  octets(at: number, end: number): Buffer | null {
    const c = this.expect(at, end, TAG.OCTET_STRING);
    return c < 0 ? null : this.b.subarray(c, c + this.len);
  }
}

/** OID content octets -> sub-identifiers (each minimal, at most 2^32 - 1, at most 128 of them), or null. */
export function decodeOid(b: Buffer, start: number, end: number): number[] | null {
  if (start >= end || end - start > 5 * MAX_OID_LENGTH) return null;
  const out: number[] = [];
  let v = 0;
  let digits = 0;
  let first = true;
  for (let i = start; i < end; i++) {
    const x = b[i]!;
    if (digits === 0 && x === 0x80) return null; // non-minimal
    v = v * 128 + (x & 0x7f);
    if (v > 0xffffffff || ++digits > 5) return null;
    if (x & 0x80) continue;
    if (first) {
      const top = v < 80 ? Math.floor(v / 40) : 2;
      out.push(top, v - 40 * top);
      first = false;
    } else {
      out.push(v);
    }
    if (out.length > MAX_OID_LENGTH) return null;
    v = 0;
    digits = 0;
  }
  return digits === 0 ? out : null;
}

function unsigned(b: Buffer, c: number, len: number, max: number): number | null {
  if (len < 1 || len > 5 || (len === 5 && b[c] !== 0)) return null;
  if (b[c]! & 0x80) return null; // negative
  let v = 0;
  for (let i = 0; i < len; i++) v = v * 256 + b[c + i]!;
  return v <= max ? v : null;
}

const NO_VALUE = Symbol('bad value');

/** A varbind value by its tag, as net-snmp represents it; NO_VALUE when malformed. */
function decodeValue(r: Cursor, tag: number, c: number, len: number): VarbindValue | typeof NO_VALUE {
  const b = r.b;
  switch (tag) {
    case TAG.INTEGER: {
      if (len < 1 || len > 4) return NO_VALUE;
      let v = b.readInt8(c);
      for (let i = 1; i < len; i++) v = v * 256 + b[c + i]!;
      return v;
    }
    case TAG.OCTET_STRING:
    case TAG.OPAQUE:
      return b.subarray(c, c + len);
    case TAG.COUNTER64:
      return len >= 1 && len <= 9 ? b.subarray(c, c + len) : NO_VALUE;
    case TAG.NULL:
    case TAG.NO_SUCH_OBJECT:
    case TAG.NO_SUCH_INSTANCE:
    case TAG.END_OF_MIB_VIEW:
      return len === 0 ? null : NO_VALUE;
    case TAG.OID: {
      const parts = decodeOid(b, c, c + len);
      return parts ? parts.join('.') : NO_VALUE;
    }
    case TAG.IP_ADDRESS:
      return len === 4 ? `${b[c]}.${b[c + 1]}.${b[c + 2]}.${b[c + 3]}` : NO_VALUE;
    case TAG.COUNTER32:
    case TAG.GAUGE32:
    case TAG.TIME_TICKS:
      return unsigned(b, c, len, 0xffffffff) ?? NO_VALUE;
    default:
      return NO_VALUE;
  }
}

/** A request PDU occupying exactly [at, end) of `b`, or null. */
export function decodePdu(b: Buffer, at: number, end: number): RequestPdu | null {
  const r = new Cursor(b);
  const type = b[at];
  if (type !== PDU.GET && type !== PDU.GETNEXT && type !== PDU.SET && type !== PDU.GETBULK) return null;
  let p = r.expect(at, end, type);
  if (p < 0 || p + r.len !== end) return null;
  p = r.int32(p, end);
  if (p < 0) return null;
  const requestId = r.int;
  p = r.int32(p, end);
  if (p < 0) return null;
  const nonRepeaters = r.int;
  p = r.int32(p, end);
  if (p < 0) return null;
  const maxRepetitions = r.int;
  p = r.expect(p, end, TAG.SEQUENCE);
  if (p < 0 || p + r.len !== end) return null;
  const varbinds: RequestVarbind[] = [];
  while (p < end) {
    const vbStart = p;
    const c = r.expect(p, end, TAG.SEQUENCE);
    if (c < 0) return null;
    const vbEnd = c + r.len;
    const o = r.expect(c, vbEnd, TAG.OID);
    if (o < 0) return null;
    const oEnd = o + r.len;
    const address = decodeOid(b, o, oEnd);
    if (!address) return null;
    const tag = b[oEnd];
    if (tag === undefined || oEnd >= vbEnd) return null;
    const v = r.expect(oEnd, vbEnd, tag);
    if (v < 0 || v + r.len !== vbEnd) return null;
    const value = decodeValue(r, tag, v, r.len);
    if (value === NO_VALUE) return null;
    varbinds.push(new RequestVarbind(address, tag as ObjectTypeCode, value, vbStart, vbEnd, o, oEnd));
    p = vbEnd;
  }
  return { type, requestId, nonRepeaters, maxRepetitions, varbinds, buffer: b };
}

/** Any request message, or null (malformed, or a PDU an agent does not answer). */
export function decodeMessage(b: Buffer): DecodedMessage | null {
  const r = new Cursor(b);
  const total = b.length;
  let p = r.expect(0, total, TAG.SEQUENCE);
  if (p < 0 || p + r.len !== total) return null;
  p = r.int32(p, total);
  if (p < 0) return null;
  const version = r.int;
  if (version === 0 || version === 1) {
    const community = r.octets(p, total);
    if (!community) return null;
    p = community.byteOffset - b.byteOffset + community.length;
    const pdu = decodePdu(b, p, total);
    // GETBULK does not exist in SNMPv1
    if (!pdu || (version === 0 && pdu.type === PDU.GETBULK)) return null;
    return { version, community, pdu };
  }
  if (version !== 3) return null;
  // msgGlobalData
  const g = r.expect(p, total, TAG.SEQUENCE);
  if (g < 0) return null;
  const gEnd = g + r.len;
  let q = r.int32(g, gEnd);
  if (q < 0 || r.int < 0) return null;
  const msgId = r.int;
  q = r.int32(q, gEnd);
  if (q < 0 || r.int < 484) return null; // RFC 3412: msgMaxSize (484..2^31-1)
  const maxSize = r.int;
  const flags = r.octets(q, gEnd);
  if (!flags || flags.length !== 1) return null;
  q = flags.byteOffset - b.byteOffset + 1;
  q = r.int32(q, gEnd);
  if (q !== gEnd) return null;
  const securityModel = r.int;
  // msgSecurityParameters: an OCTET STRING holding the USM SEQUENCE
  const sp = r.expect(gEnd, total, TAG.OCTET_STRING);
  if (sp < 0) return null;
  const spEnd = sp + r.len;
  const u = r.expect(sp, spEnd, TAG.SEQUENCE);
  if (u < 0 || u + r.len !== spEnd) return null;
  const engineId = r.octets(u, spEnd);
  if (!engineId || engineId.length > 32) return null;
  let s = engineId.byteOffset - b.byteOffset + engineId.length;
  s = r.int32(s, spEnd);
  if (s < 0 || r.int < 0) return null;
  const engineBoots = r.int;
  s = r.int32(s, spEnd);
  if (s < 0 || r.int < 0) return null;
  const engineTime = r.int;
  const userName = r.octets(s, spEnd);
  if (!userName || userName.length > 32) return null;
  s = userName.byteOffset - b.byteOffset + userName.length;
  const authParams = r.octets(s, spEnd);
  if (!authParams) return null;
  s = authParams.byteOffset - b.byteOffset + authParams.length;
  const privParams = r.octets(s, spEnd);
  if (!privParams || privParams.byteOffset - b.byteOffset + privParams.length !== spEnd) return null;
  // msgData: plaintext scopedPDU or encryptedPDU
  let scoped: Buffer;
  if (flags[0]! & 0x02) {
    const e = r.octets(spEnd, total);
    if (!e || e.byteOffset - b.byteOffset + e.length !== total) return null;
    scoped = e;
  } else {
    const c = r.expect(spEnd, total, TAG.SEQUENCE);
    if (c < 0 || c + r.len !== total) return null;
    scoped = b.subarray(spEnd, total);
  }
  return {
    version: 3, msgId, maxSize, flags: flags[0]!, securityModel, engineId, engineBoots, engineTime, userName, authParams, privParams, scoped, packet: b,
  };
}

/** A scoped PDU (plaintext, or decrypted with padding after it), or null. */
export function decodeScopedPdu(b: Buffer): ScopedPdu | null {
  const r = new Cursor(b);
  const c = r.expect(0, b.length, TAG.SEQUENCE);
  if (c < 0) return null;
  const end = c + r.len; // a decrypted DES PDU carries padding after the SEQUENCE
  const contextEngineId = r.octets(c, end);
  if (!contextEngineId) return null;
  const n = contextEngineId.byteOffset - b.byteOffset + contextEngineId.length;
  const contextName = r.octets(n, end);
  if (!contextName) return null;
  const pdu = decodePdu(b, contextName.byteOffset - b.byteOffset + contextName.length, end);
  return pdu ? { contextEngineId, contextName, pdu } : null;
}
