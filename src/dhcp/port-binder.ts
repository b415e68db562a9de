/**
 * Binding a MAC seen for the first time to the switch port its relay agent
 * information names (dhcp.option82.bindPorts): a new rack needs no mapper
 * run. The row is written to hosts.csv atomically (as `piman mapper` does)
 * and added to the cluster at once, so the agent's pimanPortTable shows it.
 *
 * Guarded, because whoever can forge a listed relay's packets picks the
 * port: the server calls this only for a request from a listed relay (giaddr
 * in dhcp.relays) whose MAC has no binding; a port that has a MAC already is
 * never rebound; at most `maxPerMinute` bindings a minute and one write at a
 * time, with a bounded queue. Everything else waits for the client's next
 * DHCP retry.
 */
import type { HostBindings, PeersByAddress, PortLookup, PortsByMac } from '../cluster/ports.js';
import type { HostBinding, PortKey, SwitchInfo } from '../cluster/types.js';
import { formatIpv4, parseIpv4 } from '../cluster/ipv4.js';
import { describeError } from '../errors.js';
import { portFromAgentInfo, type CircuitPort, type CircuitRules } from './circuit-port.js';
import type { RelayAgentInfo } from './relay-agent.js';
import type { Segment } from './segment.js';

export type BindOutcome =
  | { readonly ok: true; readonly binding: HostBinding; readonly via: CircuitPort['via'] }
  | { readonly ok: false; readonly reason: string };

/** What the DHCP server needs of a binder. */
export interface PortBinder {
  /** Binds `mac` to the port `info` names; `seg` is the relay's subnet (the address comes from it). */
  bind(mac: string, info: RelayAgentInfo, seg: Segment | undefined): Promise<BindOutcome>;
}

/**
 * The address of a bound Pi on its relay subnet: the old tool's rule "host
 * number = port", counted over the switches in order (switch 2's ports
 * follow switch 1's), as for mapper-learned Pis. Undefined when that is not
 * a usable host of the subnet (network, broadcast, router, in the pool,
 * piman's address) or `taken`.
 */
export function boundAddress(key: PortKey, switches: readonly SwitchInfo[], seg: Segment, serverAddress: string, taken: (ip: string) => boolean): string | undefined {
  let host = key.port;
  for (const sw of switches) if (sw.index < key.switchIndex) host += sw.ports;
  const mask = parseIpv4(seg.netmask)!;
  const hostMask = ~mask >>> 0;
  if (host >= hostMask) return undefined;
  const ip = formatIpv4(((parseIpv4(seg.network)! & mask) | host) >>> 0);
  const n = parseIpv4(ip)!;
  const inPool = seg.pool !== undefined && n >= parseIpv4(seg.pool.start)! && n <= parseIpv4(seg.pool.end)!;
  if (ip === seg.router || ip === serverAddress || inPool || taken(ip)) return undefined;
  return ip;
}

/**
 * hosts.csv as the binder uses it. src/parts.ts wires it to the file (the
 * DHCP code reads no configuration files itself).
 */
export interface HostsFile {
  /** Its path, for messages. */
  readonly path: string;
  /** The bindings as the file has them now. */
  read(): Promise<HostBinding[]>;
  /** Replaces the file's bindings with `hosts`, atomically. */
  write(hosts: readonly HostBinding[]): Promise<void>;
  /** Refuses (PimanError E_CONFIG) when the file cannot be written; checked before the server starts. */
  checkWritable(): Promise<void>;
}

/** The cluster as the binder sees it: is the port or MAC or address bound already; bind the row it wrote. */
export type BinderCluster = PortLookup & PortsByMac & PeersByAddress & HostBindings;

export interface HostsFileBinderOptions {
  readonly cluster: BinderCluster;
  readonly hosts: HostsFile;
  readonly switches: readonly SwitchInfo[];
  readonly rules: CircuitRules;
  readonly serverAddress: string;
  readonly maxPerMinute: number;
  /** Bindings waiting for their write at most; more are refused. */
  readonly maxQueued?: number;
  readonly now?: () => number;
}

