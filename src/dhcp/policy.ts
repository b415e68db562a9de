/**
 * What piman answers, as small pure steps (coredhcp-style):
 *   fromAllowedRelay(request, relays)      -> false: drop (a forged giaddr)
 *   classify(request)                      -> who asks what, or nothing
 *   decide(request, bindings, settings)    -> offer/ack/nak/... or nothing
 *   buildReply(request, decision, ...)     -> reply packet or nothing
 *   replyDestination(request, reply, ...)  -> where the reply goes
 * No sockets, no clocks, no mutation: the server carries out the decision
 * (lease writes, cluster events) and sends the reply.
 */
import type { DhcpPacket } from './packet.js';
import { BOOTREPLY, FLAG_BROADCAST } from './packet.js';
import {
  MessageType,
  Opt,
  PI_PXE_VENDOR_OPTIONS,
  PXE_CLIENT,
  clientMac,
  getMessageType,
  getRequestedIp,
  getServerId,
  ipOption,
  stringOption,
  uint32Option,
  type MessageTypeCode,
} from './options.js';
import type { PortKey } from '../cluster/types.js';
import { formatIpv4, parseIpv4 } from '../cluster/ipv4.js';

export const ZERO_IP = '0.0.0.0';

/** Network facts every reply carries (from piman.yaml `server` and `dhcp`). */
export interface ServerSettings {
  readonly address: string;
  readonly netmask: string;
  /** Option 3; piman's own address when not configured. */
  readonly router: string;
  /** Option 6; omitted when empty. */
  readonly dns: readonly string[];
  readonly domain?: string;
  readonly leaseSeconds: number;
}

export type BindingSource = 'static' | 'learned' | 'pool';

/** The address a client is entitled to. */
export interface ClientBinding {
  readonly mac: string;
  readonly ip: string;
  readonly hostname: string | null;
  /** The switch port of a Pi; null for pool clients. */
  readonly port: PortKey | null;
  readonly source: BindingSource;
}

/** Read-only view of who owns which address (cluster + leases + pool). */
export interface Bindings {
  /** The client's static/learned address, or its current pool offer/lease. */
  lookup(mac: string): ClientBinding | undefined;
  /** A pool address for a client without one (undefined: no pool, or pool full). */
  allocate(mac: string, requested: string | undefined): string | undefined;
  readonly hasPool: boolean;
}

/**
 * Step 0: a relayed request (giaddr set) is answered by unicast to giaddr,
 * so one with a forged giaddr would aim an OFFER at an address of the
 * sender's choosing. Only relays listed in dhcp.relays count.
 */
export function fromAllowedRelay(req: DhcpPacket, relays: ReadonlySet<string>): boolean {
  return req.giaddr === ZERO_IP || relays.has(req.giaddr);
}

export interface Classified {
  readonly type: MessageTypeCode;
  readonly mac: string;
}

/** Step 1: only well-formed Ethernet client messages go further. */
export function classify(req: DhcpPacket): Classified | undefined {
  if (req.op !== 1) return undefined;
  const type = getMessageType(req);
  const mac = clientMac(req);
  if (type === undefined || mac === undefined) return undefined;
  if (type === MessageType.OFFER || type === MessageType.ACK || type === MessageType.NAK) return undefined;
  return { type, mac };
}

export type Decision =
  | { readonly kind: 'ignore'; readonly reason: string }
  /** Not in hosts.csv, not learned, and no pool: no reply. */
  | { readonly kind: 'unknown'; readonly mac: string }
  | { readonly kind: 'offer'; readonly binding: ClientBinding }
  | { readonly kind: 'ack'; readonly binding: ClientBinding }
  | { readonly kind: 'nak'; readonly mac: string; readonly reason: string }
  | { readonly kind: 'inform'; readonly binding: ClientBinding | undefined }
  | { readonly kind: 'release'; readonly binding: ClientBinding }
  | { readonly kind: 'decline'; readonly binding: ClientBinding; readonly ip: string }
  /** The client picked another server's offer: drop our reservation. */
  | { readonly kind: 'otherServer'; readonly mac: string };

