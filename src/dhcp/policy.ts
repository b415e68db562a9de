/**
 * What piman answers, as small pure steps (coredhcp-style):
 *   fromAllowedRelay(request, relays)      -> false: drop (a forged giaddr)
 *   classify(request)                      -> who asks what, or nothing
 *   subnetSegment(giaddr, subnets)         -> the relay's subnet (segment.ts)
 *   decide(request, bindings, settings, segment) -> offer/ack/nak/... or nothing
 *   buildReply(request, decision, ..., segment)  -> reply packet or nothing
 *                                             (option 82 echoed, RFC 3046)
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
import { broadcastOf, inNetwork, type PoolRange, type Segment } from './segment.js';
import { OPT_RELAY_AGENT_INFO } from './relay-agent.js';

export { broadcastOf } from './segment.js';

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
  /**
   * A pool address for a client without one (undefined: no pool, or pool
   * full): from `pool` (a relay subnet's) when given, else piman's own pool.
   */
  allocate(mac: string, requested: string | undefined, pool?: PoolRange): string | undefined;
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

/** piman's own network as a segment (no relay, or a relay with no configured subnet). */
function ownSegment(s: ServerSettings): Segment {
  return { network: s.address, netmask: s.netmask, router: s.router, dns: s.dns, relayed: false };
}

/** Step 2: the RFC 2131 4.3 server behaviour for one message, on `seg` (a relay's subnet; piman's own network when absent). */
export function decide(req: DhcpPacket, c: Classified, bindings: Bindings, s: ServerSettings, seg?: Segment): Decision {
  const { mac } = c;
  const net = seg ?? ownSegment(s);
  const hasPool = net.relayed ? net.pool !== undefined : bindings.hasPool;
  let known = bindings.lookup(mac);
  if (known && net.relayed && !inNetwork(known.ip, net.network, net.netmask)) {
    // A pool lease of another segment is simply not this client's any more; a hosts.csv address cannot be used here.
    if (known.source !== 'pool') {
      return { kind: 'ignore', reason: `${known.ip} of ${mac} is not on the relay's subnet ${net.network}/${net.netmask}` };
    }
    known = undefined;
  }
  switch (c.type) {
    case MessageType.DISCOVER: {
      if (known) return { kind: 'offer', binding: known };
      const ip = net.relayed ? (net.pool ? bindings.allocate(mac, getRequestedIp(req), net.pool) : undefined) : bindings.allocate(mac, getRequestedIp(req));
      if (ip === undefined) return hasPool ? { kind: 'ignore', reason: 'address pool is full' } : { kind: 'unknown', mac };
      return { kind: 'offer', binding: { mac, ip, hostname: null, port: null, source: 'pool' } };
    }
    case MessageType.REQUEST: {
      const serverId = getServerId(req);
      const requested = getRequestedIp(req);
      if (serverId !== undefined && serverId !== s.address) return { kind: 'otherServer', mac };
      // SELECTING / INIT-REBOOT name the address in option 50; RENEWING / REBINDING in ciaddr.
      const asked = requested ?? (req.ciaddr !== ZERO_IP ? req.ciaddr : undefined);
      if (!known) {
        if (!hasPool) return { kind: 'unknown', mac };
        if (serverId !== undefined || (asked !== undefined && !inNetwork(asked, net.network, net.netmask))) {
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
      if (!known && !hasPool) return { kind: 'unknown', mac };
      if (req.ciaddr === ZERO_IP) return { kind: 'ignore', reason: 'INFORM without ciaddr' };
      return { kind: 'inform', binding: known };
    }
    default:
      return { kind: 'ignore', reason: `message type ${c.type} is not for a server` };
  }
}

/** Step 3a: network options (1, 3, 6, 12, 15, 28) of the client's segment. */
function networkOptions(o: Map<number, Buffer>, s: ServerSettings, net: Segment, hostname: string | null): void {
  o.set(Opt.subnetMask, ipOption(net.netmask));
  o.set(Opt.router, ipOption(net.router));
  if (net.dns.length > 0) o.set(Opt.dns, ipOption(...net.dns));
  if (hostname) o.set(Opt.hostname, stringOption(hostname));
  if (s.domain) o.set(Opt.domainName, stringOption(s.domain));
  o.set(Opt.broadcastAddress, ipOption(broadcastOf(net.network, net.netmask)));
}

/** Step 3d: RFC 3046 2.2: the relay agent information comes back unchanged, as the last option. */
function echoAgentInfo(req: DhcpPacket, r: DhcpPacket): DhcpPacket {
  const info = req.options.get(OPT_RELAY_AGENT_INFO);
  if (info) r.options.set(OPT_RELAY_AGENT_INFO, Buffer.from(info));
  return r;
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
export function buildReply(req: DhcpPacket, d: Decision, s: ServerSettings, pxe: boolean, seg?: Segment): DhcpPacket | undefined {
  const r = reply(req, d, s, pxe, seg ?? ownSegment(s));
  return r && echoAgentInfo(req, r);
}

function reply(req: DhcpPacket, d: Decision, s: ServerSettings, pxe: boolean, net: Segment): DhcpPacket | undefined {
  switch (d.kind) {
    case 'offer':
    case 'ack': {
      const r = baseReply(req, d.kind === 'offer' ? MessageType.OFFER : MessageType.ACK, s);
      r.yiaddr = d.binding.ip;
      if (d.kind === 'ack') r.ciaddr = req.ciaddr;
      leaseOptions(r.options, s);
      networkOptions(r.options, s, net, d.binding.hostname);
      if (pxe) pxeOptions(r.options, s);
      return r;
    }
    case 'inform': {
      // RFC 2131 4.3.5: no yiaddr, no lease time.
      const r = baseReply(req, MessageType.ACK, s);
      r.ciaddr = req.ciaddr;
      networkOptions(r.options, s, net, d.binding?.hostname ?? null);
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
