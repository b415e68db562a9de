/**
 * The CLI's view of the piman agent: reads port rows and sends SETs over
 * SNMP (v2c communities or a v3 user from piman.yaml), turning SNMP errors
 * into one-line PimanErrors.
 */
import snmp, { type Session, type Varbind, type VarbindValue } from 'net-snmp';
import { PimanError, describeError } from '../errors.js';
import { parsePortId, type BootState, type PortKey, type SwitchInfo } from '../cluster/types.js';
import type { PimanConfig } from '../config/schema.js';
import { PIMAN_IMAGE_ENTRY, PIMAN_PORT_ENTRY, PIMAN_SWITCH_ENTRY, PIMAN_UNKNOWN_MAC_ENTRY, PORT_COL, POWER, SWITCH_COL, SYS, SYSTEM, TRUE, bootStateFromNumber, portColumnOid } from '../agent/oids.js';
import { toUsmUser, type UsmUserSpec } from '../snmp/usm.js';
import { switchInfos } from '../cluster/switch-infos.js';
import { parseOid } from '../snmp/oid.js';
import { portLabel } from './port-spec.js';
import { SWITCH_READ_COLUMNS, decodeSwitchRow, type SwitchLoadRow } from './switch-load.js';
import { HEALTH_READ_COLUMNS, decodeHealth, type HealthRow } from './health-row.js';
import { UNKNOWN_MAC_READ_COLUMNS, decodeUnknownMacRow, type UnknownMacRow } from './unknown-macs.js';
import { IMAGE_READ_COLUMNS, decodeImageRow, type ImageTableRow } from './images.js';

export interface PortRow {
  readonly switchIndex: number;
  readonly port: number;
  readonly mac: string | null;
  readonly ip: string | null;
  readonly hostname: string;
  readonly state: BootState;
  readonly reinstall: boolean;
  readonly power: 'on' | 'off' | 'unknown';
  readonly progress: number;
  /** TimeStamp: sysUpTime (centiseconds) of the last state change. */
  readonly lastChange: number;
  readonly lastError: string;
  /** pimanPortImage: the image the next install uses ('' from an agent without images). */
  readonly image: string;
  /** pimanPortInstalledImage / Digest: the last complete install. */
  readonly installedImage: string;
  readonly installedDigest: string;
  /** pimanHealthGroup; null from an agent older than those columns. */
  readonly health: HealthRow | null;
  /** pimanPortBootAttempts: self-healing retries since the port was last up. */
  readonly attempts: number;
}

export interface AgentClientOptions {
  readonly address: string;
  readonly port: number;
  readonly readCommunity: string;
  readonly writeCommunity: string;
  /** Use this SNMPv3 user (from agent.users) instead of the communities. */
  readonly user?: UsmUserSpec;
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly switches: readonly SwitchInfo[];
}

/** Columns the CLI reads, in row order. */
const READ_COLUMNS = [
  PORT_COL.pimanPortMacAddress,
  PORT_COL.pimanPortIpAddress,
  PORT_COL.pimanPortHostname,
  PORT_COL.pimanPortBootState,
  PORT_COL.pimanPortReinstall,
  PORT_COL.pimanPortPower,
  PORT_COL.pimanPortInstallProgress,
  PORT_COL.pimanPortLastChange,
  PORT_COL.pimanPortLastError,
  PORT_COL.pimanPortImage,
  PORT_COL.pimanPortInstalledImage,
  PORT_COL.pimanPortInstalledDigest,
  ...HEALTH_READ_COLUMNS,
  PORT_COL.pimanPortBootAttempts,
] as const;

const MAX_VARBINDS_PER_GET = 36;

export function clientOptionsFromConfig(config: PimanConfig, user?: string): AgentClientOptions {
  const a = config.agent;
  let usm: AgentClientOptions['user'];
  if (user !== undefined) {
    usm = a.users.find((u) => u.name === user);
    if (!usm) {
      const known = a.users.map((u) => u.name).join(', ');
      throw new PimanError('E_USAGE', `no SNMPv3 user '${user}' in agent.users of the configuration (users: ${known || 'none'})`, { exitCode: 2 });
    }
  }
  return {
    // A wildcard listen address is reached through loopback.
    address: a.address === '0.0.0.0' ? '127.0.0.1' : a.address,
    port: a.port,
    readCommunity: a.readCommunity,
    writeCommunity: a.writeCommunity,
    ...(usm ? { user: usm } : {}),
    switches: switchInfos(config),
  };
}