function inSubnet(ip: string, s: ServerSettings): boolean {
  const a = parseIpv4(ip);
  const n = parseIpv4(s.address)!;
  const m = parseIpv4(s.netmask)!;
  // Stryker disable next-line ConditionalExpression: `ip` is option 50 or ciaddr, both decoded from four bytes, so never null here
  return a !== null && ((a & m) >>> 0) === ((n & m) >>> 0);
}

/** Step 2: the RFC 2131 4.3 server behaviour for one message. */
export function decide(req: DhcpPacket, c: Classified, bindings: Bindings, s: ServerSettings): Decision {
  const { mac } = c;
  const known = bindings.lookup(mac);
  switch (c.type) {
    case MessageType.DISCOVER: {
      if (known) return { kind: 'offer', binding: known };
      const ip = bindings.allocate(mac, getRequestedIp(req));
      if (ip === undefined) return bindings.hasPool ? { kind: 'ignore', reason: 'address pool is full' } : { kind: 'unknown', mac };
      return { kind: 'offer', binding: { mac, ip, hostname: null, port: null, source: 'pool' } };
    }
    case MessageType.REQUEST: {
      const serverId = getServerId(req);
      const requested = getRequestedIp(req);
      if (serverId !== undefined && serverId !== s.address) return { kind: 'otherServer', mac };
      // SELECTING / INIT-REBOOT name the address in option 50; RENEWING / REBINDING in ciaddr.
      const asked = requested ?? (req.ciaddr !== ZERO_IP ? req.ciaddr : undefined);
      if (!known) {
        if (!bindings.hasPool) return { kind: 'unknown', mac };
        if (serverId !== undefined || (asked !== undefined && !inSubnet(asked, s))) {
          return { kind: 'nak', mac, reason: `no offer or lease for ${mac}` };
        }
        // RFC 2131 4.3.2: without a record of the client, stay silent.
        return { kind: 'ignore', reason: `no record of ${mac}` };
      }
      if (asked === undefined) return { kind: 'nak', mac, reason: 'REQUEST names no address (no option 50, no ciaddr)' };
      if (asked !== known.ip) return { kind: 'nak', mac, reason: `${asked} is not the address of ${mac} (${known.ip})` };
      return { kind: 'ack', binding: known };
    }
    case MessageType.DECLINE: {
      const ip = getRequestedIp(req);
      // Stryker disable next-line ConditionalExpression: an undefined `ip` also fails `ip !== known.ip`
      if (!known || ip === undefined || ip !== known.ip) return { kind: 'ignore', reason: "DECLINE for an address that is not the client's" };
      if (getServerId(req) !== undefined && getServerId(req) !== s.address) return { kind: 'ignore', reason: 'DECLINE for another server' };
      return { kind: 'decline', binding: known, ip };
    }
    case MessageType.RELEASE: {
      if (!known || req.ciaddr !== known.ip) return { kind: 'ignore', reason: "RELEASE of an address that is not the client's" };
      return { kind: 'release', binding: known };
    }
    case MessageType.INFORM: {
      if (!known && !bindings.hasPool) return { kind: 'unknown', mac };
      if (req.ciaddr === ZERO_IP) return { kind: 'ignore', reason: 'INFORM without ciaddr' };
      return { kind: 'inform', binding: known };
    }
    default:
      return { kind: 'ignore', reason: `message type ${c.type} is not for a server` };
  }
}

export function broadcastOf(address: string, netmask: string): string {
  const a = parseIpv4(address)!;
  const m = parseIpv4(netmask)!;
  return formatIpv4(((a & m) | (~m >>> 0)) >>> 0);
}

/** Step 3a: network options (1, 3, 6, 12, 15, 28). */
function networkOptions(o: Map<number, Buffer>, s: ServerSettings, hostname: string | null): void {
  o.set(Opt.subnetMask, ipOption(s.netmask));
  o.set(Opt.router, ipOption(s.router));
  if (s.dns.length > 0) o.set(Opt.dns, ipOption(...s.dns));
  if (hostname) o.set(Opt.hostname, stringOption(hostname));
  if (s.domain) o.set(Opt.domainName, stringOption(s.domain));
  o.set(Opt.broadcastAddress, ipOption(broadcastOf(s.address, s.netmask)));
}

