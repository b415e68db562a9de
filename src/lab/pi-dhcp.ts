/**
 * The boot ROM's DHCP client, pure: builds DISCOVER/REQUEST as a Pi sends
 * them and judges replies. Pi 3: one xid shared by every Pi 3, the OFFER is
 * used directly (no REQUEST). Pi 4: full DISCOVER/OFFER/REQUEST/ACK, the
 * REQUEST without option 60.
 */
import { BOOTREQUEST, FLAG_BROADCAST, type DhcpPacket } from '../dhcp/packet.js';
import {
  MessageType,
  Opt,
  PXE_CLIENT,
  getIp,
  getMessageType,
  getString,
  ipOption,
  uint16Option,
  clientMac,
} from '../dhcp/options.js';
import { macToBytes } from '../cluster/mac.js';
import type { PiIdentity } from './pi-profile.js';

/** Every Pi 3 boot ROM uses this one transaction id (the shared-xid quirk). */
export const PI3_XID = 0x26f30339;

export const PI_VENDOR_CLASS = 'PXEClient:Arch:00000:UNDI:002001';
const PARAM_LIST = [1, 3, 43, 60, 66, 67, 128, 129, 130, 131, 132, 133, 134, 135];

export interface Lease {
  readonly ip: string;
  /** Option 54. */
  readonly serverId: string;
  /** Where to fetch boot files: option 66, else siaddr. */
  readonly tftpServer: string;
  readonly netmask?: string;
}

export function xidFor(id: PiIdentity, random: () => number = Math.random): number {
  return id.model === 3 ? PI3_XID : Math.floor(random() * 0xffffffff) >>> 0;
}

function base(id: PiIdentity, xid: number, secs: number): DhcpPacket {
  const chaddr = Buffer.alloc(16);
  macToBytes(id.mac).copy(chaddr);
  return {
    op: BOOTREQUEST,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid,
    secs,
    flags: FLAG_BROADCAST,
    ciaddr: '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    chaddr,
    sname: '',
    file: '',
    options: new Map(),
  };
}

/** Option 97 of the EEPROM bootloaders (Pi 4, Pi 5): type 0 + "RPi4"/"RPi5" + serial, padded to the 16-byte GUID. */
function clientGuid(id: PiIdentity): Buffer {
  const guid = Buffer.alloc(17);
  Buffer.from(`RPi${id.model}${id.serial}`, 'latin1').copy(guid, 1);
  return guid;
}

export function buildDiscover(id: PiIdentity, xid: number, secs = 0): DhcpPacket {
  const p = base(id, xid, secs);
  p.options.set(Opt.messageType, Buffer.from([MessageType.DISCOVER]));
  p.options.set(Opt.paramList, Buffer.from(PARAM_LIST));
  p.options.set(Opt.maxMessageSize, uint16Option(1260));
  if (id.model !== 3) p.options.set(Opt.clientUuid, clientGuid(id));
  p.options.set(Opt.clientArch, uint16Option(0));
  p.options.set(Opt.clientNdi, Buffer.from([1, 2, 1]));
  p.options.set(Opt.vendorClass, Buffer.from(PI_VENDOR_CLASS, 'latin1'));
  return p;
}

/** Pi 4 REQUEST: selects the offer; like the real ROM it leaves option 60 out. */
export function buildRequest(id: PiIdentity, xid: number, offer: Lease, secs = 0): DhcpPacket {
  const p = base(id, xid, secs);
  p.options.set(Opt.messageType, Buffer.from([MessageType.REQUEST]));
  p.options.set(Opt.requestedIp, ipOption(offer.ip));
  p.options.set(Opt.serverId, ipOption(offer.serverId));
  p.options.set(Opt.paramList, Buffer.from(PARAM_LIST));
  p.options.set(Opt.maxMessageSize, uint16Option(1260));
  p.options.set(Opt.clientUuid, clientGuid(id));
  p.options.set(Opt.clientArch, uint16Option(0));
  return p;
}

export type ReplyVerdict =
  | { readonly kind: 'offer' | 'ack'; readonly lease: Lease }
  | { readonly kind: 'nak' }
  | { readonly kind: 'ignore'; readonly why: string };

const BOOT_MENU = Buffer.from('Raspberry Pi Boot', 'latin1');

/**
 * Would the boot ROM take this reply? It needs our xid and MAC, option 60
 * "PXEClient" and the "Raspberry Pi Boot" menu in option 43; without them a
 * real Pi ignores the offer and keeps sending DISCOVERs.
 */
export interface JudgeOptions {
  /**
   * The real Pi 3 ROM can take an OFFER meant for another MAC when the xid
   * matches (every Pi 3 has the same one): the reason piman staggers
   * power-ons. Off by default; tests of that quirk turn it on.
   */
  readonly acceptForeignOffer?: boolean;
}

export function judgeReply(id: PiIdentity, xid: number, p: DhcpPacket, o: JudgeOptions = {}): ReplyVerdict {
  if (p.op !== 2) return { kind: 'ignore', why: 'not a reply' };
  if (p.xid !== xid >>> 0) return { kind: 'ignore', why: 'other xid' };
  const foreignOk = o.acceptForeignOffer === true && id.model === 3;
  if (clientMac(p) !== id.mac && !foreignOk) return { kind: 'ignore', why: 'other MAC' };
  const type = getMessageType(p);
  if (type === MessageType.NAK) return { kind: 'nak' };
  if (type !== MessageType.OFFER && type !== MessageType.ACK) return { kind: 'ignore', why: `message type ${type ?? 'missing'}` };
  if (getString(p, Opt.vendorClass) !== PXE_CLIENT) return { kind: 'ignore', why: 'option 60 is not PXEClient' };
  const vendor = p.options.get(Opt.vendorSpecific);
  if (!vendor || vendor.indexOf(BOOT_MENU) < 0) return { kind: 'ignore', why: "option 43 lacks 'Raspberry Pi Boot'" };
  const serverId = getIp(p, Opt.serverId);
  if (!serverId) return { kind: 'ignore', why: 'no server identifier (option 54)' };
  if (p.yiaddr === '0.0.0.0') return { kind: 'ignore', why: 'no address offered' };
  const opt66 = getString(p, Opt.tftpServerName);
  const tftpServer = opt66 && /^\d+\.\d+\.\d+\.\d+$/.test(opt66) ? opt66 : p.siaddr !== '0.0.0.0' ? p.siaddr : serverId;
  const netmask = getIp(p, Opt.subnetMask);
  const lease: Lease = netmask ? { ip: p.yiaddr, serverId, tftpServer, netmask } : { ip: p.yiaddr, serverId, tftpServer };
  return { kind: type === MessageType.OFFER ? 'offer' : 'ack', lease };
}
