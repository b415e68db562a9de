/**
 * The install flow as one daemon part: the control channel and the rootfs
 * stream share an InstallHub (who was just told `format`), so they start and
 * stop together. `installPart` is the factory src/parts.ts lists.
 */
import type { DaemonContext, Part } from '../daemon.js';
import type { Cluster } from '../cluster/cluster.js';
import type { Logger } from '../log.js';
import { ControlServer } from './control-server.js';
import { RootfsServer } from './rootfs-server.js';
import { InstallHub } from './hub.js';
import { checkRootfs } from './rootfs-check.js';

export interface InstallServersOptions {
  readonly cluster: Cluster;
  readonly log: Logger;
  readonly control: { readonly address: string; readonly port: number; readonly timeoutSeconds: number };
  readonly install: { readonly address: string; readonly port: number; readonly rootfs: string; readonly timeoutSeconds: number };
  /** Least ms between two progress updates of one port (default 500). */
  readonly progressIntervalMs?: number;
}

export class InstallServers implements Part {
  readonly name = 'install';
  readonly hub = new InstallHub();
  readonly control: ControlServer;
  readonly rootfs: RootfsServer;

  constructor(private readonly opts: InstallServersOptions) {
    const log = opts.log.child({ part: 'install' });
    this.control = new ControlServer({
      cluster: opts.cluster,
      hub: this.hub,
      log,
      host: opts.control.address,
      port: opts.control.port,
      timeoutMs: opts.control.timeoutSeconds * 1000,
    });
    this.rootfs = new RootfsServer({
      cluster: opts.cluster,
      hub: this.hub,
      log,
      host: opts.install.address,
      port: opts.install.port,
      rootfs: opts.install.rootfs,
      timeoutMs: opts.install.timeoutSeconds * 1000,
      ...(opts.progressIntervalMs === undefined ? {} : { progressIntervalMs: opts.progressIntervalMs }),
    });
  }

  async check(): Promise<void> {
    await checkRootfs(this.opts.install.rootfs);
  }

  async start(): Promise<void> {
    const info = await checkRootfs(this.opts.install.rootfs);
    this.opts.log.info({ rootfs: info.path, bytes: info.size }, 'rootfs archive checked');
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

export function installPart(ctx: DaemonContext): Part {
  const { config } = ctx;
  return new InstallServers({ cluster: ctx.cluster, log: ctx.log, control: config.control, install: config.install });
}
