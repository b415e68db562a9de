/**
 * The agent's response encoder: writes BER backwards from the end of a
 * reused scratch buffer, so every length is known when its header is
 * written (one pass, no intermediate objects). A message is built inside
 * out: varbinds, PDU header, then the envelope (community message or v3
 * scoped PDU); finish() copies it out (dgram may hold a buffer until sent).
 */
import type { ObjectTypeCode, VarbindValue } from 'net-snmp';
import { TAG, type RequestPdu } from './wire.js';

export interface OutVarbind {
  readonly oid: string;
  readonly type?: ObjectTypeCode;
  readonly value?: VarbindValue;
}

const MAX_INT32 = 0x7fffffff;
const OID_CACHE = 50_000;

export class Encoder {
  private buf: Buffer;
  private pos = 0;
  private end = 0;
  // Stryker disable next-line ArrayDeclaration: oidContent() empties the list before use
  private readonly parts: number[] = [];
  private readonly oids = new Map<string, Uint8Array>();

  constructor(capacity = 65536) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Starts a message that needs at most `bound` octets. */
  begin(bound: number): void {
    if (bound > this.buf.length) this.buf = Buffer.allocUnsafe(bound);
    this.pos = this.end = this.buf.length;
  }

  /** Octets written since begin(). */
  get length(): number {
    return this.end - this.pos;
  }

  /** Marks the current position (e.g. the end of a SEQUENCE still to be closed). */
  mark(): number {
    return this.pos;
  }

