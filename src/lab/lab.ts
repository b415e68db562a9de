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
import { Daemon, type PartFactory } from '../daemon.js';
import { installFromConfig, installSettings, makeSwitch, partFactories } from '../parts.js';
import { InstallServers } from '../control/part.js';
import type { NeighbourTable } from '../control/neighbours.js';
import { parseConfigText } from '../config/load.js';
import type { PimanConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { PortKey } from '../cluster/types.js';
import { SimSwitchThread } from './sim-switch-thread.js';
import { DhcpDemux } from './dhcp-demux.js';
import { LoopbackNetwork } from './loopback-net.js';
import { VirtualPi, type PiTiming } from './virtual-pi.js';
import { labIdentity, modelList, modelOfPort, type LabModels } from './pi-profile.js';
import { hostsCsv, labIp, writeBootFolder, writeRootfs, type LabHost } from './lab-files.js';
import { freePorts } from './free-port.js';

/** Name of the lab's i-th simulated switch (1-based), as piman.yaml and `piman status sw2:5` say it. */
export const labSwitchName = (i: number): string => `sw${i}`;
export const LAB_SWITCH = labSwitchName(1);

/** Pis on each of `switches` switches when `pis` are spread over them (the first ones get one more). */
export function spread(pis: number, switches: number): number[] {
  return Array.from({ length: switches }, (_, i) => Math.floor(pis / switches) + (i < pis % switches ? 1 : 0));
}

/** Pi timing for `piman lab`: slow enough to watch, fast enough for a 100-Pi storm in seconds. */
export const WATCHABLE_TIMING: Partial<PiTiming> = { bootDelayMs: 700, bootJitterMs: 600, formatMs: 800 };

export interface LabOptions {
  readonly pis: number;
  /** Simulated switches the Pis are spread over, each with its own SNMP agent (default 1). */
  readonly switches?: number;
  /** Self-healing boots (boot.retry); false sets boot.retry.attempts to 0. Default true. */
  readonly retry?: boolean;
  /** Experiment: broadcast DHCP replies with one xid at least this many ms apart (DhcpDemux.paceMs). */
  readonly paceXidMs?: number;
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
  readonly parts?: ReadonlyArray<PartFactory>;
}

export interface LabPorts {
  readonly dhcp: number;
  readonly tftp: number;
  readonly control: number;
  readonly install: number;
  readonly agent: number;
  readonly health: number;
  /** UDP port of each simulated switch's agent, in switch order. */
  readonly switch: number;
  readonly switchPorts?: readonly number[];
  readonly dhcpClient: number;
}

/** The parts the lab runs: those of `piman server` (src/parts.ts), the install servers checking peers against `net`. */
export function labParts(net?: NeighbourTable): PartFactory[] {
  const list = [...partFactories];
  if (!net) return list;
  // Loopback has no ARP: the lab's segment says which Pi is behind an address, so piman refuses
  // a control channel from a Pi that uses another's address, as on a real rack.
  const labInstall: PartFactory = (ctx) => {
    const s = installSettings(ctx.config);
    return new InstallServers({ cluster: ctx.cluster, log: ctx.log, images: ctx.images, ...s, identity: { ...s.identity, neighbours: net, exemptLoopback: false } });
  };
  return list.map((f) => (f === installFromConfig ? labInstall : f));
}

export class Lab {
  readonly pis: VirtualPi[] = [];
  readonly hosts: LabHost[];
  /** The Pis' shared segment (address clashes, the neighbour table piman checks MACs in). */
  readonly net: LoopbackNetwork;
  private stopped = false;
  private readonly unsubscribe: Array<() => void> = [];

  private constructor(
    readonly dir: string,
    readonly config: PimanConfig,
    readonly configPath: string,
    readonly ports: LabPorts,
    readonly daemon: Daemon,
    /** Every simulated switch, in switch order. */
    readonly sims: readonly SimSwitchThread[],
    readonly demux: DhcpDemux,
    hosts: LabHost[],
    net: LoopbackNetwork,
    private readonly o: LabOptions,
  ) {
    this.hosts = hosts;
    this.net = net;
  }

  /** The first simulated switch. */
  get sim(): SimSwitchThread {
    return this.sims[0]!;
  }

  static async start(o: LabOptions): Promise<Lab> {
    if (!Number.isInteger(o.pis) || o.pis < 1 || o.pis > 1000) throw new RangeError(`--pis must be 1..1000, not ${o.pis}`);
    const k = o.switches ?? 1;
    if (!Number.isInteger(k) || k < 1 || k > Math.min(16, o.pis)) throw new RangeError(`--switches must be 1..${Math.min(16, o.pis)} (at most one per Pi), not ${k}`);
    const dir = await mkdtemp(join(tmpdir(), 'piman-lab-'));
    const cleanup: Array<() => Promise<void>> = [];
    try {
      const hosts: LabHost[] = [];
      const sizes = spread(o.pis, k);
      let n = 0;
      sizes.forEach((size, i) => {
        for (let port = 1; port <= size; port++) {
          n++;
          hosts.push({ switchIndex: i + 1, port, identity: labIdentity(modelOfPort(o.model, n), n), ip: labIp(n), hostname: `pi${String(n).padStart(3, '0')}` });
        }
      });
      // Pi 1 boots from its own serial folder, as sites do to give one Pi another kernel.
      await writeBootFolder(join(dir, 'boot'), [hosts[0]!.identity.serial]);
      await writeRootfs(join(dir, 'rootfs.tgz'), 'piman-lab rootfs 1');
      await writeFile(join(dir, 'hosts.csv'), hostsCsv(LAB_SWITCH, hosts, labSwitchName));

      const [dhcp, tftp, agent] = (await freePorts('udp', 3)) as [number, number, number];
      const [control, install, health] = (await freePorts('tcp', 3)) as [number, number, number];
      const sims: SimSwitchThread[] = [];
      for (const [i, size] of sizes.entries()) {
        const sim = await SimSwitchThread.start({
          ports: size,
          address: '127.0.0.1',
          port: 0,
          initialPower: 'off',
          macDelayMs: 500,
          macs: hosts.filter((h) => (h.switchIndex ?? 1) === i + 1).map((h) => h.identity.mac),
          ratePerSecond: o.switchRate ?? 0,
          verbose: o.switchLog?.isLevelEnabled('info') ?? false,
        });
        sims.push(sim);
        cleanup.push(() => sim.stop());
      }
      const demux = await DhcpDemux.open({ address: '127.0.0.1', port: dhcp });
      demux.paceMs = o.paceXidMs ?? 0;
      cleanup.push(() => demux.close());
      const net = new LoopbackNetwork(demux);
      const ports: LabPorts = { dhcp, tftp, control, install, agent, health, switch: sims[0]!.port, switchPorts: sims.map((s) => s.port), dhcpClient: demux.port };

      const raw = labConfig({ ...o, switchSizes: sizes }, ports);
      o.configure?.(raw as Record<string, Record<string, unknown>>);
      const configPath = join(dir, 'piman.yaml');
      const text = `# Generated by piman lab; paths are relative to this file.\n${stringify(raw)}`;
      await writeFile(configPath, text);
      const config = parseConfigText(text, configPath);
      const daemon = await Daemon.create({ config, log: o.log, makeSwitch }, o.parts ?? labParts(net));
      await daemon.start();
      cleanup.push(() => daemon.stop());
      const lab = new Lab(dir, config, configPath, ports, daemon, sims, demux, hosts, net, o);
      lab.attachPis();
      return lab;
    } catch (e) {
      for (const c of cleanup.reverse()) await c().catch(() => undefined);
      if (!o.keep) await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  private attachPis(): void {
    for (const h of this.hosts) {
      const pi = new VirtualPi({
        identity: h.identity,
        net: this.net,
        ports: { tftp: this.ports.tftp, control: this.ports.control, install: this.ports.install, health: this.ports.health },
        noisy: true,
        // The lab's Pi 3 is the real boot ROM: shared xid, first OFFER taken, gives up.
        realRom: true,
        ...(this.o.timing ? { timing: this.o.timing } : {}),
      });
      this.pis.push(pi);
    }
    // The switch port is the Pi's only power source.
    this.sims.forEach((sim, i) => {
      const mine = new Map(this.hosts.flatMap((h, n) => ((h.switchIndex ?? 1) === i + 1 ? [[h.port, this.pis[n]!] as const] : [])));
      const onPower = (port: number, power: 'on' | 'off'): void => {
        const pi = mine.get(port);
        if (!pi) return;
        if (power === 'on') pi.powerOn();
        else void pi.powerOff();
      };
      sim.on('power', onPower);
      this.unsubscribe.push(() => sim.off('power', onPower));
    });
  }

  keys(): PortKey[] {
    return this.hosts.map((h) => ({ switchIndex: h.switchIndex ?? 1, port: h.port }));
  }

  /** The virtual Pi on a port, or undefined. */
  piAt(key: PortKey): VirtualPi | undefined {
    const n = this.hosts.findIndex((h) => (h.switchIndex ?? 1) === key.switchIndex && h.port === key.port);
    return n < 0 ? undefined : this.pis[n];
  }

  /**
   * A storm: every switch powers all its ports on at the same instant by
   * itself (after a power cut or a switch reboot), not through piman and
   * without piman's stagger. piman learns of it only from the Pis' DHCP.
   */
  stormPowerOn(): void {
    this.sims.forEach((sim, i) => {
      for (const h of this.hosts) if ((h.switchIndex ?? 1) === i + 1) sim.setPower(h.port, 'on');
    });
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
    for (const off of this.unsubscribe) off();
    await Promise.all(this.pis.map((p) => p.powerOff()));
    try {
      await this.daemon.stop();
    } finally {
      // A daemon that could not save its state on the way out (a full state folder) is reported,
      // but the switches and the demux are let go all the same: nothing of the lab is left running.
      await Promise.all(this.sims.map((s) => s.stop()));
      await this.demux.close();
      if (!this.o.keep) await rm(this.dir, { recursive: true, force: true });
    }
  }
}

/** piman.yaml of a lab (relative paths; the file lives in the lab folder). */
export function labConfig(o: Pick<LabOptions, 'pis' | 'model' | 'retry'> & { switchSizes?: readonly number[] }, p: LabPorts): Record<string, unknown> {
  const sizes = o.switchSizes ?? [o.pis];
  const switchPorts = p.switchPorts ?? [p.switch];
  return {
    server: { address: '127.0.0.1', netmask: '255.0.0.0' },
    dhcp: { port: p.dhcp, clientPort: p.dhcpClient, broadcastAddress: '127.0.0.1' },
    tftp: { address: '127.0.0.1', port: p.tftp, root: './boot' },
    control: { address: '127.0.0.1', port: p.control, timeoutSeconds: 30 },
    install: { address: '127.0.0.1', port: p.install, rootfs: './rootfs.tgz', timeoutSeconds: 30 },
    agent: { address: '127.0.0.1', port: p.agent, readCommunity: 'public', writeCommunity: 'private' },
    hosts: './hosts.csv',
    state: './state',
    switches: sizes.map((ports, i) => ({
      name: labSwitchName(i + 1),
      address: '127.0.0.1',
      port: switchPorts[i],
      community: 'private',
      ports,
      timeoutMs: 3000,
      retries: 2,
      maxInFlight: 4,
      maxVarbinds: 8,
    })),
    // Pi 3 boot ROMs share one xid: give them a wider gap between power-ons.
    power: { offSeconds: 0.3, staggerSeconds: modelList(o.model).includes(3) ? 0.15 : 0.03 },
    // Lab Pis boot in seconds: a port stuck this long is retried (a real rack uses the defaults, a minute or more).
    boot: {
      timeoutSeconds: 90,
      retry: {
        attempts: o.retry === false ? 0 : 5,
        timeoutSeconds: { poweringOn: 15, netbooting: 15, installing: 20, booting: 20 },
        backoffSeconds: 2,
        backoffFactor: 2,
        maxBackoffSeconds: 15,
        // Retries start as fast as power.staggerSeconds lets them: 1 s apart was slower in the lab (README, storms).
        staggerSeconds: 0,
      },
    },
    monitor: { enabled: false, port: p.health, intervalSeconds: 5 },
    log: { level: 'info' },
  };
}