export class AgentClient {
  private readonly read: Session;
  private readonly write: Session;

  constructor(private readonly opts: AgentClientOptions) {
    const common = { port: opts.port, timeout: opts.timeoutMs ?? 1500, retries: opts.retries ?? 1 };
    const make = (community: string): Session => {
      const s = opts.user
        ? snmp.createV3Session(opts.address, toUsmUser(opts.user), { ...common, version: snmp.Version3 })
        : snmp.createSession(opts.address, community, { ...common, version: snmp.Version2c });
      // A malformed response emits 'error'; the request itself then times out and is reported.
      s.on('error', () => undefined);
      return s;
    };
    this.read = make(opts.readCommunity);
    this.write = opts.user ? this.read : make(opts.writeCommunity);
  }

  get target(): string {
    return `${this.opts.address}:${this.opts.port}`;
  }

  close(): void {
    this.read.close();
    if (this.write !== this.read) this.write.close();
  }

  /** sysUpTime.0 of the agent, in centiseconds (the clock of pimanPortLastChange). */
  async upTime(): Promise<number> {
    const [vb] = await this.get([`${SYSTEM}.${SYS.sysUpTime}.0`]);
    return Number(vb?.value ?? 0);
  }

  /** Rows for the given ports, or for every port when `keys` is omitted. */
  async ports(keys?: readonly PortKey[]): Promise<PortRow[]> {
    if (!keys) return this.walkPorts();
    const perGet = Math.max(1, Math.floor(MAX_VARBINDS_PER_GET / READ_COLUMNS.length));
    const rows: PortRow[] = [];
    for (let i = 0; i < keys.length; i += perGet) {
      const batch = keys.slice(i, i + perGet);
      const oids = batch.flatMap((k) => READ_COLUMNS.map((c) => portColumnOid(c, k.switchIndex, k.port)));
      const vbs = await this.get(oids);
      batch.forEach((k, j) => {
        const cells = new Map<number, VarbindValue | undefined>();
        READ_COLUMNS.forEach((c, n) => cells.set(c, vbs[j * READ_COLUMNS.length + n]?.value));
        rows.push(decodeRow(k, cells));
      });
    }
    return rows;
  }

  /** pimanUnknownMacTable: MACs the DHCP server saw but could not bind, in order of first sighting. */
  async unknownMacs(): Promise<UnknownMacRow[]> {
    const rows = await this.walkTable(PIMAN_UNKNOWN_MAC_ENTRY, UNKNOWN_MAC_READ_COLUMNS);
    return rows.map(([index, row]) => decodeUnknownMacRow(index, row));
  }

  /** pimanImageTable: the images, in configuration order. */
  async images(): Promise<ImageTableRow[]> {
    const rows = await this.walkTable(PIMAN_IMAGE_ENTRY, IMAGE_READ_COLUMNS);
    return rows.map(([index, row]) => decodeImageRow(index, row));
  }

  /** pimanSwitchTable: each switch's request queue, in configuration order (none from an agent older than those columns). */
  async switchLoad(): Promise<SwitchLoadRow[]> {
    const rows = await this.walkTable(PIMAN_SWITCH_ENTRY, SWITCH_READ_COLUMNS);
    return rows.filter(([, row]) => row.has(SWITCH_COL.pimanSwitchRequestsInFlight)).map(([index, row]) => decodeSwitchRow(index, row));
  }

  /** Cells of a table indexed by one integer, by row index ascending. */
  private walkTable(entryOid: string, columns: readonly number[]): Promise<[number, Map<number, VarbindValue | undefined>][]> {
    const entry = parseOid(entryOid)!;
    const wanted = new Set(columns);
    const cells = new Map<number, Map<number, VarbindValue | undefined>>();
    return new Promise((resolve, reject) => {
      const feed = (vbs: Varbind[]): void => {
        for (const vb of vbs) {
          if (snmp.isVarbindError(vb)) continue;
          const parts = parseOid(vb.oid);
          if (!parts || parts.length !== entry.length + 2 || !wanted.has(parts[entry.length]!)) continue;
          const index = parts[entry.length + 1]!;
          let row = cells.get(index);
          if (!row) cells.set(index, (row = new Map()));
          row.set(parts[entry.length]!, vb.value);
        }
      };
      this.read.subtree(entryOid, 20, feed, (err) => {
        if (err) return reject(this.mapError(err));
        resolve([...cells].sort(([a], [b]) => a - b));
      });
    });
  }

