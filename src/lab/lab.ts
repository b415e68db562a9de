/**
 * A whole piman installation on loopback: temporary folders with a boot
 * folder, rootfs and hosts.csv, piman (the Daemon with all its parts, in
 * process), a simulated PoE switch it drives over SNMP (in a worker thread,
 * as a real switch is another machine), and one virtual Pi
 * per switch port, powered by that port. Used by `piman lab` and tests.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Daemon, type DaemonContext, type Part } from '../daemon.js';
import { partFactories } from '../parts.js';
import { dhcpPart } from '../dhcp/part.js';
import { tftpPart } from '../tftp/part.js';
import { installPart } from '../control/part.js';
import { monitorPart } from '../monitor/part.js';
import { agentPart } from '../agent/part.js';
import { parseConfigText } from '../config/load.js';
import type { PimanConfig } from '../config/schema.js';
import { snmpSwitchFromConfig } from '../switch/snmp-switch.js';
import type { Logger } from '../log.js';
import type { PortKey } from '../cluster/types.js';
import { SimSwitchThread } from './sim-switch-thread.js';
import { DhcpDemux } from './dhcp-demux.js';
import { LoopbackNetwork } from './loopback-net.js';
import { VirtualPi, type PiTiming } from './virtual-pi.js';
import { labIdentity, modelList, modelOfPort, type LabModels } from './pi-profile.js';
import { hostsCsv, labIp, writeBootFolder, writeRootfs, type LabHost } from './lab-files.js';
import { freePorts } from './free-port.js';

export const LAB_SWITCH = 'lab-sw1';

/** Pi timing for `piman lab`: slow enough to watch, fast enough for a 100-Pi storm in seconds. */
export const WATCHABLE_TIMING: Partial<PiTiming> = { bootDelayMs: 700, bootJitterMs: 600, formatMs: 800 };

export interface LabOptions {
  readonly pis: number;
  /** One model, or several taken in turn port by port. */
  readonly model: LabModels;
  readonly log: Logger;
  /**
   * The simulated switch logs every SET (in its own thread, to stdout) when
   * this logger has info enabled; by default it logs nothing.
   */
  readonly switchLog?: Logger;
  /** Requests per second the simulated switch serves, dropping what its backlog cannot hold; 0 = unlimited. */
  readonly switchRate?: number;
  /** Keep the temporary folder after stop (for inspection). */
  readonly keep?: boolean;
  readonly timing?: Partial<PiTiming>;
  /** Changes the generated piman.yaml before it is written (tests: short timeouts, a state folder elsewhere, a pool). */
  readonly configure?: (raw: Record<string, Record<string, unknown>>) => void;
  /** Extra part factories (tests); by default src/parts.ts plus any lab-needed part it does not list yet. */
  readonly parts?: ReadonlyArray<(ctx: DaemonContext) => Part>;
}

export interface LabPorts {
  readonly dhcp: number;
  readonly tftp: number;
  readonly control: number;
  readonly install: number;
  readonly agent: number;
  readonly health: number;
  readonly switch: number;
  readonly dhcpClient: number;
}

/**
 * Parts the lab needs. src/parts.ts is the source of truth; parts it does
 * not list yet (while the integration is in progress) are added here so the
 * lab still boots Pis.
 */
export function labParts(): Array<(ctx: DaemonContext) => Part> {
  const list = [...partFactories];
  for (const f of [dhcpPart, tftpPart, installPart, monitorPart, agentPart] as Array<(ctx: DaemonContext) => Part>) {
    if (!list.includes(f)) list.push(f);
  }
  return list;
}

export class Lab {
  readonly pis: VirtualPi[] = [];
  readonly hosts: LabHost[];
  private stopped = false;
  private onPower: ((port: number, power: 'on' | 'off') => void) | null = null;

  private constructor(
    readonly dir: string,
    readonly config: PimanConfig,
    readonly configPath: string,
    readonly ports: LabPorts,
    readonly daemon: Daemon,
    readonly sim: SimSwitchThread,
    readonly demux: DhcpDemux,
    hosts: LabHost[],
    private readonly o: LabOptions,
  ) {
    this.hosts = hosts;
  }