/** Step 3b: lease times (51, 58 = T1 at 1/2, 59 = T2 at 7/8, RFC 2131 4.4.5). */
function leaseOptions(o: Map<number, Buffer>, s: ServerSettings): void {
  o.set(Opt.leaseTime, uint32Option(s.leaseSeconds));
  o.set(Opt.renewalTime, uint32Option(Math.floor(s.leaseSeconds / 2)));
  o.set(Opt.rebindingTime, uint32Option(Math.floor((s.leaseSeconds * 7) / 8)));
}

/** Step 3c: what the Pi boot ROM needs (README "DHCP"): 60, 66 (= 54 = siaddr), 43. */
function pxeOptions(o: Map<number, Buffer>, s: ServerSettings): void {
  o.set(Opt.vendorClass, stringOption(PXE_CLIENT));
  o.set(Opt.tftpServerName, stringOption(s.address));
  o.set(Opt.vendorSpecific, PI_PXE_VENDOR_OPTIONS);
}

function baseReply(req: DhcpPacket, type: MessageTypeCode, s: ServerSettings): DhcpPacket {
  const options = new Map<number, Buffer>();
  options.set(Opt.messageType, Buffer.from([type]));
  options.set(Opt.serverId, ipOption(s.address));
  return {
    op: BOOTREPLY,
    htype: req.htype,
    hlen: req.hlen,
    hops: 0,
    xid: req.xid,
    secs: 0,
    flags: req.flags,
    ciaddr: ZERO_IP,
    yiaddr: ZERO_IP,
    siaddr: s.address,
    giaddr: req.giaddr,
    chaddr: Buffer.from(req.chaddr),
    sname: '',
    file: '',
    options,
  };
}

/**
 * Step 3: the reply for a decision. `pxe`: answer with the PXE options
 * (the request, or the same client's DISCOVER just before, carried option 60
 * "PXEClient...": a Pi 4 REQUEST may omit it).
 */
export function buildReply(req: DhcpPacket, d: Decision, s: ServerSettings, pxe: boolean): DhcpPacket | undefined {
  switch (d.kind) {
    case 'offer':
    case 'ack': {
      const r = baseReply(req, d.kind === 'offer' ? MessageType.OFFER : MessageType.ACK, s);
      r.yiaddr = d.binding.ip;
      if (d.kind === 'ack') r.ciaddr = req.ciaddr;
      leaseOptions(r.options, s);
      networkOptions(r.options, s, d.binding.hostname);
      if (pxe) pxeOptions(r.options, s);
      return r;
    }
    case 'inform': {
      // RFC 2131 4.3.5: no yiaddr, no lease time.
      const r = baseReply(req, MessageType.ACK, s);
      r.ciaddr = req.ciaddr;
      networkOptions(r.options, s, d.binding?.hostname ?? null);
      if (pxe) pxeOptions(r.options, s);
      return r;
    }
    case 'nak': {
      const r = baseReply(req, MessageType.NAK, s);
      r.siaddr = ZERO_IP;
      r.options.set(Opt.message, stringOption(d.reason.slice(0, 200)));
      // A relay must broadcast a NAK to the client (RFC 2131 4.3.2).
      if (req.giaddr !== ZERO_IP) r.flags |= FLAG_BROADCAST;
      return r;
    }
    // Stryker disable next-line ConditionalExpression: without the default case the function also returns undefined
    default:
      return undefined;
  }
}

export interface Destination {
  readonly address: string;
  readonly port: number;
  readonly broadcast: boolean;
}

export interface Ports {
  readonly serverPort: number;
  readonly clientPort: number;
  readonly broadcastAddress: string;
}

/**
 * Step 4: RFC 2131 4.1. A client without an address cannot be reached by
 * unicast without writing its ARP entry (impossible from Node's dgram), so
 * those replies are broadcast whether or not the flag is set.
 */
export function replyDestination(req: DhcpPacket, reply: DhcpPacket, p: Ports): Destination {
  if (req.giaddr !== ZERO_IP) return { address: req.giaddr, port: p.serverPort, broadcast: false };
  const nak = reply.options.get(Opt.messageType)?.[0] === MessageType.NAK;
  if (!nak && req.ciaddr !== ZERO_IP && (req.flags & FLAG_BROADCAST) === 0) {
    return { address: req.ciaddr, port: p.clientPort, broadcast: false };
  }
  return { address: p.broadcastAddress, port: p.clientPort, broadcast: true };
}
