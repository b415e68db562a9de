/**
 * The live cluster: every port of every configured switch, its binding
 * (hosts.csv or learned MAC) and its persisted boot state. Every part of the
 * daemon (agent, DHCP, TFTP, control, power) reads and changes ports only
 * through this object, seen through the narrow ports of ./ports.ts it
 * implements; it runs the pure boot machine and carries out its effects:
 * persisting, counting, notifying listeners.
 */
import { step, timedOut, type BootEvent, type BootEffect } from './boot-machine.js';
import {
  initialPortState,
  parsePortId,
  portId,
  splitPortName,
  zeroCounters,
  type Counters,
  type HealthCrossing,
  type HostBinding,
  type PortKey,
  type PortState,
  type PortView,
  type SwitchInfo,
} from './types.js';
import type { ClusterSnapshot, LearnedMac, StateStore, StoredSnapshot } from './persistence.js';
import { UnknownMacs } from './unknown-macs.js';
import type {
  ActivityCounter,
  ApplyResult,
  HostBindings,
  LearnedAddresses,
  BootEvents,
  ClusterEvents,
  ClusterListener,
  CounterReader,
  HealthAlertEffect,
  HealthAlerts,
  NetbootLog,
  PeersByAddress,
  PortsByMac,
  PortList,
  PortsWhere,
  PortLookup,
  SwitchList,
  UnknownMacListing,
  UnknownMacSightings,
} from './ports.js';

// The event and result types belong to the ports parts see; re-exported for the composition and tests.
export type { ApplyResult, ClusterEvent, ClusterListener, HealthAlertEffect, HealthResolvedEffect } from './ports.js';

/** Port ids by MAC and by address, valid for one bindings version (see Cluster.peers). */
interface PeerIndex {
  readonly version: number;
  readonly byMac: ReadonlyMap<string, string>;
  readonly byIp: ReadonlyMap<string, string>;
}

export interface ClusterOptions {
  readonly switches: readonly SwitchInfo[];
  readonly hosts: readonly HostBinding[];
  readonly store: StateStore;
  readonly timeoutMs: number;
  readonly now?: () => number;
  /** Told about a failed state write (e.g. a full disk) that no caller awaited. */
  readonly onPersistError?: (e: unknown) => void;
  /** Cap of the unknown-MAC registry (default 1024). */
  readonly unknownMacLimit?: number;
}

const NOTHING_TO_UNDO = (): void => undefined;

