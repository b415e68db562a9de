/**
 * PoeSwitch over SNMP (net-snmp client): POWER-ETHERNET-MIB for power and
 * detection, BRIDGE-MIB / Q-BRIDGE-MIB for the forwarding table.
 *
 * Every request goes through the switch's RequestQueue (request-queue.ts):
 * at most `maxInFlight` at the switch, timeouts retried with a pause, and
 * `timeoutMs` is the whole time piman waits for an answer, all attempts
 * together, so "did not answer within 5 s" holds. Power changes waiting in
 * the queue share one SET PDU, up to `maxVarbinds` ports
 * (set-batcher.ts).
 * A `community@vlan` community is used as written for the bridge tables
 * (per-VLAN views) and without its `@vlan` part for the PoE table.
 */
import { PimanError } from '../errors.js';
import { decodeFdb } from './fdb.js';
import {
  DOT1D_BASE_PORT_IFINDEX,
  DOT1D_TP_FDB_PORT,
  DOT1Q_TP_FDB_PORT,
  adminEnableOid,
  detectionFromNumber,
  detectionStatusOid,
  powerToTruth,
  truthToPower,
} from './oids.js';
import {
  ErrorStatus,
  errorStatusOf,
  isAuthFailure,
  isTimeout,
  isVarbindError,
  snmpGet,
  snmpSetInts,
  snmpSubtree,
  type Session,
  type Varbind,
} from './snmp-client.js';
import snmp, { type SessionOptions } from 'net-snmp';
import { guardedDgram } from '../snmp/guarded-dgram.js';
import { toUsmUser, type UsmUserSpec } from '../snmp/usm.js';
import type { DetectionStatus, PoeSwitch, PortPower } from './types.js';
import { RequestQueue, type SwitchStats } from './request-queue.js';
import { SetBatcher, type PowerChange } from './set-batcher.js';

/** One switch's SNMP client settings (src/parts.ts maps a `switches` entry of piman.yaml onto them). */
export interface SnmpSwitchOptions {
  readonly name: string;
  readonly address: string;
  /** The switch's SNMP port. */
  readonly port: number;
  readonly version: '2c' | '3';
  /** `community` or `community@vlan` (per-VLAN bridge views). */
  readonly community: string;
  /** SNMPv3 only. */
  readonly user?: UsmUserSpec | undefined;
  /** POWER-ETHERNET-MIB pethPsePortGroupIndex of the ports. */
  readonly powerGroup: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly maxInFlight?: number;
  readonly maxVarbinds?: number;
}

export const DEFAULT_MAX_IN_FLIGHT = 4;
export const DEFAULT_MAX_VARBINDS = 8;

const STATUS_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(ErrorStatus).map(([k, v]) => [v, k]),
);

export class SnmpPoeSwitch implements PoeSwitch {
  readonly name: string;
  readonly address: string;
  private readonly sessions = new Map<string, Session>();
  private closed = false;
  private readonly queue: RequestQueue;
  private readonly batcher: SetBatcher;

  constructor(private readonly opts: SnmpSwitchOptions) {
    this.name = opts.name;
    this.address = opts.address;
    this.queue = new RequestQueue({ maxInFlight: opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT, timeoutMs: opts.timeoutMs, retries: opts.retries, isTimeout });
    this.batcher = new SetBatcher({
      queue: this.queue,
      maxVarbinds: opts.maxVarbinds ?? DEFAULT_MAX_VARBINDS,
      send: (changes) => this.sendSet(changes),
      isTimeout,
      tooBig: (e) => errorStatusOf(e) === ErrorStatus.tooBig,
      single: (change, e) => this.setError(change, e),
    });
  }

  /** Requests in flight, queued, retried, timed out (status, /metrics, reachability). */
  stats(): SwitchStats {
    return this.queue.stats();
  }

  /** `address` or `address:port` when not 161, for messages. */
  get where(): string {
    return this.opts.port === 161 ? this.opts.address : `${this.opts.address}:${this.opts.port}`;
  }

