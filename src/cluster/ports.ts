/**
 * The narrow ports through which parts reach the cluster, each the least
 * one part needs (as tinkerbell smee's handlers see only a `BackendReader`).
 * `Cluster` implements every one of them structurally; the composition
 * (src/daemon.ts) hands the cluster to each part, typed as the ports that
 * part declares. Parts never import src/cluster/cluster.ts
 * (test/helpers/import-rules.ts checks it); docs/architecture.md lists which
 * part uses which port.
 */
import type { BootEffect, BootEvent } from './boot-machine.js';
import type { Counters, HealthCrossing, HostBinding, PortKey, PortState, PortView, SwitchInfo } from './types.js';
import type { UnknownMac, UnknownMacs } from './unknown-macs.js';

/** A health threshold crossed on a running Pi (from the monitor). */
export interface HealthAlertEffect {
  readonly type: 'healthAlert';
  readonly message: string;
  /** The metric, its value and threshold (absent from callers that only have a message). */
  readonly crossing?: HealthCrossing;
}

/** A metric that raised a health alert went back under its threshold. */
export interface HealthResolvedEffect {
  readonly type: 'healthResolved';
  readonly message: string;
  readonly crossing: HealthCrossing;
}

export interface ClusterEvent {
  readonly port: PortView;
  readonly effect: BootEffect | HealthAlertEffect | HealthResolvedEffect;
}

export type ClusterListener = (e: ClusterEvent) => void;

export interface ApplyResult {
  readonly ok: boolean;
  readonly reason?: string;
  /** Resolves when any state the event changed is on disk. */
  readonly persisted: Promise<void>;
  /**
   * Puts the port back as it was before the event, unless a later event
   * changed it since: for a change that only counts once stored (a `format`
   * decision and its mark) whose write failed.
   */
  readonly undo: () => void;
}

/** Boot events in: the one way a part changes a port's boot state. */
export interface BootEvents {
  /** Runs one event through the boot machine for a port and carries out its effects. */
  apply(key: PortKey, event: BootEvent): ApplyResult;
}

/** A port's current view by its position on a switch (undefined: no such port configured). */
export interface PortLookup {
  port(key: PortKey): PortView | undefined;
}

/** Every configured port's current view, switch by switch. */
export interface PortList {
  ports(): PortView[];
}

/** The ports whose state passes a test, with no view built for the others (once-a-second rounds over many ports). */
export interface PortsWhere {
  portsWhere(test: (st: PortState, id: string) => boolean): PortView[];
}

/** Which port a peer is, by the address it came from (hosts.csv or a DHCP-given learned address). */
export interface PeersByAddress {
  byIp(ip: string): PortView | undefined;
}

/** Which port a MAC is bound to (hosts.csv or learned). */
export interface PortsByMac {
  byMac(mac: string): PortView | undefined;
}

/** The configured switches (index, name, address, port count). */
export interface SwitchList {
  readonly switches: readonly SwitchInfo[];
}

/** When a port last netbooted (its boot ROM's PXE DHCP), for the control channel's peer check. */
export interface NetbootLog {
  lastNetboot(key: PortKey): number | null;
}

/** The address DHCP gave a Pi known only by a learned MAC, so TFTP, control and agent find it by that address. */
export interface LearnedAddresses {
  noteLearnedAddress(key: PortKey, ip: string): void;
}

/** A hosts.csv row piman itself just wrote (DHCP option 82), bound at once. */
export interface HostBindings {
  /** Refused (false) when the port already has a MAC, or the MAC or address is bound elsewhere. */
  addHost(h: HostBinding): boolean;
}

/** Protocol activity counted in (not a state change). */
export interface ActivityCounter {
  count(name: 'dhcpOffers' | 'dhcpAcks' | 'tftpFiles'): void;
}

/** The cluster's counters read (agent, /metrics). */
export interface CounterReader {
  getCounters(): Readonly<Counters>;
}

/** Cluster events out: state changes, install results, health alerts (traps, webhooks). */
export interface ClusterEvents {
  on(listener: ClusterListener): () => void;
}

/** Health alerts in (from the monitor), told to every listener of ClusterEvents. */
export interface HealthAlerts {
  alert(key: PortKey, message: string, crossing?: HealthCrossing): void;
  resolved(key: PortKey, message: string, crossing: HealthCrossing): void;
}

/** MACs DHCP saw but could not bind: recorded by DHCP, listed for `piman status --unknown`. */
export interface UnknownMacSink {
  /** Returns true the first time a MAC is seen (the caller logs it once). */
  record(mac: string, now: number, vendorClass: string | null): boolean;
  list(): UnknownMac[];
}

/** The cluster's unknown-MAC registry, as DHCP records into it. */
export interface UnknownMacSightings {
  readonly unknownMacs: UnknownMacSink;
}

/** The registry's reading side: rows by index, all rows, rows added and removed (pimanUnknownMacTable). */
export type UnknownMacView = Pick<UnknownMacs, 'byIndex' | 'list' | 'on'>;

/** The cluster's unknown-MAC registry, as the agent serves it. */
export interface UnknownMacListing {
  readonly unknownMacs: UnknownMacView;
}
