/**
 * The network segment a request comes from (pure): piman's own (server.*,
 * dhcp.pool), or, for a relayed request, the configured subnet holding its
 * giaddr (RFC 2131 4.3.1: the server picks the address "on the subnet of
 * giaddr"). The reply's netmask, router, DNS and broadcast come from it.
 */
import { formatIpv4, parseIpv4 } from '../cluster/ipv4.js';

export interface PoolRange {
  readonly start: string;
  readonly end: string;
}

export interface Subnet {
  readonly network: string;
  readonly netmask: string;
  readonly router: string;
  /** Option 6; piman's own DNS list when absent. */
  readonly dns?: readonly string[] | undefined;
  readonly pool?: PoolRange | undefined;
}

export interface Segment {
  readonly network: string;
  readonly netmask: string;
  readonly router: string;
  readonly dns: readonly string[];
  /** A configured subnet behind a relay (false: piman's own network). */
  readonly relayed: boolean;
  /** Only for a relayed segment: its pool (piman's own pool lives in the Bindings). */
  readonly pool?: PoolRange | undefined;
}

export function inNetwork(ip: string, network: string, netmask: string): boolean {
  const a = parseIpv4(ip);
  const n = parseIpv4(network);
  const m = parseIpv4(netmask);
  return a !== null && n !== null && m !== null && ((a & m) >>> 0) === ((n & m) >>> 0);
}

export function broadcastOf(address: string, netmask: string): string {
  const a = parseIpv4(address)!;
  const m = parseIpv4(netmask)!;
  return formatIpv4(((a & m) | (~m >>> 0)) >>> 0);
}

/** The subnet holding `giaddr`, as a segment; undefined when none does. */
export function subnetSegment(giaddr: string, subnets: readonly Subnet[], defaultDns: readonly string[]): Segment | undefined {
  const n = subnets.find((s) => inNetwork(giaddr, s.network, s.netmask));
  if (!n) return undefined;
  return { network: n.network, netmask: n.netmask, router: n.router, dns: n.dns ?? defaultDns, relayed: true, ...(n.pool ? { pool: n.pool } : {}) };
}
