/**
 * Who is entitled to which address: hosts.csv and mapper-learned MACs (via
 * the cluster), then pool leases. Implements the read-only `Bindings` view
 * the pure policy consults.
 */
import type { PeersByAddress, PortsByMac, SwitchList } from '../cluster/ports.js';
import type { PortView } from '../cluster/types.js';
import { formatIpv4, parseIpv4 } from '../cluster/ipv4.js';
import type { Bindings, ClientBinding, ServerSettings } from './policy.js';
import type { LeaseStore } from './leases.js';

import type { PoolRange } from './segment.js';

export type { PoolRange } from './segment.js';

/** The cluster as the bindings read it: switches (for learned addresses), ports by MAC and by address. */
export type BindingsCluster = SwitchList & PortsByMac & PeersByAddress;

export interface ClusterBindingsOptions {
  readonly cluster: BindingsCluster;
  readonly leases: LeaseStore;
  readonly settings: ServerSettings;
  readonly pool?: PoolRange | undefined;
  /** The pools of the relay subnets (dhcp.subnets). */
  readonly subnetPools?: readonly PoolRange[];
  readonly now: () => number;
}

/**
 * Address of a Pi whose MAC the mapper learned but hosts.csv does not list:
 * the old tool's rule "last octet = port", extended over several switches
 * (switch 2's ports follow switch 1's). Undefined when that address is not a
 * host of piman's subnet or is taken (piman itself, hosts.csv, the pool).
 */
export function learnedAddress(view: PortView, cluster: SwitchList & PeersByAddress, settings: ServerSettings, pool: PoolRange | undefined): string | undefined {
  let offset = view.port;
  for (const sw of cluster.switches) if (sw.index < view.switchIndex) offset += sw.ports;
  const net = parseIpv4(settings.address)! & parseIpv4(settings.netmask)!;
  const hostMask = ~parseIpv4(settings.netmask)! >>> 0;
  if (offset >= hostMask) return undefined;
  const ip = formatIpv4((net | offset) >>> 0);
  if (ip === settings.address) return undefined;
  const holder = cluster.byIp(ip);
  if (holder && (holder.switchIndex !== view.switchIndex || holder.port !== view.port)) return undefined;
  if (pool && inRange(ip, pool)) return undefined;
  return ip;
}

function inRange(ip: string, r: PoolRange): boolean {
  const n = parseIpv4(ip)!;
  return n >= parseIpv4(r.start)! && n <= parseIpv4(r.end)!;
}

/** Longest a pool is taken for full without a new scan (hosts.csv may free an address meanwhile). */
const FULL_POOL_RECHECK_MS = 1000;

export class ClusterBindings implements Bindings {
  readonly hasPool: boolean;
  private readonly pools: readonly PoolRange[];
  /**
   * Pools a scan found full, until the first of their addresses can be free
   * again: a flood of DISCOVERs from new MACs on a full pool costs one scan
   * per change or per second, not one per packet.
   */
  private readonly full = new Map<string, { version: number; until: number }>();
  constructor(private readonly o: ClusterBindingsOptions) {
    this.hasPool = o.pool !== undefined;
    this.pools = [...(o.pool ? [o.pool] : []), ...(o.subnetPools ?? [])];
  }

  lookup(mac: string): ClientBinding | undefined {
    const { cluster, leases, settings, pool, now } = this.o;
    const pools = this.pools;
    const view = cluster.byMac(mac);
    if (view) {
      const port = { switchIndex: view.switchIndex, port: view.port };
      if (view.ip) return { mac, ip: view.ip, hostname: view.hostname, port, source: 'static' };
      const ip = learnedAddress(view, cluster, settings, pool);
      if (ip) return { mac, ip, hostname: view.hostname, port, source: 'learned' };
    }
    if (pools.length === 0) return undefined;
    const t = now();
    const offered = leases.offerOf(mac, t);
    if (offered) return { mac, ip: offered, hostname: null, port: null, source: 'pool' };
    const l = leases.get(mac);
    if (l && l.source === 'pool' && l.expires > t && pools.some((p) => inRange(l.ip, p))) return { mac, ip: l.ip, hostname: null, port: null, source: 'pool' };
    return undefined;
  }

  /** Prefers the client's old address, then the one it asks for, then never-used, then expired ones. */
  allocate(mac: string, requested: string | undefined, from?: PoolRange): string | undefined {
    const pool = from ?? this.o.pool;
    if (!pool) return undefined;
    const t = this.o.now();
    const old = this.o.leases.get(mac);
    if (old && inRange(old.ip, pool) && this.free(old.ip, mac, t, true)) return old.ip;
    if (requested && inRange(requested, pool) && this.free(requested, mac, t, true)) return requested;
    const key = `${pool.start}-${pool.end}`;
    const full = this.full.get(key);
    if (full && full.version === this.o.leases.version && t < full.until) return undefined;
    const start = parseIpv4(pool.start)!;
    const end = parseIpv4(pool.end)!;
    for (const allowExpired of [false, true]) {
      for (let n = start; n <= end; n++) {
        const ip = formatIpv4(n);
        if (this.free(ip, mac, t, allowExpired)) return ip;
      }
    }
    this.full.set(key, { version: this.o.leases.version, until: this.firstFree(start, end, mac, t) });
    return undefined;
  }

  /** When the first address of a full pool can be free again (at most FULL_POOL_RECHECK_MS away). */
  private firstFree(start: number, end: number, mac: string, t: number): number {
    const { leases, cluster, settings } = this.o;
    let first = t + FULL_POOL_RECHECK_MS;
    for (let n = start; n <= end; n++) {
      const ip = formatIpv4(n);
      if (ip === settings.address || cluster.byIp(ip)) continue;
      first = Math.min(first, leases.heldUntil(ip, mac, t));
    }
    return first;
  }

  private free(ip: string, mac: string, t: number, allowExpired: boolean): boolean {
    const { leases, cluster, settings } = this.o;
    if (ip === settings.address || leases.isDeclined(ip, t) || leases.isOffered(ip, mac, t)) return false;
    if (cluster.byIp(ip)) return false;
    const owner = leases.ownerOf(ip);
    if (owner === undefined || owner === mac) return true;
    return allowExpired && (leases.get(owner)?.expires ?? 0) <= t;
  }
}
