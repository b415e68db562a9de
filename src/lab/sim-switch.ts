/**
 * A simulated PoE switch: an SNMP agent (net-snmp Agent on the crash-guarded
 * dgram module) over SimSwitchModel, serving
 *  - pethPsePortTable (admin enable read-write, detection status),
 *  - dot1dTpFdbTable and dot1qTpFdbTable (fdb id 1),
 *  - dot1dBasePortTable (bridge port = port + bridgePortOffset -> ifIndex = port),
 * plus an uplink port (ports + 1) where two non-Pi MACs live, as on a real
 * switch. Every SET is recorded in `model.sets` and logged.
 */
import { createSocket, type Socket } from 'node:dgram';
import snmp, { type Agent, type Mib, type MibRequest, type DgramModule } from 'net-snmp';
import { guardedDgram } from '../snmp/guarded-dgram.js';
import { macToBytes } from '../cluster/mac.js';
import type { Logger } from '../log.js';
import { PETH_ADMIN_ENABLE, detectionToNumber, powerToTruth, truthToPower } from '../switch/oids.js';
import { SimSwitchModel, type SimSwitchModelOptions } from './sim-switch-model.js';
import { RateGate, type SwitchLoad } from './rate-gate.js';
import { freeUdpPort } from './free-port.js';

export interface SimSwitchOptions extends SimSwitchModelOptions {
  readonly address?: string;
  /** UDP port; 0 picks a free one (see `port` after start). */
  readonly port?: number;
  readonly powerGroup?: number;
  readonly readCommunity?: string;
  readonly writeCommunity?: string;
  /** Bridge port numbers are port + this (100), so clients must map through dot1dBasePortIfIndex. */
  readonly bridgePortOffset?: number;
  /** Requests per second the agent serves (a slow management CPU); 0 = unlimited. */
  readonly ratePerSecond?: number;
  /** Requests held at once while rate-limited; more are dropped (see rate-gate.ts). */
  readonly backlog?: number;
  readonly log?: Logger;
}

const T = snmp.ObjectType;
const RO = snmp.MaxAccess['read-only'];
const NA = snmp.MaxAccess['not-accessible'];
const UPLINK_MACS = ['02:00:5e:00:00:01', '02:00:5e:00:00:02'];
const FDB_LEARNED = 3;

export class SimSwitch {
  readonly model: SimSwitchModel;
  readonly address: string;
  private boundPort = 0;
  private agent: Agent | null = null;
  private readonly group: number;
  private readonly offset: number;
  /** MACs currently in the forwarding tables (net-snmp cannot tell before a table has rows). */
  private readonly fdbRows = new Set<string>();
  private readonly gate: RateGate;

  private constructor(private readonly opts: SimSwitchOptions) {
    this.model = new SimSwitchModel(opts);
    this.gate = new RateGate({ ratePerSecond: opts.ratePerSecond ?? 0, ...(opts.backlog ? { backlog: opts.backlog } : {}) });
    this.address = opts.address ?? '127.0.0.1';
    this.group = opts.powerGroup ?? 1;
    this.offset = opts.bridgePortOffset ?? 100;
  }

  static async start(opts: SimSwitchOptions): Promise<SimSwitch> {
    const s = new SimSwitch(opts);
    await s.listen();
    return s;
  }

  /** The UDP port the agent listens on. */
  get port(): number {
    return this.boundPort;
  }

  /** pethPsePortAdminEnable OID of a port (what the SET log shows). */
  adminOid(port: number): string {
    return `${PETH_ADMIN_ENABLE}.${this.group}.${port}`;
  }

  /** Requests per second from now on (0 = unlimited), and whether the agent is down (drops all). */
  setRate(ratePerSecond: number): void {
    this.gate.setRate(ratePerSecond);
  }

  setDown(down: boolean): void {
    this.gate.setDown(down);
  }

  /** Requests received, served, dropped, and the most held at once. */
  load(): SwitchLoad {
    return this.gate.load();
  }

  async stop(): Promise<void> {
    this.model.stop();
    this.gate.stop();
    const agent = this.agent;
    this.agent = null;
    if (agent) await new Promise<void>((r) => agent.close(() => r()));
  }

