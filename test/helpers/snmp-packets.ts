/**
 * Hand-built SNMP packets for the agent's regression tests (exact bytes an
 * attacker would send) and a small independent reader for the replies.
 * Deliberately separate from src/snmp's codec, so the tests check it.
 */
import dgram, { type Socket } from 'node:dgram';
import snmpCrypto from 'net-snmp';

export function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), content]);
}

export function int(v: number, tag = 0x02): Buffer {
  const bytes: number[] = [];
  let x = v;
  for (;;) {
    bytes.unshift(x & 0xff);
    if (x >= -0x80 && x < 0x80) break;
    x = Math.floor(x / 256);
  }
  return tlv(tag, Buffer.from(bytes));
}

export function oid(parts: readonly number[]): Buffer {
  const out: number[] = [parts[0]! * 40 + parts[1]!];
  for (let i = 2; i < parts.length; i++) {
    const p = parts[i]!;
    const enc = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) enc.unshift((v & 0x7f) | 0x80);
    for (const e of enc) out.push(e);
  }
  return tlv(0x06, Buffer.from(out));
}

export const dotted = (s: string): number[] => s.split('.').map(Number);
export const NULL = Buffer.from([0x05, 0x00]);
export const str = (s: string | Buffer): Buffer => tlv(0x04, Buffer.isBuffer(s) ? s : Buffer.from(s));

export const GET = 0xa0;
export const GETNEXT = 0xa1;
export const RESPONSE = 0xa2;
export const SET = 0xa3;
export const GETBULK = 0xa5;
export const REPORT = 0xa8;

export type VarbindIn = readonly [oid: readonly number[] | string, value?: Buffer];

export function pdu(type: number, requestId: number, varbinds: readonly VarbindIn[], a = 0, b = 0): Buffer {
  const vbs = varbinds.map(([o, v]) => tlv(0x30, Buffer.concat([oid(typeof o === 'string' ? dotted(o) : o), v ?? NULL])));
  return tlv(type, Buffer.concat([int(requestId), int(a), int(b), tlv(0x30, Buffer.concat(vbs))]));
}

/** version: 0 = v1, 1 = v2c. */
export function communityMessage(version: 0 | 1, community: string, p: Buffer): Buffer {
  return tlv(0x30, Buffer.concat([int(version), str(community), p]));
}

export interface V3Plain {
  msgId: number;
  maxSize?: number;
  /** msgFlags: 4 = reportable, noAuthNoPriv. */
  flags?: number;
  engineId: Buffer;
  boots?: number;
  time?: number;
  user: string;
  contextEngineId?: Buffer;
  pdu: Buffer;
}

/** A noAuthNoPriv (unauthenticated) SNMPv3 message. */
export function v3Message(m: V3Plain): Buffer {
  const header = tlv(0x30, Buffer.concat([int(m.msgId), int(m.maxSize ?? 65507), str(Buffer.from([m.flags ?? 4])), int(3)]));
  const usm = tlv(0x30, Buffer.concat([str(m.engineId), int(m.boots ?? 0), int(m.time ?? 0), str(m.user), str(''), str('')]));
  const scoped = tlv(0x30, Buffer.concat([str(m.contextEngineId ?? m.engineId), str(''), m.pdu]));
  // with the priv flag the scoped PDU travels as an OCTET STRING (here: not really encrypted)
  return tlv(0x30, Buffer.concat([int(3), header, str(usm), (m.flags ?? 4) & 2 ? str(scoped) : scoped]));
}

// ------------------------------------------------------------------ reading

export interface Node {
  tag: number;
  start: number;
  end: number;
  buf: Buffer;
}

function read(buf: Buffer, at: number): Node {
  const tag = buf[at]!;
  let len = buf[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    start += n;
  }
  if (start + len > buf.length) throw new Error('truncated TLV');
  return { tag, start, end: start + len, buf };
}

export function children(n: Node): Node[] {
  const out: Node[] = [];
  for (let p = n.start; p < n.end; ) {
    const c = read(n.buf, p);
    out.push(c);
    p = c.end;
  }
  return out;
}

const content = (n: Node): Buffer => n.buf.subarray(n.start, n.end);
export const toInt = (n: Node): number => {
  const b = content(n);
  let v = b.length && b[0]! & 0x80 ? -1 : 0;
  for (const x of b) v = v * 256 + x;
  return v;
};
export function toOid(n: Node): string {
  const b = content(n);
  const out = [Math.floor(b[0]! / 40), b[0]! % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) {
      out.push(v);
      v = 0;
    }
  }
  return out.join('.');
}

export interface ReplyVarbind {
  oid: string;
  tag: number;
  value: Buffer;
}
export interface Reply {
  version: number;
  pduType: number;
  requestId: number;
  errorStatus: number;
  errorIndex: number;
  varbinds: ReplyVarbind[];
  /** v3 only */
  engineId?: Buffer;
  engineBoots?: number;
  engineTime?: number;
}