  /** With `image`, each port's pimanPortImage goes in the same PDU: the agent applies the images and marks together or nothing. */
  async setReinstall(keys: readonly PortKey[], image?: string): Promise<void> {
    const imageVbs: Varbind[] =
      image === undefined ? [] : keys.map((k) => ({ oid: portColumnOid(PORT_COL.pimanPortImage, k.switchIndex, k.port), type: snmp.ObjectType.OctetString, value: Buffer.from(image) }));
    await this.setEach(keys, (k) => ({ oid: portColumnOid(PORT_COL.pimanPortReinstall, k.switchIndex, k.port), type: snmp.ObjectType.Integer, value: TRUE }), imageVbs, image);
  }

  async restart(keys: readonly PortKey[]): Promise<void> {
    await this.setEach(keys, (k) => ({ oid: portColumnOid(PORT_COL.pimanPortRestart, k.switchIndex, k.port), type: snmp.ObjectType.Integer, value: TRUE }));
  }

  async setPower(key: PortKey, power: 'on' | 'off'): Promise<void> {
    await this.setEach([key], (k) => ({ oid: portColumnOid(PORT_COL.pimanPortPower, k.switchIndex, k.port), type: snmp.ObjectType.Integer, value: POWER[power] }));
  }

  /** One SET for all ports: the agent applies all of them or none. */
  private async setEach(keys: readonly PortKey[], vb: (k: PortKey) => Varbind, first: readonly Varbind[] = [], image?: string): Promise<void> {
    if (keys.length === 0) return;
    const varbinds = [...first, ...keys.map(vb)];
    await new Promise<void>((resolve, reject) => {
      this.write.set(varbinds, (err) => (err ? reject(this.mapError(err, keys, image)) : resolve()));
    });
  }

  private get(oids: string[]): Promise<Varbind[]> {
    return new Promise((resolve, reject) => {
      this.read.get(oids, (err, vbs) => (err ? reject(this.mapError(err)) : resolve(vbs ?? [])));
    });
  }

  private walkPorts(): Promise<PortRow[]> {
    const entry = parseOid(PIMAN_PORT_ENTRY)!;
    const cells = new Map<string, Map<number, VarbindValue | undefined>>();
    const wanted = new Set<number>(READ_COLUMNS);
    return new Promise((resolve, reject) => {
      const feed = (vbs: Varbind[]): void => {
        for (const vb of vbs) {
          if (snmp.isVarbindError(vb)) continue;
          const parts = parseOid(vb.oid);
          if (!parts || parts.length !== entry.length + 3) continue;
          const col = parts[entry.length]!;
          if (!wanted.has(col)) continue;
          const id = `${parts[entry.length + 1]}.${parts[entry.length + 2]}`;
          let row = cells.get(id);
          if (!row) cells.set(id, (row = new Map()));
          row.set(col, vb.value);
        }
      };
      this.read.subtree(PIMAN_PORT_ENTRY, 20, feed, (err) => {
        if (err) return reject(this.mapError(err));
        const rows: PortRow[] = [];
        for (const [id, row] of cells) {
          rows.push(decodeRow(parsePortId(id), row));
        }
        rows.sort((a, b) => a.switchIndex - b.switchIndex || a.port - b.port);
        resolve(rows);
      });
    });
  }

