/**
 * The install flow as one daemon part: the control channel and the rootfs
 * stream share an InstallHub (who was just told `format`), so they start and
 * stop together. `installPart` is the factory src/parts.ts lists.
 */
import type { Part, PartContext } from '../part.js';
import type { PortList } from '../cluster/ports.js';
import type { Logger } from '../log.js';
import { ControlServer, type ControlCluster } from './control-server.js';
import { RootfsServer } from './rootfs-server.js';
import { InstallHub } from './hub.js';
import { checkRootfs } from './rootfs-check.js';
import { ProcNetArp, type NeighbourTable } from './neighbours.js';
import { ImageCatalog } from '../images/catalog.js';
import { PimanError } from '../errors.js';

/** Bounds of one port's connections (config keys maxConnections, maxConnectionsPerAddress). */
export interface ConnectionBounds {
  readonly maxConnections?: number;
  readonly maxConnectionsPerAddress?: number;
}

export const CONTROL_LIMITS = { maxConnections: 1024, maxConnectionsPerAddress: 4 } as const;
export const INSTALL_LIMITS = { maxConnections: 1024, maxConnectionsPerAddress: 2 } as const;

/** The cluster as the install servers see it: both servers' ports, and every port (installs a restart cut). */
export type InstallCluster = ControlCluster & PortList;

export interface InstallServersOptions {
  readonly cluster: InstallCluster;
  readonly log: Logger;
  readonly control: { readonly address: string; readonly port: number; readonly timeoutSeconds: number } & ConnectionBounds;
  readonly install: { readonly address: string; readonly port: number; readonly rootfs: string; readonly timeoutSeconds: number } & ConnectionBounds;
  /** install.images (default: one image, `install.rootfs`, named `default`). */
  readonly images?: ImageCatalog | undefined;
  /** Least ms between two progress updates of one port (default 500). */
  readonly progressIntervalMs?: number;
  /** Peer checks (src/control/identity.ts). Defaults: the kernel's neighbour table, loopback exempt, no netboot required. */
  readonly identity?: {
    readonly neighbours?: NeighbourTable;
    /** server.interface: neighbour entries must be on it. */
    readonly interface?: string;
    readonly exemptLoopback?: boolean;
    /** The daemon requires a netboot when its own DHCP serves the Pis (it then sees every netboot). */
    readonly requireNetboot?: boolean;
    /** boot.timeoutSeconds in ms (default 180 s). */
    readonly netbootWindowMs?: number;
  };
}

export class InstallServers implements Part {
  readonly name = 'install';
  readonly hub = new InstallHub();
  readonly control: ControlServer;
  readonly rootfs: RootfsServer;
  readonly images: ImageCatalog;

  constructor(private readonly opts: InstallServersOptions) {
    const log = opts.log.child({ part: 'install' });
    const images = opts.images ?? new ImageCatalog({ default: opts.install.rootfs }, 'default', log);
    this.images = images;
    const id = opts.identity ?? {};
    const identity = {
      neighbours: id.neighbours ?? new ProcNetArp(),
      ...(id.interface ? { interface: id.interface } : {}),
      exemptLoopback: id.exemptLoopback ?? true,
      requireNetboot: id.requireNetboot ?? false,
      netbootWindowMs: id.netbootWindowMs ?? 180_000,
    };
    const bounds = (b: ConnectionBounds, d: Required<ConnectionBounds>) => ({
      maxTotal: b.maxConnections ?? d.maxConnections,
      maxPerAddress: b.maxConnectionsPerAddress ?? d.maxConnectionsPerAddress,
    });
    this.control = new ControlServer({
      identity,
      limits: bounds(opts.control, CONTROL_LIMITS),
      cluster: opts.cluster,
      hub: this.hub,
      log,
      host: opts.control.address,
      port: opts.control.port,
      timeoutMs: opts.control.timeoutSeconds * 1000,
      imageProblem: (view) => images.problemFor(view),
    });
    this.rootfs = new RootfsServer({
      identity,
      limits: bounds(opts.install, INSTALL_LIMITS),
      cluster: opts.cluster,
      hub: this.hub,
      log,
      host: opts.install.address,
      port: opts.install.port,
      images,
      timeoutMs: opts.install.timeoutSeconds * 1000,
      ...(opts.progressIntervalMs === undefined ? {} : { progressIntervalMs: opts.progressIntervalMs }),
    });
  }

  /**
   * One image: it must be valid, as a Pi told `format` is wiped. Several: at
   * least one must be; each unusable one is logged once (catalog) and holds
   * only the Pis using it.
   */
  async check(): Promise<void> {
    const names = this.images.names();
    if (names.length === 1) await checkRootfs(this.images.info(names[0]!)!.path);
    await this.images.refresh();
    const infos = this.images.list();
    if (infos.every((i) => i.problem !== null)) {
      throw new PimanError('E_ROOTFS', `no image in install.images can be installed: ${infos.map((i) => `${i.name}: ${i.problem}`).join('; ')}`);
    }
  }

  async start(): Promise<void> {
    await this.check();
    for (const info of this.images.list()) {
      if (info.problem === null) this.opts.log.info({ image: info.name, rootfs: info.path, bytes: info.size, sha256: info.sha256 }, 'rootfs archive checked');
    }
    // A stream cut by a restart cannot resume; the mark stays, so the Pi is formatted again.
    const saved: Promise<void>[] = [];
    for (const p of this.opts.cluster.ports()) {
      if (p.state === 'installing') {
        const reason = 'piman restarted during the install; the Pi is formatted again at its next boot';
        saved.push(this.opts.cluster.apply(p, { type: 'installAborted', reason }).persisted);
      }
    }
    await Promise.all(saved);
    await this.control.start();
    try {
      await this.rootfs.start();
    } catch (e) {
      await this.control.stop();
      throw e;
    }
    const c = this.control.address();
    const r = this.rootfs.address();
    this.opts.log.info({ part: 'install', address: c.address, port: c.port }, 'control channel listening');
    this.opts.log.info({ part: 'install', address: r.address, port: r.port }, 'rootfs server listening');
  }

  async stop(): Promise<void> {
    await this.control.stop();
    await this.rootfs.stop();
  }
}

/** The install servers' settings (src/parts.ts maps piman.yaml onto them). */
export type InstallPartOptions = Pick<InstallServersOptions, 'control' | 'install' | 'identity'>;

export function installPart(o: InstallPartOptions, ctx: PartContext<InstallCluster>): Part {
  return new InstallServers({ cluster: ctx.cluster, log: ctx.log, images: ctx.images, ...o });
}
