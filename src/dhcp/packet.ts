/**
 * DHCPv4 wire format (RFC 2131 section 2, RFC 2132 options), sans-IO.
 * Options live in a raw map (code -> bytes) so unknown options survive a
 * round trip; typed getters are in options.ts. Hostile input is rejected
 * with a DecodeError, never with any other exception.
 */
import { DecodeError } from '../errors.js';

export interface DhcpPacket {
  op: 1 | 2;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** Always 16 bytes; the hardware address is the first `hlen`. */
  chaddr: Buffer;
  sname: string;
  file: string;
  options: Map<number, Buffer>;
}

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
export const MAGIC_COOKIE = 0x63825363;
/** Fixed header (236) + magic cookie. */
export const HEADER_LENGTH = 240;
/** BOOTP's minimum message size; some boot ROMs drop shorter replies (RFC 1542 2.1). */
export const MIN_PACKET_LENGTH = 300;
export const FLAG_BROADCAST = 0x8000;

const OPT_PAD = 0;
const OPT_END = 255;
const OPT_OVERLOAD = 52;

function ipAt(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

function cString(b: Uint8Array, start: number, len: number): string {
  const field = b.subarray(start, start + len);
  const nul = field.indexOf(0);
  return Buffer.from(field.subarray(0, nul < 0 ? len : nul)).toString('latin1');
}

/**
 * Parses one options area into `into`. Repeated codes are concatenated
 * (RFC 3396). `strict` areas (the options field) must be well formed;
 * overloaded sname/file areas are parsed the same way.
 */
function parseOptions(b: Uint8Array, start: number, end: number, into: Map<number, Buffer>, where: string): void {
  let i = start;
  while (i < end) {
    const code = b[i]!;
    if (code === OPT_PAD) {
      i++;
      continue;
    }
    if (code === OPT_END) return;
    if (i + 1 >= end) throw new DecodeError('DHCP packet', `option ${code} in ${where} at offset ${i} has no length byte`);
    const len = b[i + 1]!;
    if (i + 2 + len > end) {
      throw new DecodeError('DHCP packet', `option ${code} in ${where} at offset ${i} claims ${len} bytes, only ${end - i - 2} left`);
    }
    const value = Buffer.from(b.subarray(i + 2, i + 2 + len));
    const prev = into.get(code);
    into.set(code, prev ? Buffer.concat([prev, value]) : value);
    i += 2 + len;
  }
  // A missing END is tolerated: some clients end the datagram right after the last option.
}

export function decodeDhcp(buf: Uint8Array): DhcpPacket {
  if (!(buf instanceof Uint8Array)) throw new DecodeError('DHCP packet', 'input is not bytes');
  if (buf.length < HEADER_LENGTH) {
    throw new DecodeError('DHCP packet', `${buf.length} bytes is shorter than the ${HEADER_LENGTH}-byte header`);
  }
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const op = buf[0]!;
  if (op !== BOOTREQUEST && op !== BOOTREPLY) throw new DecodeError('DHCP packet', `op ${op} is neither 1 (request) nor 2 (reply)`);
  const hlen = buf[2]!;
  if (hlen > 16) throw new DecodeError('DHCP packet', `hlen ${hlen} is larger than the 16-byte chaddr field`);
  if (dv.getUint32(236) !== MAGIC_COOKIE) throw new DecodeError('DHCP packet', 'no DHCP magic cookie (plain BOOTP is not served)');
  const options = new Map<number, Buffer>();
  parseOptions(buf, HEADER_LENGTH, buf.length, options, 'options');
  let sname = cString(buf, 44, 64);
  let file = cString(buf, 108, 128);
  const overload = options.get(OPT_OVERLOAD);
  if (overload && overload.length === 1) {
    // RFC 2131 4.1: file is parsed before sname.
    if (overload[0]! & 1) {
      parseOptions(buf, 108, 236, options, 'file');
      file = '';
    }
    if (overload[0]! & 2) {
      parseOptions(buf, 44, 108, options, 'sname');
      sname = '';
    }
  }
  return {
    op: op as 1 | 2,
    htype: buf[1]!,
    hlen,
    hops: buf[3]!,
    xid: dv.getUint32(4),
    secs: dv.getUint16(8),
    flags: dv.getUint16(10),
    ciaddr: ipAt(buf, 12),
    yiaddr: ipAt(buf, 16),
    siaddr: ipAt(buf, 20),
    giaddr: ipAt(buf, 24),
    chaddr: Buffer.from(buf.subarray(28, 44)),
    sname,
    file,
    options,
  };
}

function writeIp(out: Buffer, offset: number, ip: string, field: string): void {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new RangeError(`DHCP ${field} '${ip}' is not an IPv4 address`);
  }
  parts.forEach((p, k) => (out[offset + k] = Number(p)));
}

/** Bytes the options area takes (each value split in 255-byte pieces, plus END). */
export function optionsLength(options: Map<number, Buffer>): number {
  let n = 1;
  for (const [code, v] of options) {
    if (code === OPT_PAD || code === OPT_END) continue;
    n += v.length === 0 ? 2 : v.length + 2 * Math.ceil(v.length / 255);
  }
  return n;
}

/**
 * Encodes a packet. Option 53 goes first (some boot ROMs look only there);
 * the rest keep their map order; values over 255 bytes are split (RFC 3396).
 * The result is padded to BOOTP's 300-byte minimum.
 */
export function encodeDhcp(p: DhcpPacket): Buffer {
  const len = Math.max(MIN_PACKET_LENGTH, HEADER_LENGTH + optionsLength(p.options));
  const out = Buffer.alloc(len);
  out[0] = p.op;
  out[1] = p.htype & 255;
  out[2] = p.hlen & 255;
  out[3] = p.hops & 255;
  out.writeUInt32BE(p.xid >>> 0, 4);
  out.writeUInt16BE(p.secs & 0xffff, 8);
  out.writeUInt16BE(p.flags & 0xffff, 10);
  writeIp(out, 12, p.ciaddr, 'ciaddr');
  writeIp(out, 16, p.yiaddr, 'yiaddr');
  writeIp(out, 20, p.siaddr, 'siaddr');
  writeIp(out, 24, p.giaddr, 'giaddr');
  p.chaddr.copy(out, 28, 0, Math.min(16, p.chaddr.length));
  out.write(p.sname, 44, 63, 'latin1');
  out.write(p.file, 108, 127, 'latin1');
  out.writeUInt32BE(MAGIC_COOKIE, 236);
  let i = HEADER_LENGTH;
  const put = (code: number, v: Buffer): void => {
    if (v.length === 0) {
      out[i++] = code;
      out[i++] = 0;
      return;
    }
    for (let k = 0; k < v.length; k += 255) {
      const piece = v.subarray(k, k + 255);
      out[i++] = code;
      out[i++] = piece.length;
      piece.copy(out, i);
      i += piece.length;
    }
  };
  const first = p.options.get(53);
  if (first) put(53, first);
  for (const [code, v] of p.options) {
    if (code === 53 || code === OPT_PAD || code === OPT_END) continue;
    put(code, v);
  }
  out[i] = OPT_END;
  return out;
}