export class HostsFileBinder implements PortBinder {
  private readonly now: () => number;
  private readonly recent: number[] = [];
  /** Ports and MACs with a write queued or running. */
  private readonly busy = new Set<string>();
  private chain: Promise<unknown> = Promise.resolve();
  private queued = 0;

  constructor(private readonly o: HostsFileBinderOptions) {
    this.now = o.now ?? Date.now;
  }

  bind(mac: string, info: RelayAgentInfo, seg: Segment | undefined): Promise<BindOutcome> {
    const refuse = (reason: string): Promise<BindOutcome> => Promise.resolve({ ok: false, reason });
    const named = portFromAgentInfo(info, this.o.rules);
    if (!named) return refuse('option 82 names no configured switch port (see dhcp.option82 in the README)');
    const sw = this.o.switches.find((s) => s.name === named.switch)!;
    const key: PortKey = { switchIndex: sw.index, port: named.port };
    const where = `${sw.name}:${named.port}`;
    const problem = this.check(key, mac, where);
    if (problem) return refuse(problem);
    const ip = seg?.relayed ? boundAddress(key, this.o.switches, seg, this.o.serverAddress, (a) => this.o.cluster.byIp(a) !== undefined) : null;
    if (ip === undefined) return refuse(`no free address for ${where} on ${seg!.network}/${seg!.netmask} (host number = port is taken, the router, or in the pool)`);
    const t = this.now();
    while (this.recent.length > 0 && this.recent[0]! <= t - 60_000) this.recent.shift();
    if (this.recent.length >= this.o.maxPerMinute) return refuse(`more than dhcp.option82.maxBindingsPerMinute (${this.o.maxPerMinute}) bindings this minute`);
    if (this.busy.has(where) || this.busy.has(mac)) return refuse(`a binding of ${where} or ${mac} is being written`);
    if (this.queued >= (this.o.maxQueued ?? 16)) return refuse('too many bindings waiting for their hosts.csv write');
    this.recent.push(t);
    this.busy.add(where).add(mac);
    this.queued++;
    const row: HostBinding = { switchIndex: key.switchIndex, port: key.port, mac, ip, hostname: null };
    const run = this.chain.then(() => this.write(row, where));
    this.chain = run.catch(() => undefined);
    return run
      .then((r): BindOutcome => (typeof r === 'string' ? { ok: false, reason: r } : { ok: true, binding: r, via: named.via }))
      .catch((e: unknown): BindOutcome => ({ ok: false, reason: `hosts.csv not written: ${describeError(e)}` }))
      .finally(() => {
        this.queued--;
        this.busy.delete(where);
        this.busy.delete(mac);
      });
  }

  private check(key: PortKey, mac: string, where: string): string | null {
    const { cluster } = this.o;
    const view = cluster.port(key);
    if (!view) return `${where} is not a configured port`;
    if (view.mac) return `${where} has a MAC already (${view.mac}); option 82 never rebinds a port`;
    if (cluster.byMac(mac)) return `${mac} is bound already`;
    return null;
  }

  /** Reads hosts.csv as it is on disk, adds the row, writes it atomically, then binds in the cluster. The binding, or why not. */
  private async write(row: HostBinding, where: string): Promise<HostBinding | string> {
    const { cluster, hosts: file } = this.o;
    const again = this.check(row, row.mac, where);
    if (again) return again;
    const existing = await file.read();
    const same = existing.find((h) => h.switchIndex === row.switchIndex && h.port === row.port && h.mac === row.mac);
    // The file already says so (a reload raced an earlier binding, or an edit not reloaded yet): apply that row as written.
    if (same) return cluster.addHost(same) ? same : `${where}: the hosts.csv row of ${row.mac} clashes with the running bindings (systemctl reload piman)`;
    const clash = existing.find((h) => (h.switchIndex === row.switchIndex && h.port === row.port) || h.mac === row.mac || (row.ip !== null && h.ip === row.ip));
    if (clash) return `hosts.csv on disk already has ${clash.mac} on port ${clash.port} (edited since the last reload? systemctl reload piman)`;
    const hosts = [...existing, row].sort((a, b) => a.switchIndex - b.switchIndex || a.port - b.port);
    await file.write(hosts);
    return cluster.addHost(row) ? row : `${where} was bound meanwhile`;
  }
}
