/**
 * The TFTP part of the daemon: maps config to TftpServer options and
 * reports requested files to the boot-state machine and served ones to the
 * counters. Unknown peers are served too; only known ones (hosts.csv IPs)
 * produce cluster events.
 */
import { availableParallelism } from 'node:os';
import type { DaemonContext, Part } from '../daemon.js';
import { TftpServer } from './server.js';
import { checkBootFolder } from './root-check.js';

/** tftp.workers as a number: 'auto' is one worker per CPU up to 4, none on a single CPU. */
export function transferWorkers(setting: number | 'auto', cpus = availableParallelism()): number {
  if (setting !== 'auto') return setting;
  return cpus >= 2 ? Math.min(cpus, 4) : 0;
}

/** The part plus its server (null when disabled), for tests and the lab. */
export interface TftpPart extends Part {
  readonly server: TftpServer | null;
}

export function tftpPart(ctx: DaemonContext): TftpPart {
  const c = ctx.config.tftp;
  const log = ctx.log.child({ part: 'tftp' });
  if (!c.enabled) {
    return { name: 'tftp', server: null, start: async () => log.info('TFTP disabled (tftp.enabled: false)'), stop: async () => undefined };
  }
  const { cluster } = ctx;
  const server = new TftpServer({
    address: c.address,
    port: c.port,
    root: c.root,
    serverAddress: ctx.config.server.address,
    maxTransfers: c.maxTransfers,
    maxBlksize: c.maxBlksize,
    maxWindowsize: c.maxWindowsize,
    timeoutMs: c.timeoutSeconds * 1000,
    retries: c.retries,
    workers: transferWorkers(c.workers),
    log,
    peerMac: (address) => cluster.byIp(address)?.mac ?? null,
    // The boot state moves when a Pi asks for a file (in request order); the counter counts whole files.
    onRequested: (e) => {
      const port = cluster.byIp(e.address);
      if (!port) return;
      const r = cluster.apply({ switchIndex: port.switchIndex, port: port.port }, { type: 'tftp', file: e.file });
      r.persisted.catch((err: unknown) => log.error({ err: (err as Error).message }, 'cannot persist state after TFTP'));
    },
    onServed: () => cluster.count('tftpFiles'),
  });
  return {
    name: 'tftp',
    server,
    check: () => checkBootFolder(c.root),
    async start() {
      await checkBootFolder(c.root);
      await server.start();
      const a = server.address();
      log.info({ address: a.address, port: a.port, root: c.root, workers: transferWorkers(c.workers) }, 'TFTP listening');
    },
    stop: () => server.stop(),
  };
}
