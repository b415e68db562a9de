/**
 * DHCP option codes (RFC 2132, RFC 4578) and typed views over the raw
 * option map of a DhcpPacket. Getters return `undefined` for a missing or
 * malformed option instead of throwing: a bad option is the client's
 * problem, not a reason to drop the whole packet.
 */
import type { DhcpPacket } from './packet.js';

export const Opt = {
  subnetMask: 1,
  router: 3,
  dns: 6,
  hostname: 12,
  domainName: 15,
  broadcastAddress: 28,
  vendorSpecific: 43,
  requestedIp: 50,
  leaseTime: 51,
  overload: 52,
  messageType: 53,
  serverId: 54,
  paramList: 55,
  message: 56,
  maxMessageSize: 57,
  renewalTime: 58,
  rebindingTime: 59,
  vendorClass: 60,
  clientId: 61,
  tftpServerName: 66,
  bootfileName: 67,
  clientArch: 93,
  clientNdi: 94,
  clientUuid: 97,
} as const;

export const MessageType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;
export type MessageTypeName = keyof typeof MessageType;
export type MessageTypeCode = (typeof MessageType)[MessageTypeName];

export function messageTypeName(code: number): MessageTypeName | undefined {
  for (const [k, v] of Object.entries(MessageType)) if (v === code) return k as MessageTypeName;
  return undefined;
}

/** Option 43 for the Raspberry Pi boot ROM, byte for byte as README.md gives it. */
export const PI_PXE_VENDOR_OPTIONS: Buffer = Buffer.concat([
  Buffer.from([0x06, 0x01, 0x03, 0x0a, 0x04, 0x00, 0x50, 0x58, 0x45, 0x09, 0x14, 0x00, 0x00, 0x11]),
  // Stryker disable next-line StringLiteral: the text is ASCII, the same bytes in any encoding
  Buffer.from('Raspberry Pi Boot', 'latin1'),
  Buffer.from([0xff]),
]);

export const PXE_CLIENT = 'PXEClient';

// ---- getters -------------------------------------------------------------

export function getMessageType(p: DhcpPacket): MessageTypeCode | undefined {
  const v = p.options.get(Opt.messageType);
  if (!v || v.length !== 1) return undefined;
  return v[0]! >= 1 && v[0]! <= 8 ? (v[0] as MessageTypeCode) : undefined;
}

export function getIp(p: DhcpPacket, code: number): string | undefined {
  const v = p.options.get(code);
  if (!v || v.length !== 4) return undefined;
  return `${v[0]}.${v[1]}.${v[2]}.${v[3]}`;
}

export function getIps(p: DhcpPacket, code: number): string[] | undefined {
  const v = p.options.get(code);
  if (!v || v.length === 0 || v.length % 4 !== 0) return undefined;
  const out: string[] = [];
  for (let i = 0; i < v.length; i += 4) out.push(`${v[i]}.${v[i + 1]}.${v[i + 2]}.${v[i + 3]}`);
  return out;
}

export function getString(p: DhcpPacket, code: number): string | undefined {
  const v = p.options.get(code);
  if (!v) return undefined;
  // Some clients NUL-terminate strings (RFC 2132 says they should not).
  const nul = v.indexOf(0);
  return v.subarray(0, nul < 0 ? v.length : nul).toString('latin1');
}

export function getUint8(p: DhcpPacket, code: number): number | undefined {
  const v = p.options.get(code);
  return v && v.length === 1 ? v[0] : undefined;
}

export function getUint16(p: DhcpPacket, code: number): number | undefined {
  const v = p.options.get(code);
  return v && v.length === 2 ? v.readUInt16BE(0) : undefined;
}

export function getUint32(p: DhcpPacket, code: number): number | undefined {
  const v = p.options.get(code);
  return v && v.length === 4 ? v.readUInt32BE(0) : undefined;
}

export function getParamList(p: DhcpPacket): number[] {
  const v = p.options.get(Opt.paramList);
  return v ? Array.from(v) : [];
}

export const getRequestedIp = (p: DhcpPacket): string | undefined => getIp(p, Opt.requestedIp);
export const getServerId = (p: DhcpPacket): string | undefined => getIp(p, Opt.serverId);
export const getVendorClass = (p: DhcpPacket): string | undefined => getString(p, Opt.vendorClass);

/** The request came from a PXE boot ROM (option 60 starts with "PXEClient"). */
export function isPxeRequest(p: DhcpPacket): boolean {
  return getVendorClass(p)?.startsWith(PXE_CLIENT) ?? false;
}

/** Lower-case colon MAC from chaddr, or undefined when it is not Ethernet. */
export function clientMac(p: DhcpPacket): string | undefined {
  if (p.htype !== 1 || p.hlen !== 6 || p.chaddr.length < 6) return undefined;
  return Array.from(p.chaddr.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(':');
}

// ---- builders --------------------------------------------------------------

export function ipOption(...ips: string[]): Buffer {
  const out = Buffer.alloc(4 * ips.length);
  ips.forEach((ip, k) => {
    const parts = ip.split('.').map(Number);
    if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) {
      throw new RangeError(`'${ip}' is not an IPv4 address`);
    }
    parts.forEach((n, j) => (out[4 * k + j] = n));
  });
  return out;
}

export function uint32Option(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function uint16Option(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}

export function stringOption(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}