  setPower(port: number, power: PortPower): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    return this.batcher.set({ port, power });
  }

  private async sendSet(changes: readonly PowerChange[]): Promise<void> {
    await snmpSetInts(
      this.session('poe'),
      changes.map((c) => ({ oid: adminEnableOid(this.opts.powerGroup, c.port), value: powerToTruth(c.power) })),
    );
  }

  /** The error a one-port SET ends with. */
  private async setError(c: PowerChange, e: unknown): Promise<PimanError> {
    // notWritable means "no such port" on some agents and "read-only view" on others: ask.
    if (errorStatusOf(e) === ErrorStatus.notWritable && (await this.missing(adminEnableOid(this.opts.powerGroup, c.port)))) return this.noPort(c.port);
    return this.translate(e, c.port, `switch port ${c.port} ${c.power}`);
  }

  async getPower(port: number): Promise<PortPower> {
    const v = await this.getInt(port, adminEnableOid(this.opts.powerGroup, port));
    const p = truthToPower(v);
    if (p === null) throw new PimanError('E_SWITCH', `switch ${this.name} (${this.where}): port ${port} reports pethPsePortAdminEnable ${v}, expected 1 or 2`);
    return p;
  }

  async detection(port: number): Promise<DetectionStatus> {
    return detectionFromNumber(await this.getInt(port, detectionStatusOid(this.opts.powerGroup, port)));
  }

  async macTable(): Promise<Map<number, string[]>> {
    const s = this.session('bridge');
    try {
      // One walk at a time, in one slot: small switches drop bursts of GETBULKs.
      return await this.queue.slot(async () => {
        const dot1d = await this.queue.attempts(() => snmpSubtree(s, DOT1D_TP_FDB_PORT));
        const dot1q = await this.queue.attempts(() => snmpSubtree(s, DOT1Q_TP_FDB_PORT));
        const basePortIfIndex = await this.queue.attempts(() => snmpSubtree(s, DOT1D_BASE_PORT_IFINDEX));
        return decodeFdb({ dot1d, dot1q, basePortIfIndex });
      });
    } catch (e) {
      throw this.translate(e, null, 'forwarding table');
    }
  }

  close(): void {
    this.closed = true;
    for (const s of this.sessions.values()) {
      try {
        s.close();
      } catch {
        // already closed
      }
    }
    this.sessions.clear();
  }

  private async getInt(port: number, oid: string): Promise<number> {
    let vbs: Varbind[];
    try {
      const s = this.session('poe');
      vbs = await this.queue.run(() => snmpGet(s, [oid]));
    } catch (e) {
      throw this.translate(e, port, `switch port ${port}`);
    }
    const vb = vbs[0];
    if (!vb || isVarbindError(vb)) throw this.noPort(port);
    if (typeof vb.value !== 'number') {
      throw new PimanError('E_SWITCH', `switch ${this.name} (${this.where}): ${oid} is not an integer; is this a POWER-ETHERNET-MIB switch?`);
    }
    return vb.value;
  }

  /** True when a GET of `oid` says the object does not exist. */
  private async missing(oid: string): Promise<boolean> {
    try {
      const s = this.session('poe');
      const [vb] = await this.queue.run(() => snmpGet(s, [oid]));
      return !vb || isVarbindError(vb);
    } catch (e) {
      return errorStatusOf(e) === ErrorStatus.noSuchName;
    }
  }

  private closedError(): PimanError {
    return new PimanError('E_SWITCH', `switch ${this.name} (${this.where}): client already closed`);
  }

  private noPort(port: number): PimanError {
    return new PimanError(
      'E_SWITCH_NO_PORT',
      `switch ${this.name} (${this.where}): port ${port} is not a PoE port in power group ${this.opts.powerGroup} ` +
        `(no pethPsePortAdminEnable.${this.opts.powerGroup}.${port}); check the port number and the switch's powerGroup`,
    );
  }

  /** Turns a net-snmp failure into an error the user can act on. */
  private translate(e: unknown, port: number | null, what: string): PimanError {
    const at = `switch ${this.name} (${this.where})`;
    if (isTimeout(e)) {
      const secs = Math.round(this.opts.timeoutMs / 100) / 10;
      const cred = this.opts.version === '3' ? 'SNMPv3 user' : 'community';
      return new PimanError('E_SWITCH_TIMEOUT', `${at} did not answer within ${secs} s; check that it is up and reachable and that the ${cred} is right`, {
        cause: e,
      });
    }
    if (isAuthFailure(e)) {
      return new PimanError('E_SWITCH_REFUSED', `${at} refused the SNMPv3 user '${this.opts.user?.name ?? ''}' (${(e as Error).message}); check the user and its keys`, {
        cause: e,
      });
    }
    const status = errorStatusOf(e);
    if (status !== null) {
      const name = STATUS_NAMES[status] ?? `error-status ${status}`;
      if (port !== null && (status === ErrorStatus.noSuchName || status === ErrorStatus.noCreation || status === ErrorStatus.inconsistentName)) {
        return this.noPort(port);
      }
      if (status === ErrorStatus.noAccess || status === ErrorStatus.readOnly || status === ErrorStatus.authorizationError || status === ErrorStatus.notWritable) {
        return new PimanError('E_SWITCH_REFUSED', `${at} refused to set ${what} (${name}); use a community/user with write access to pethPsePortTable`, {
          cause: e,
        });
      }
      return new PimanError('E_SWITCH', `${at} answered ${name} for ${what}`, { cause: e });
    }
    if (this.closed) return new PimanError('E_SWITCH', `${at}: the connection was closed while reading ${what}`, { cause: e });
    return new PimanError('E_SWITCH', `${at}: ${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }

  private session(kind: 'poe' | 'bridge'): Session {
    if (this.closed) throw this.closedError();
    const { community } = this.opts;
    const key = kind === 'bridge' ? community : community.replace(/@[^@]*$/, '');
    let s = this.sessions.get(key);
    if (!s) {
      s = this.createSession(key);
      // A malformed answer makes net-snmp emit 'error'; unheard it would kill the process.
      s.on('error', () => undefined);
      this.sessions.set(key, s);
    }
    return s;
  }

  private createSession(community: string): Session {
    const o = this.opts;
    // Retries are the queue's (with pauses), so the session sends each attempt once.
    const options: SessionOptions = {
      port: o.port,
      retries: 0,
      timeout: this.queue.plan.attemptMs,
      version: o.version === '3' ? snmp.Version3 : snmp.Version2c,
      transport: 'udp4',
      backoff: 1,
      // Parsing happens inside the socket handler; a hostile answer must not kill piman.
      dgramModule: guardedDgram(() => undefined),
    };
    if (o.version !== '3') return snmp.createSession(o.address, community, options);
    if (!o.user) throw new PimanError('E_CONFIG', `switch ${o.name}: SNMPv3 needs a user`);
    return snmp.createV3Session(o.address, toUsmUser(o.user), options);
  }
}