function readPdu(p: Node): Omit<Reply, 'version'> {
  const [rid, es, ei, list] = children(p);
  const varbinds = children(list!).map((vb) => {
    const [o, v] = children(vb);
    return { oid: toOid(o!), tag: v!.tag, value: content(v!) };
  });
  return { pduType: p.tag, requestId: toInt(rid!), errorStatus: toInt(es!), errorIndex: toInt(ei!), varbinds };
}

/** Decodes a v1/v2c reply or a plaintext v3 reply (a Report). */
export function readReply(b: Buffer): Reply {
  const msg = read(b, 0);
  const parts = children(msg);
  const version = toInt(parts[0]!);
  if (version !== 3) return { version, ...readPdu(parts[2]!) };
  const usm = children(read(content(parts[2]!), 0));
  const scoped = children(parts[3]!);
  return {
    version,
    ...readPdu(scoped[2]!),
    engineId: content(usm[0]!),
    engineBoots: toInt(usm[1]!),
    engineTime: toInt(usm[2]!),
  };
}

// ------------------------------------------------------------------ transport

export async function udpClient(): Promise<Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return s;
}

/** Sends `packet` and resolves with the first reply, or null when none came within `ms`. */
export function exchange(s: Socket, port: number, packet: Buffer, ms = 2000): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      s.off('message', on);
      resolve(null);
    }, ms);
    const on = (m: Buffer): void => {
      clearTimeout(t);
      resolve(m);
    };
    s.once('message', on);
    s.send(packet, port, '127.0.0.1');
  });
}

// ------------------------------------------------------------------ SNMPv3 authPriv (manager side)

export interface V3Secure {
  msgId: number;
  engineId: Buffer;
  boots: number;
  time: number;
  user: string;
  /** net-snmp AuthProtocols / PrivProtocols codes */
  auth: number;
  authKey: string;
  priv: number;
  privKey: string;
  pdu: Buffer;
  /** Sign with this password instead (a wrong digest). */
  signWith?: string;
  /** Send these octets as the encrypted PDU instead of encrypting. */
  encrypted?: Buffer;
}

/** An authPriv request as a manager builds it (RFC 3414 3.1), with net-snmp's public crypto. */
export function v3AuthPriv(m: V3Secure): Buffer {
  const engine = { engineID: m.engineId, engineBoots: m.boots, engineTime: m.time };
  const scoped = tlv(0x30, Buffer.concat([str(m.engineId), str(''), m.pdu]));
  const { encryptedPdu, msgPrivacyParameters } = m.encrypted
    ? { encryptedPdu: m.encrypted, msgPrivacyParameters: Buffer.alloc(8) }
    : snmpCrypto.Encryption.encryptPdu(m.priv, scoped, m.privKey, m.auth, engine);
  const digestLength = snmpCrypto.Authentication.getParametersLength(m.auth);
  const privTlv = str(msgPrivacyParameters);
  const usm = tlv(0x30, Buffer.concat([str(m.engineId), int(m.boots), int(m.time), str(m.user), str(Buffer.alloc(digestLength)), privTlv]));
  const header = tlv(0x30, Buffer.concat([int(m.msgId), int(65507), str(Buffer.from([7])), int(3)]));
  const data = str(encryptedPdu);
  const packet = tlv(0x30, Buffer.concat([int(3), header, str(usm), data]));
  const at = packet.length - data.length - privTlv.length - digestLength;
  snmpCrypto.Authentication.writeParameters(packet, m.auth, m.signWith ?? m.authKey, m.engineId, packet.subarray(at, at + digestLength));
  return packet;
}

/** Checks the digest of a v3 reply (`authentic`) and decrypts it when encrypted; its PDU as a Reply. */
export function openV3Reply(b: Buffer, auth: number, authKey: string, priv: number, privKey: string): Reply & { flags: number; authentic: boolean } {
  const parts = children(read(b, 0));
  const flags = content(children(parts[1]!)[2]!)[0]!;
  const usm = children(read(content(parts[2]!), 0));
  const engineId = Buffer.from(content(usm[0]!));
  const authStart = parts[2]!.start + usm[4]!.start;
  const digest = b.subarray(authStart, authStart + (usm[4]!.end - usm[4]!.start));
  const authentic = digest.length > 0 && snmpCrypto.Authentication.isAuthentic(b, auth, authKey, engineId, digest);
  const boots = toInt(usm[1]!);
  const time = toInt(usm[2]!);
  const scopedBuf =
    flags & 2
      ? snmpCrypto.Encryption.decryptPdu(priv, content(parts[3]!), Buffer.from(content(usm[5]!)), privKey, auth, { engineID: engineId, engineBoots: boots, engineTime: time })
      : b.subarray(findTlvStart(b, parts[3]!), parts[3]!.end);
  const scoped = children(read(scopedBuf, 0));
  return { version: 3, ...readPdu(scoped[2]!), engineId, engineBoots: boots, engineTime: time, flags, authentic };
}

/** Offset of the tag octet of a child node (its content start minus its header). */
function findTlvStart(b: Buffer, n: Node): number {
  for (let h = 2; h <= 5; h++) {
    const at = n.start - h;
    if (at >= 0 && read(b, at).start === n.start && read(b, at).end === n.end) return at;
  }
  throw new Error('header not found');
}