  private async listen(): Promise<void> {
    const log = this.opts.log;
    let socket: Socket | null = null;
    const guarded = guardedDgram((e, rinfo) => log?.warn({ from: rinfo?.address, err: String(e) }, 'sim switch: dropped a malformed packet'));
    const capture: DgramModule = {
      createSocket: (type) => (socket = this.gated(guarded.createSocket(type))),
    };
    const agent = snmp.createAgent(
      {
        // net-snmp treats port 0 as "default 161": find a free port first.
        port: this.opts.port || (await freeUdpPort(this.address)),
        address: this.address,
        transport: 'udp4',
        accessControlModelType: snmp.AccessControlModelType.Simple,
        dgramModule: capture,
      },
      (err) => {
        if (err) log?.debug({ err: err.message }, 'sim switch: request error');
      },
    );
    this.agent = agent;
    const auth = agent.getAuthorizer();
    const read = this.opts.readCommunity ?? 'public';
    const write = this.opts.writeCommunity ?? 'private';
    auth.addCommunity(read);
    auth.addCommunity(write);
    auth.getAccessControlModel().setCommunityAccess(read, snmp.AccessLevel.ReadOnly);
    auth.getAccessControlModel().setCommunityAccess(write, snmp.AccessLevel.ReadWrite);
    // A SET on a port that does not exist must say noCreation, not noError.
    // (A request refused for access also has no instanceNode, but its OID exists.)
    agent.setBulkSetHandler((reqs, mib, testSet) =>
      testSet && reqs.some((r) => !r.instanceNode && !mib.lookup(r.oid)) ? snmp.ErrorStatus.NoCreation : undefined,
    );
    this.register(agent.getMib());

    const sock = socket as Socket | null;
    if (!sock) throw new Error('sim switch: net-snmp created no socket');
    await new Promise<void>((resolve, reject) => {
      sock.once('listening', () => resolve());
      sock.once('error', reject);
    });
    this.boundPort = sock.address().port;
    log?.info({ address: this.address, port: this.boundPort, ports: this.model.ports }, 'simulated PoE switch listening');
  }

  /** Every request passes the rate gate before net-snmp sees it. */
  private gated(socket: Socket): Socket {
    const on = socket.on.bind(socket) as (event: string, l: (...a: unknown[]) => void) => Socket;
    (socket as unknown as { on: unknown }).on = (event: string, listener: (...a: unknown[]) => void): Socket =>
      on(event, event === 'message' ? (...args: unknown[]) => this.gate.offer(() => listener(...args)) : listener);
    return socket;
  }