  static async start(o: LabOptions): Promise<Lab> {
    if (!Number.isInteger(o.pis) || o.pis < 1 || o.pis > 1000) throw new RangeError(`--pis must be 1..1000, not ${o.pis}`);
    const dir = await mkdtemp(join(tmpdir(), 'piman-lab-'));
    const cleanup: Array<() => Promise<void>> = [];
    try {
      const hosts: LabHost[] = [];
      for (let n = 1; n <= o.pis; n++) hosts.push({ port: n, identity: labIdentity(modelOfPort(o.model, n), n), ip: labIp(n), hostname: `pi${String(n).padStart(3, '0')}` });
      // Pi 1 boots from its own serial folder, as sites do to give one Pi another kernel.
      await writeBootFolder(join(dir, 'boot'), [hosts[0]!.identity.serial]);
      await writeRootfs(join(dir, 'rootfs.tgz'), 'piman-lab rootfs 1');
      await writeFile(join(dir, 'hosts.csv'), hostsCsv(LAB_SWITCH, hosts));

      const [dhcp, tftp, agent] = (await freePorts('udp', 3)) as [number, number, number];
      const [control, install, health] = (await freePorts('tcp', 3)) as [number, number, number];
      const sim = await SimSwitchThread.start({
        ports: o.pis,
        address: '127.0.0.1',
        port: 0,
        initialPower: 'off',
        macDelayMs: 500,
        macs: hosts.map((h) => h.identity.mac),
        ratePerSecond: o.switchRate ?? 0,
        verbose: o.switchLog?.isLevelEnabled('info') ?? false,
      });
      cleanup.push(() => sim.stop());
      const demux = await DhcpDemux.open({ address: '127.0.0.1', port: dhcp });
      cleanup.push(() => demux.close());
      const ports: LabPorts = { dhcp, tftp, control, install, agent, health, switch: sim.port, dhcpClient: demux.port };

      const raw = labConfig(o, ports);
      o.configure?.(raw as Record<string, Record<string, unknown>>);
      const configPath = join(dir, 'piman.yaml');
      const text = `# Generated by piman lab; paths are relative to this file.\n${stringify(raw)}`;
      await writeFile(configPath, text);
      const config = parseConfigText(text, configPath);
      const daemon = await Daemon.create({ config, log: o.log, makeSwitch: (sw) => snmpSwitchFromConfig(sw) }, o.parts ?? labParts());
      await daemon.start();
      cleanup.push(() => daemon.stop());
      const lab = new Lab(dir, config, configPath, ports, daemon, sim, demux, hosts, o);
      lab.attachPis();
      return lab;
    } catch (e) {
      for (const c of cleanup.reverse()) await c().catch(() => undefined);
      if (!o.keep) await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  private attachPis(): void {
    const net = new LoopbackNetwork(this.demux);
    for (const h of this.hosts) {
      const pi = new VirtualPi({
        identity: h.identity,
        net,
        ports: { tftp: this.ports.tftp, control: this.ports.control, install: this.ports.install, health: this.ports.health },
        noisy: true,
        ...(this.o.timing ? { timing: this.o.timing } : {}),
      });
      this.pis.push(pi);
    }
    // The switch port is the Pi's only power source.
    this.onPower = (port, power) => {
      const pi = this.pis[port - 1];
      if (!pi) return;
      if (power === 'on') pi.powerOn();
      else void pi.powerOff();
    };
    this.sim.on('power', this.onPower);
  }

  keys(): PortKey[] {
    return this.hosts.map((h) => ({ switchIndex: 1, port: h.port }));
  }

  /** Powers every port on through piman (staggered by power.staggerSeconds). */
  powerOnAll(): Promise<void> {
    return this.daemon.ctx.power.cycle(this.keys());
  }

  /** Replaces rootfs.tgz (what the next install streams); returns its sha256. */
  async writeRootfs(release: string): Promise<string> {
    const sha = await writeRootfs(this.config.install.rootfs, release);
    await this.daemon.ctx.images?.refresh();
    return sha;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // A power cycle still running (offSeconds sleep) would change and persist a port after the
    // daemon stopped, re-creating state/ in a removed folder: let it finish first (bounded).
    await this.daemon.ctx.power.idle(10_000);
    if (this.onPower) this.sim.off('power', this.onPower);
    await Promise.all(this.pis.map((p) => p.powerOff()));
    await this.daemon.stop();
    await this.sim.stop();
    await this.demux.close();
    if (!this.o.keep) await rm(this.dir, { recursive: true, force: true });
  }
}

/** piman.yaml of a lab (relative paths; the file lives in the lab folder). */
export function labConfig(o: Pick<LabOptions, 'pis' | 'model'>, p: LabPorts): Record<string, unknown> {
  return {
    server: { address: '127.0.0.1', netmask: '255.0.0.0' },
    dhcp: { port: p.dhcp, clientPort: p.dhcpClient, broadcastAddress: '127.0.0.1' },
    tftp: { address: '127.0.0.1', port: p.tftp, root: './boot' },
    control: { address: '127.0.0.1', port: p.control, timeoutSeconds: 30 },
    install: { address: '127.0.0.1', port: p.install, rootfs: './rootfs.tgz', timeoutSeconds: 30 },
    agent: { address: '127.0.0.1', port: p.agent, readCommunity: 'public', writeCommunity: 'private' },
    hosts: './hosts.csv',
    state: './state',
    switches: [{ name: LAB_SWITCH, address: '127.0.0.1', port: p.switch, community: 'private', ports: o.pis, timeoutMs: 3000, retries: 2, maxInFlight: 4, maxVarbinds: 8 }],
    // Pi 3 boot ROMs share one xid: give them a wider gap between power-ons.
    power: { offSeconds: 0.3, staggerSeconds: modelList(o.model).includes(3) ? 0.15 : 0.03 },
    boot: { timeoutSeconds: 90 },
    monitor: { enabled: false, port: p.health, intervalSeconds: 5 },
    log: { level: 'info' },
  };
}