/** Implements every port of ./ports.ts: parts get it typed as the ports they declare. */
export class Cluster
  implements
    BootEvents,
    PortLookup,
    PortList,
    PortsWhere,
    PeersByAddress,
    PortsByMac,
    SwitchList,
    NetbootLog,
    HostBindings,
    LearnedAddresses,
    ActivityCounter,
    CounterReader,
    ClusterEvents,
    HealthAlerts,
    UnknownMacSightings,
    UnknownMacListing
{
  readonly switches: readonly SwitchInfo[];
  /**
   * MACs DHCP saw but could not bind (recorded by the DHCP server, served by
   * the agent as pimanUnknownMacTable). Not persisted: recent sightings only.
   */
  readonly unknownMacs: UnknownMacs;
  private readonly store: StateStore;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly states = new Map<string, PortState>();
  private readonly hostsByPort = new Map<string, HostBinding>();
  private readonly learned = new Map<string, string>();
  /** Addresses DHCP handed to mapper-learned Pis (hosts.csv ones are in hostsByPort). */
  private readonly learnedIps = new Map<string, string>();
  private counters: Counters = zeroCounters();
  private readonly listeners = new Set<ClusterListener>();
  private readonly onPersistError: (e: unknown) => void;
  private readonly switchNames = new Map<number, string>();
  /** Views are rebuilt only when the port's state object or any binding changed (agent walks read them hot). */
  private readonly viewCache = new Map<string, { st: PortState; bindings: number; view: PortView }>();
  private bindingsVersion = 0;
  private peerIndex: PeerIndex | null = null;
  /** ms of each port's last PXE DHCP (the boot ROM): the rootfs goes only to a Pi that netbooted. Not persisted. */
  private readonly netboots = new Map<string, number>();
  /**
   * State of switches (or ports) the config no longer has, by `name:port`:
   * written back unchanged, never applied to another switch.
   */
  private readonly kept = new Map<string, PortState>();
  private readonly keptLearned: LearnedMac[] = [];
  /** What restore() found that the running config cannot use (for the daemon's warnings). */
  readonly restoreNotes = { migratedFrom: null as number | null, kept: [] as string[], dropped: [] as string[] };

  private constructor(opts: ClusterOptions) {
    this.switches = opts.switches;
    this.store = opts.store;
    this.timeoutMs = opts.timeoutMs;
    this.now = opts.now ?? Date.now;
    this.onPersistError = opts.onPersistError ?? (() => undefined);
    this.unknownMacs = new UnknownMacs(opts.unknownMacLimit);
    for (const h of opts.hosts) this.hostsByPort.set(portId(h), h);
    for (const sw of opts.switches) this.switchNames.set(sw.index, sw.name);
    const now = this.now();
    for (const sw of this.switches) {
      for (let p = 1; p <= sw.ports; p++) this.states.set(portId({ switchIndex: sw.index, port: p }), initialPortState(now));
    }
  }

  /** Builds the cluster and restores what the store remembers. */
  static async open(opts: ClusterOptions): Promise<Cluster> {
    const c = new Cluster(opts);
    const snap = await opts.store.load();
    if (snap) c.restore(snap);
    return c;
  }

  /**
   * State is keyed by switch name. A version 1 file (keyed by position) is
   * mapped with this start's config; a position the config does not have
   * cannot be named and is dropped (noted). State of a switch or port the
   * config does not have is kept aside and written back.
   */
  private restore(snap: StoredSnapshot): void {
    const byName = new Map(this.switches.map((s) => [s.name, s] as const));
    const byIndex = new Map(this.switches.map((s) => [s.index, s] as const));
    const entries: Array<[string, PortState]> = [];
    const learned: LearnedMac[] = [];
    if (snap.version === 1) {
      this.restoreNotes.migratedFrom = 1;
      const name = (i: number, p: number, what: string): string | null => {
        const sw = byIndex.get(i);
        if (!sw) this.restoreNotes.dropped.push(`${what} ${i}.${p}`);
        return sw ? sw.name : null;
      };
      for (const [id, st] of Object.entries(snap.ports)) {
        const { switchIndex, port } = parsePortId(id);
        const n = name(switchIndex, port, 'port');
        if (n) entries.push([`${n}:${port}`, st]);
      }
      for (const l of snap.learned) {
        const n = name(l.switchIndex, l.port, 'learned MAC of port');
        if (n) learned.push({ switch: n, port: l.port, mac: l.mac });
      }
    } else {
      entries.push(...Object.entries(snap.ports));
      learned.push(...snap.learned);
    }
    const local = (sw: string, port: number): string | null => {
      const info = byName.get(sw);
      return info && port >= 1 && port <= info.ports ? portId({ switchIndex: info.index, port }) : null;
    };
    for (const [key, st] of entries) {
      const { sw, port } = splitPortName(key);
      const id = local(sw, port);
      if (id) this.states.set(id, { ...st });
      else {
        this.kept.set(key, { ...st });
        this.restoreNotes.kept.push(key);
      }
    }
    this.counters = { ...snap.counters };
    for (const l of learned) {
      const id = local(l.switch, l.port);
      if (id) this.learned.set(id, l.mac);
      else this.keptLearned.push({ ...l });
    }
    this.bindingsVersion++;
  }

  snapshot(): ClusterSnapshot {
    const names = new Map(this.switches.map((s) => [s.index, s.name] as const));
    const nameKey = (id: string): { switch: string; port: number } => {
      const k = parsePortId(id);
      return { switch: names.get(k.switchIndex) ?? String(k.switchIndex), port: k.port };
    };
    const ports: Record<string, PortState> = {};
    for (const [key, st] of this.kept) ports[key] = st;
    for (const [id, st] of this.states) {
      const k = nameKey(id);
      ports[`${k.switch}:${k.port}`] = st;
    }
    const learned: LearnedMac[] = [...this.keptLearned];
    for (const [id, mac] of this.learned) learned.push({ ...nameKey(id), mac });
    return { version: 2, ports, counters: { ...this.counters }, learned };
  }

  on(listener: ClusterListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  has(key: PortKey): boolean {
    return this.states.has(portId(key));
  }

  port(key: PortKey): PortView | undefined {
    const id = portId(key);
    const st = this.states.get(id);
    if (!st) return undefined;
    const cached = this.viewCache.get(id);
    if (cached && cached.st === st && cached.bindings === this.bindingsVersion) return cached.view;
    const view = this.view(key, st);
    this.viewCache.set(id, { st, bindings: this.bindingsVersion, view });
    return view;
  }

  ports(): PortView[] {
    const out: PortView[] = [];
    for (const sw of this.switches) {
      for (let p = 1; p <= sw.ports; p++) out.push(this.port({ switchIndex: sw.index, port: p })!);
    }
    return out;
  }

  /**
   * The ports whose state passes `test` (given the port's id, `2.7`), in port
   * order. Nothing is built for the others: the once-a-second rounds (retries,
   * health) look at a few ports of many.
   */
  portsWhere(test: (st: PortState, id: string) => boolean): PortView[] {
    const ids: string[] = [];
    this.states.forEach((st, id) => {
      if (test(st, id)) ids.push(id);
    });
    return ids.map((id) => this.port(parsePortId(id))!);
  }

  byMac(mac: string): PortView | undefined {
    const id = this.peers().byMac.get(mac);
    return id === undefined ? undefined : this.port(parsePortId(id));
  }

  byIp(ip: string): PortView | undefined {
    const id = this.peers().byIp.get(ip);
    return id === undefined ? undefined : this.port(parsePortId(id));
  }

  /**
   * Port ids by MAC and by address, rebuilt once per binding change: every
   * DHCP packet and TFTP request looks a Pi up, and that must not cost a scan
   * of every host. hosts.csv first, then what the mapper and DHCP learned.
   */
  private peers(): PeerIndex {
    if (this.peerIndex?.version === this.bindingsVersion) return this.peerIndex;
    const byMac = new Map<string, string>();
    const byIp = new Map<string, string>();
    for (const [id, h] of this.hostsByPort) {
      if (!byMac.has(h.mac)) byMac.set(h.mac, id);
      if (h.ip && !byIp.has(h.ip)) byIp.set(h.ip, id);
    }
    for (const [id, m] of this.learned) if (!this.hostsByPort.has(id) && !byMac.has(m)) byMac.set(m, id);
    for (const [id, a] of this.learnedIps) if (!byIp.has(a)) byIp.set(a, id);
    return (this.peerIndex = { version: this.bindingsVersion, byMac, byIp });
  }

  /**
   * Records the address DHCP gave a Pi known only through a learned MAC, so
   * TFTP, the control channel and the agent recognise it by that address.
   */
  noteLearnedAddress(key: PortKey, ip: string): void {
    const id = portId(key);
    if (!this.states.has(id) || this.hostsByPort.get(id)?.ip) return;
    if (this.learnedIps.get(id) === ip) return;
    for (const [other, a] of this.learnedIps) if (a === ip && other !== id) this.learnedIps.delete(other);
    this.learnedIps.set(id, ip);
    this.bindingsVersion++;
  }

  /** ms timestamp of the port's last PXE DHCP (a netboot by its MAC), or null when none was seen since it was last up. */
  lastNetboot(key: PortKey): number | null {
    return this.netboots.get(portId(key)) ?? null;
  }

  getCounters(): Readonly<Counters> {
    return this.counters;
  }

  /** Counts protocol activity that is not a state change (persisted lazily). */
  count(name: 'dhcpOffers' | 'dhcpAcks' | 'tftpFiles'): void {
    this.counters[name]++;
  }

  /** Runs one event through the boot machine for a port and carries out its effects. */
  apply(key: PortKey, event: BootEvent): ApplyResult {
    const id = portId(key);
    const prev = this.states.get(id);
    if (!prev) return { ok: false, reason: `no port ${id}`, persisted: Promise.resolve(), undo: NOTHING_TO_UNDO };
    const now = this.now();
    // Recorded even when the machine keeps the state (an install runs): the time is a fact.
    if (event.type === 'dhcp' && event.pxe) this.netboots.set(id, now);
    const r = step(prev, event, now, { timeoutMs: this.timeoutMs });
    if (r.rejected) return { ok: false, reason: r.rejected, persisted: Promise.resolve(), undo: NOTHING_TO_UNDO };
    this.states.set(id, r.state);
    // A netboot counts for the boot it starts: once up, the next hello needs a new one.
    if (r.state.state === 'up' && prev.state !== 'up') this.netboots.delete(id);
    let persisted: Promise<void> = Promise.resolve();
    for (const eff of r.effects) {
      if (eff.type === 'installDone') this.counters.installsDone++;
      if (eff.type === 'installFailed') this.counters.installsFailed++;
      if (eff.type === 'retried') this.counters.bootRetries++;
    }
    if (r.effects.some((e) => e.type === 'persist')) persisted = this.persist();
    const view = this.view(key, r.state);
    for (const eff of r.effects) {
      if (eff.type === 'persist') continue;
      for (const l of this.listeners) l({ port: view, effect: eff });
    }
    return { ok: true, persisted, undo: () => this.undo(key, prev, r.state) };
  }

  private undo(key: PortKey, before: PortState, after: PortState): void {
    const id = portId(key);
    if (this.states.get(id) !== after) return;
    this.states.set(id, before);
    if (before.state === after.state) return;
    const view = this.view(key, before);
    for (const l of this.listeners) l({ port: view, effect: { type: 'stateChanged', from: after.state, to: before.state } });
  }

  /** Applies a `tick` to every port: moves stuck ports to failed. */
  tick(): void {
    // Only stuck ports get the event: applying it to every port (a view, closures, a promise each)
    // made 2.5 MB of garbage a second at 1,000 ports and kept V8's young generation at its largest.
    const now = this.now();
    const opts = { timeoutMs: this.timeoutMs };
    const due: string[] = [];
    this.states.forEach((st, id) => {
      if (timedOut(st, now, opts)) due.push(id);
    });
    for (const id of due) this.apply(parsePortId(id), { type: 'tick' });
  }

  /** Tells listeners (agent traps, logs) that a Pi crossed a health threshold. */
  alert(key: PortKey, message: string, crossing?: HealthCrossing): void {
    const view = this.port(key);
    if (!view) return;
    const effect: HealthAlertEffect = crossing ? { type: 'healthAlert', message, crossing } : { type: 'healthAlert', message };
    for (const l of this.listeners) l({ port: view, effect });
  }

  /** Tells listeners that a metric which raised an alert went back under its threshold. */
  resolved(key: PortKey, message: string, crossing: HealthCrossing): void {
    const view = this.port(key);
    if (!view) return;
    for (const l of this.listeners) l({ port: view, effect: { type: 'healthResolved', message, crossing } });
  }

  /**
   * Swaps the hosts.csv bindings (SIGHUP). Port states stay: a transfer or
   * install in flight goes on; lookups see the new bindings at once.
   */
  replaceHosts(hosts: readonly HostBinding[]): void {
    this.hostsByPort.clear();
    for (const h of hosts) {
      this.hostsByPort.set(portId(h), h);
      this.unknownMacs.forget(h.mac);
      // hosts.csv now names this port's address; a DHCP-given learned one would shadow nothing but confuse byIp.
      if (h.ip) this.learnedIps.delete(portId(h));
    }
    this.bindingsVersion++;
  }

  /**
   * Adds one hosts.csv binding (a row piman itself just wrote: a MAC bound
   * from DHCP option 82). Refused (false) when the port already has a MAC,
   * or the MAC or address is bound elsewhere: a binding never moves a Pi.
   */
  addHost(h: HostBinding): boolean {
    const id = portId(h);
    if (!this.states.has(id) || this.port(h)?.mac || this.byMac(h.mac) || (h.ip !== null && this.byIp(h.ip))) return false;
    this.hostsByPort.set(id, h);
    this.unknownMacs.forget(h.mac);
    this.bindingsVersion++;
    return true;
  }

  /** Records a MAC the mapper saw on a port (hosts.csv bindings take precedence). */
  learnMac(key: PortKey, mac: string): Promise<void> {
    const id = portId(key);
    if (!this.states.has(id) || this.learned.get(id) === mac) return Promise.resolve();
    for (const [other, m] of this.learned) if (m === mac) this.learned.delete(other);
    // The Pi moved here: an old sighting on an unconfigured switch must not bind it twice if that switch returns.
    for (let i = this.keptLearned.length - 1; i >= 0; i--) if (this.keptLearned[i]!.mac === mac) this.keptLearned.splice(i, 1);
    this.learned.set(id, mac);
    this.bindingsVersion++;
    // Bound now: no longer an unknown MAC.
    this.unknownMacs.forget(mac);
    return this.persist();
  }

  /**
   * Writes the state. The returned promise rejects for a caller that awaits
   * it; a caller that does not is covered by onPersistError, so a full disk
   * is reported instead of crashing the daemon as an unhandled rejection.
   */
  persist(): Promise<void> {
    const p = this.store.save(() => this.snapshot());
    p.catch(this.onPersistError);
    return p;
  }

  private view(key: PortKey, st: PortState): PortView {
    const id = portId(key);
    const h = this.hostsByPort.get(id);
    return {
      switchIndex: key.switchIndex,
      port: key.port,
      switchName: this.switchNames.get(key.switchIndex) ?? String(key.switchIndex),
      mac: h?.mac ?? this.learned.get(id) ?? null,
      ip: h?.ip ?? this.learnedIps.get(id) ?? null,
      hostname: h?.hostname ?? null,
      hostImage: h?.image ?? null,
      ...st,
    };
  }
}