  private register(mib: Mib): void {
    const m = this.model;
    mib.registerProvider({
      name: 'pethPsePortTable',
      type: snmp.MibProviderType.Table,
      oid: '1.3.6.1.2.1.105.1.1.1',
      tableColumns: [
        { number: 1, name: 'pethPsePortGroupIndex', type: T.Integer, maxAccess: NA },
        { number: 2, name: 'pethPsePortIndex', type: T.Integer, maxAccess: NA },
        { number: 3, name: 'pethPsePortAdminEnable', type: T.Integer, maxAccess: snmp.MaxAccess['read-write'] },
        { number: 6, name: 'pethPsePortDetectionStatus', type: T.Integer, maxAccess: RO },
      ],
      tableIndex: [{ columnName: 'pethPsePortGroupIndex' }, { columnName: 'pethPsePortIndex' }],
      handler: (req) => this.onPethRequest(req),
    });
    for (let p = 1; p <= m.ports; p++) {
      mib.addTableRow('pethPsePortTable', [this.group, p, powerToTruth(m.getPower(p)), detectionToNumber(m.detection(p))]);
    }
    mib.registerProvider({
      name: 'dot1dBasePortTable',
      type: snmp.MibProviderType.Table,
      oid: '1.3.6.1.2.1.17.1.4.1',
      tableColumns: [
        { number: 1, name: 'dot1dBasePort', type: T.Integer, maxAccess: RO },
        { number: 2, name: 'dot1dBasePortIfIndex', type: T.Integer, maxAccess: RO },
      ],
      tableIndex: [{ columnName: 'dot1dBasePort' }],
    });
    for (let p = 1; p <= m.ports + 1; p++) mib.addTableRow('dot1dBasePortTable', [p + this.offset, p]);
    mib.registerProvider({
      name: 'dot1dTpFdbTable',
      type: snmp.MibProviderType.Table,
      oid: '1.3.6.1.2.1.17.4.3.1',
      tableColumns: [
        { number: 1, name: 'dot1dTpFdbAddress', type: T.OctetString, maxAccess: RO },
        { number: 2, name: 'dot1dTpFdbPort', type: T.Integer, maxAccess: RO },
        { number: 3, name: 'dot1dTpFdbStatus', type: T.Integer, maxAccess: RO },
      ],
      tableIndex: [{ columnName: 'dot1dTpFdbAddress', implied: true }],
    });
    mib.registerProvider({
      name: 'dot1qFdbTable',
      type: snmp.MibProviderType.Table,
      oid: '1.3.6.1.2.1.17.7.1.2.1.1',
      tableColumns: [
        { number: 1, name: 'dot1qFdbId', type: T.Gauge, maxAccess: NA },
        { number: 2, name: 'dot1qFdbDynamicCount', type: T.Counter, maxAccess: RO },
      ],
      tableIndex: [{ columnName: 'dot1qFdbId' }],
    });
    mib.addTableRow('dot1qFdbTable', [1, 0]);
    mib.registerProvider({
      name: 'dot1qTpFdbTable',
      type: snmp.MibProviderType.Table,
      oid: '1.3.6.1.2.1.17.7.1.2.2.1',
      tableColumns: [
        { number: 1, name: 'dot1qTpFdbAddress', type: T.OctetString, maxAccess: NA },
        { number: 2, name: 'dot1qTpFdbPort', type: T.Integer, maxAccess: RO },
        { number: 3, name: 'dot1qTpFdbStatus', type: T.Integer, maxAccess: RO },
      ],
      tableIndex: [{ foreign: 'dot1qFdbTable', columnName: 'dot1qFdbId' }, { columnName: 'dot1qTpFdbAddress', implied: true }],
    });
    const uplink = m.ports + 1;
    for (const mac of UPLINK_MACS) this.addFdb(mib, uplink, mac);
    for (const [port, mac] of m.fdb()) this.addFdb(mib, port, mac);

    m.observe({
      fdb: (port, mac, present) => (present ? this.addFdb(mib, port, mac) : this.deleteFdb(mib, mac)),
      power: (port) => {
        mib.setTableSingleCell('pethPsePortTable', 3, [this.group, port], powerToTruth(m.getPower(port)));
        mib.setTableSingleCell('pethPsePortTable', 6, [this.group, port], detectionToNumber(m.detection(port)));
      },
    });
  }

  private addFdb(mib: Mib, port: number, mac: string): void {
    const key = macToBytes(mac);
    this.deleteFdb(mib, mac);
    mib.addTableRow('dot1dTpFdbTable', [key, port + this.offset, FDB_LEARNED]);
    mib.addTableRow('dot1qTpFdbTable', [1, key, port + this.offset, FDB_LEARNED]);
    this.fdbRows.add(mac);
  }

  private deleteFdb(mib: Mib, mac: string): void {
    // Row indexes of OctetString columns are latin1 strings inside net-snmp.
    if (!this.fdbRows.delete(mac)) return;
    const idx = macToBytes(mac).toString('latin1');
    mib.deleteTableRow('dot1dTpFdbTable', [idx]);
    mib.deleteTableRow('dot1qTpFdbTable', [1, idx]);
  }

  /** GETs pass; a SET is checked in the test pass and carried out in the commit pass. */
  private onPethRequest(req: MibRequest): void {
    if (req.operation !== snmp.PduType.SetRequest) return req.done();
    const ids = req.oid.split('.').map(Number);
    const port = ids[ids.length - 1]!;
    const value = req.setValue;
    const power = typeof value === 'number' ? truthToPower(value) : null;
    if (req.testSet) {
      if (power === null) return req.done({ errorStatus: snmp.ErrorStatus.WrongValue });
      return req.done();
    }
    if (req.commitSet && power !== null) {
      this.opts.log?.info({ oid: req.oid, value, port, power }, `SET ${req.oid} = ${value} (${power})`);
      this.model.recordSet(req.oid, value as number, port, power);
    }
    return req.done();
  }
}