  /** Closes a constructed TLV whose content runs from the current position to `mark`. */
  wrap(tag: number, mark: number): void {
    this.header(tag, mark - this.pos);
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(this.pos, this.end));
  }

  /** Varbinds with their values; false when a value cannot be encoded (a provider bug). */
  varbinds(vbs: readonly OutVarbind[], pdu?: RequestPdu): boolean {
    const end = this.pos;
    for (let i = vbs.length - 1; i >= 0; i--) {
      const vb = vbs[i]!;
      const vbEnd = this.pos;
      if (!this.value(vb)) return false;
      if (pdu) {
        // response varbind i names request OID i (GET): copy its octets
        const r = pdu.varbinds[i]!;
        this.raw(pdu.buffer, r.oidStart, r.oidEnd);
        this.header(TAG.OID, r.oidEnd - r.oidStart);
      } else if (!this.oid(vb.oid)) {
        return false;
      }
      this.header(TAG.SEQUENCE, vbEnd - this.pos);
    }
    this.header(TAG.SEQUENCE, end - this.pos);
    return true;
  }

  /** The request's varbind list as it came (error responses, SET responses). */
  echo(pdu: RequestPdu): void {
    const end = this.pos;
    for (let i = pdu.varbinds.length - 1; i >= 0; i--) {
      const vb = pdu.varbinds[i]!;
      this.raw(pdu.buffer, vb.start, vb.end);
    }
    this.header(TAG.SEQUENCE, end - this.pos);
  }

  /** An empty varbind list. */
  none(): void {
    this.header(TAG.SEQUENCE, 0);
  }

  pduHeader(tag: number, requestId: number, errorStatus: number, errorIndex: number, mark: number): void {
    this.int(errorIndex);
    this.int(errorStatus);
    this.int(requestId);
    this.header(tag, mark - this.pos);
  }

  octets(src: Buffer): void {
    this.raw(src, 0, src.length);
    this.header(TAG.OCTET_STRING, src.length);
  }

  /** Minimal two's complement INTEGER (or an application type by `tag`). */
  int(v: number, tag = TAG.INTEGER as number): void {
    const start = this.pos;
    let i = v;
    for (;;) {
      this.buf[--this.pos] = i & 0xff;
      if (i >= -0x80 && i < 0x80) break;
      i = Math.floor(i / 0x100);
    }
    this.header(tag, start - this.pos);
  }

  private raw(src: Buffer, s: number, e: number): void {
    this.pos -= e - s;
    src.copy(this.buf, this.pos, s, e);
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

  /** Dotted OID as a TLV; content octets cached (walks answer the same OIDs again and again). */
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
    this.header(TAG.OID, n);
    return true;
  }

  private value(vb: OutVarbind): boolean {
    const { type, value } = vb;
    if (!type) {
      this.header(TAG.NULL, 0);
      return true;
    }
    switch (type) {
      case 1: // Boolean
        this.buf[--this.pos] = value ? 0xff : 0x00;
        this.header(1, 1);
        return true;
      case TAG.INTEGER:
        if (typeof value !== 'number' || !Number.isInteger(value) || value < -0x80000000 || value > MAX_INT32) return false;
        this.int(value);
        return true;
      case TAG.OCTET_STRING:
        if (typeof value === 'string') {
          const n = Buffer.byteLength(value);
          this.pos -= n;
          // Stryker disable next-line StringLiteral: Buffer.write takes an empty encoding as UTF-8
          this.buf.write(value, this.pos, n, 'utf8');
          this.header(TAG.OCTET_STRING, n);
          return true;
        }
        if (!Buffer.isBuffer(value)) return false;
        this.octets(value);
        return true;
      case TAG.NULL:
        this.header(TAG.NULL, 0);
        return true;
      case TAG.OID:
        return typeof value === 'string' && this.oid(value);
      case TAG.IP_ADDRESS:
        return this.ip(value);
      case TAG.COUNTER32:
      case TAG.GAUGE32:
      case TAG.TIME_TICKS:
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) return false;
        this.int(value, type);
        return true;
      case TAG.OPAQUE:
      case TAG.COUNTER64:
        if (!Buffer.isBuffer(value)) return false;
        this.raw(value, 0, value.length);
        this.header(type, value.length);
        return true;
      case TAG.NO_SUCH_OBJECT:
      case TAG.NO_SUCH_INSTANCE:
      case TAG.END_OF_MIB_VIEW:
        this.header(type, 0);
        return true;
      // Stryker disable next-line ConditionalExpression: without the default value() returns undefined, which varbinds() takes as false
      default:
        return false;
    }
  }

  private ip(value: unknown): boolean {
    if (Buffer.isBuffer(value) && value.length === 4) {
      this.raw(value, 0, 4);
      this.header(TAG.IP_ADDRESS, 4);
      return true;
    }
    if (typeof value !== 'string') return false;
    const q = value.split('.');
    if (q.length !== 4) return false;
    const start = this.pos;
    for (let i = 3; i >= 0; i--) {
      const part = q[i]!;
      if (!/^\d{1,3}$/.test(part)) return false;
      const n = Number(part);
      if (n > 255) return false;
      this.buf[--this.pos] = n;
    }
    this.header(TAG.IP_ADDRESS, start - this.pos);
    return true;
  }
}

/** Content octets of a dotted OID (at least two parts, first*40+second), or null. */
// Stryker disable next-line ArrayDeclaration: the list is emptied before use
export function oidContent(s: string, parts: number[] = []): Uint8Array | null {
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
      // Stryker disable next-line UpdateOperator: only whether `digits` is zero matters
      digits++;
      if (v > 0xffffffff) return null;
    } else {
      return null;
    }
  }
  if (digits === 0) return null;
  parts.push(v);
  if (parts.length < 2 || parts[0]! > 2 || (parts[0]! < 2 && parts[1]! >= 40)) return null;
  const out: number[] = [];
  const push = (x: number): void => {
    const at = out.length;
    out.push(x & 0x7f);
    for (let y = Math.floor(x / 128); y > 0; y = Math.floor(y / 128)) out.splice(at, 0, (y & 0x7f) | 0x80);
  };
  push(parts[0]! * 40 + parts[1]!);
  for (let i = 2; i < parts.length; i++) push(parts[i]!);
  return Uint8Array.from(out);
}

/** Upper bound of the encoded size of varbinds (for the scratch buffer). */
export function varbindsBound(vbs: readonly OutVarbind[]): number {
  let n = 16;
  for (const vb of vbs) {
    const v = vb.value;
    n += 24 + 2 * vb.oid.length + (typeof v === 'string' ? 3 * v.length : Buffer.isBuffer(v) ? v.length : 8);
  }
  return n;
}