  private mapError(err: Error, keys: readonly PortKey[] = [], image?: string): PimanError {
    if (err instanceof snmp.RequestTimedOutError || /timed out/i.test(err.message)) {
      return new PimanError('E_AGENT_UNREACHABLE', `cannot reach the piman agent at ${this.target}; is 'piman server' running?`, { cause: err });
    }
    const status = (err as { status?: number }).status;
    const at = failedPort(err.message) ?? keys[0];
    const label = at ? portLabel(at, this.opts.switches) : 'the port';
    const who = this.opts.user ? `user '${this.opts.user.name}'` : `community '${this.opts.writeCommunity}'`;
    switch (status) {
      case snmp.ErrorStatus.NoAccess:
      case snmp.ErrorStatus.AuthorizationError:
        return new PimanError('E_AGENT_REFUSED', `the piman agent refused the change: ${who} may not write; check agent.writeCommunity / agent.users access in piman.yaml`, { cause: err });
      case snmp.ErrorStatus.WrongValue:
      case snmp.ErrorStatus.InconsistentValue:
        if (image !== undefined && failedColumn(err.message) === PORT_COL.pimanPortImage) {
          return new PimanError('E_USAGE', `the piman agent refused image '${image}' for port ${label}: not configured, or its file cannot be installed now (see 'piman images'); nothing was changed`, { cause: err, exitCode: 1 });
        }
        if (status === snmp.ErrorStatus.WrongValue) break;
        return new PimanError('E_PORT_BUSY', `port ${label} is busy (a power cycle or an install is running); try again when it is done`, { cause: err });
      case snmp.ErrorStatus.ResourceUnavailable:
        return new PimanError('E_SWITCH', `piman has no switch client for port ${label}; check the switches section of piman.yaml on the server`, { cause: err });
      case snmp.ErrorStatus.NoCreation:
        return new PimanError('E_UNKNOWN_PORT', `the piman agent has no port ${label}; is 'piman server' running with the same configuration?`, { cause: err });
      default:
        break;
    }
    return new PimanError('E_AGENT_REFUSED', `the piman agent at ${this.target} refused the request for ${label}: ${describeError(err)}`, { cause: err });
  }
}

/** Column of the failed varbind's port-table OID, or null. */
function failedColumn(message: string): number | null {
  const m = /(\d+(?:\.\d+)+)\s*$/.exec(message);
  const parts = m ? parseOid(m[1]!) : null;
  const entry = parseOid(PIMAN_PORT_ENTRY)!;
  return parts && parts.length === entry.length + 3 ? parts[entry.length]! : null;
}

/** net-snmp puts the failed varbind's OID after the status name. */
function failedPort(message: string): PortKey | null {
  const m = /(\d+(?:\.\d+)+)\s*$/.exec(message);
  if (!m) return null;
  const parts = parseOid(m[1]!);
  const entry = parseOid(PIMAN_PORT_ENTRY)!;
  if (!parts || parts.length !== entry.length + 3) return null;
  return { switchIndex: parts[entry.length + 1]!, port: parts[entry.length + 2]! };
}

export function decodeRow(k: PortKey, cells: ReadonlyMap<number, VarbindValue | undefined>): PortRow {
  const num = (c: number): number => {
    const v = cells.get(c);
    return typeof v === 'number' ? v : Number(v ?? 0) || 0;
  };
  const str = (c: number): string => {
    const v = cells.get(c);
    return Buffer.isBuffer(v) ? v.toString('utf8') : typeof v === 'string' ? v : '';
  };
  const macBuf = cells.get(PORT_COL.pimanPortMacAddress);
  const mac = Buffer.isBuffer(macBuf) && macBuf.length === 6 && macBuf.some((b) => b !== 0) ? [...macBuf].map((b) => b.toString(16).padStart(2, '0')).join(':') : null;
  const ip = str(PORT_COL.pimanPortIpAddress);
  const powerN = num(PORT_COL.pimanPortPower);
  return {
    switchIndex: k.switchIndex,
    port: k.port,
    mac,
    ip: ip && ip !== '0.0.0.0' ? ip : null,
    hostname: str(PORT_COL.pimanPortHostname),
    state: bootStateFromNumber(num(PORT_COL.pimanPortBootState)),
    reinstall: num(PORT_COL.pimanPortReinstall) === TRUE,
    power: powerN === POWER.on ? 'on' : powerN === POWER.off ? 'off' : 'unknown',
    progress: num(PORT_COL.pimanPortInstallProgress),
    lastChange: num(PORT_COL.pimanPortLastChange),
    lastError: str(PORT_COL.pimanPortLastError),
    image: str(PORT_COL.pimanPortImage),
    installedImage: str(PORT_COL.pimanPortInstalledImage),
    installedDigest: str(PORT_COL.pimanPortInstalledDigest),
    health: decodeHealth(cells),
    attempts: num(PORT_COL.pimanPortBootAttempts),
  };
}
