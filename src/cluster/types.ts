/** Shared vocabulary of the cluster model. Pure data, no behaviour. */

export const BOOT_STATES = ['unknown', 'off', 'poweringOn', 'netbooting', 'installing', 'booting', 'up', 'failed'] as const;
export type BootState = (typeof BOOT_STATES)[number];

export type PowerState = 'on' | 'off' | 'unknown';

/** A port is identified by its switch (1-based, config order) and port number. */
export interface PortKey {
  readonly switchIndex: number;
  readonly port: number;
}

export function portId(k: PortKey): string {
  return `${k.switchIndex}.${k.port}`;
}

/** The key of a portId (`2.7`, also the index of a pimanPortTable row). */
export function parsePortId(id: string): PortKey {
  const [s, p] = id.split('.').map(Number) as [number, number];
  return { switchIndex: s, port: p };
}

/** `sw1:7` (a port keyed by switch name, as the state file keeps it) -> its switch name and port. */
export function splitPortName(key: string): { readonly sw: string; readonly port: number } {
  const at = key.lastIndexOf(':');
  return { sw: key.slice(0, at), port: Number(key.slice(at + 1)) };
}

/** What piman remembers about one port across restarts. */
export interface PortState {
  state: BootState;
  /** Pending reinstall: set by SNMP/CLI, cleared only when an install finished. */
  reinstall: boolean;
  /** Percent of the rootfs archive sent in the current install. */
  installProgress: number;
  /** The whole archive went out in the current install. */
  archiveSent: boolean;
  /** ms since epoch of the last state change. */
  lastChange: number;
  /** ms since epoch of the last sign of life; drives the no-progress timeouts. */
  lastProgress: number;
  lastError: string;
  power: PowerState;
  /** Last boot file the Pi fetched over TFTP (for status). */
  lastFile: string;
  /** Image the next install uses, chosen over SNMP/CLI (pimanPortImage); '' = hosts.csv's or install.defaultImage. */
  image: string;
  /** Image (name, SHA-256 hex) whose whole archive went out in the current install. */
  sentImage: string;
  sentDigest: string;
  /** Image (name, SHA-256 hex) of the last install the Pi completed (pimanPortInstalledImage). */
  installedImage: string;
  installedDigest: string;
  /** Power cycles piman made on its own since the port was last up (self-healing, pimanPortBootAttempts). */
  bootAttempts: number;
}

export function initialPortState(now: number): PortState {
  return {
    state: 'unknown',
    reinstall: false,
    installProgress: 0,
    archiveSent: false,
    lastChange: now,
    lastProgress: now,
    lastError: '',
    power: 'unknown',
    lastFile: '',
    image: '',
    sentImage: '',
    sentDigest: '',
    installedImage: '',
    installedDigest: '',
    bootAttempts: 0,
  };
}

export interface SwitchInfo {
  /** 1-based position in config; the first index of pimanPortTable. */
  readonly index: number;
  readonly name: string;
  readonly address: string;
  readonly ports: number;
}

/** A host from hosts.csv (or learned by the mapper): which Pi sits on which port. */
export interface HostBinding {
  readonly switchIndex: number;
  readonly port: number;
  readonly mac: string;
  readonly ip: string | null;
  readonly hostname: string | null;
  /** hosts.csv `image` column: the image this Pi installs unless pimanPortImage chose another. */
  readonly image?: string | null;
}

export interface Counters {
  dhcpOffers: number;
  dhcpAcks: number;
  tftpFiles: number;
  installsDone: number;
  installsFailed: number;
  /** Self-healing power cycles made (every port, since the state file began). */
  bootRetries: number;
}

export function zeroCounters(): Counters {
  return { dhcpOffers: 0, dhcpAcks: 0, tftpFiles: 0, installsDone: 0, installsFailed: 0, bootRetries: 0 };
}

/** Everything a reader (agent, CLI, DHCP policy) sees of one port. */
export interface PortView extends PortKey, Readonly<PortState> {
  readonly switchName: string;
  readonly mac: string | null;
  readonly ip: string | null;
  readonly hostname: string | null;
  /** hosts.csv's `image` for this Pi, or null. */
  readonly hostImage?: string | null;
}

/** What the health monitor measures on a Pi, in the order PIMAN-MIB numbers them. */
export const HEALTH_METRICS = ['cpu', 'memory', 'disk', 'processes', 'temperature'] as const;
export type HealthMetric = (typeof HEALTH_METRICS)[number];

/** A health value on one side of its threshold (the alert, or its resolve). */
export interface HealthCrossing {
  readonly metric: HealthMetric;
  readonly value: number;
  readonly threshold: number;
}
