/**
 * The TFTP part of the daemon: maps config to TftpServer options and
 * reports served files to the boot-state machine. Unknown peers are
 * served too; only known ones (hosts.csv IPs) produce cluster events.
 */
import type { DaemonContext, Part } from '../daemon.js';
import { TftpServer } from './server.js';
import { checkBootFolder } from './root-check.js';

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
    log,
    peerMac: (address) => cluster.byIp(address)?.mac ?? null,
    onServed: (e) => {
      cluster.count('tftpFiles');
      const port = cluster.byIp(e.address);
      if (!port) return;
      const r = cluster.apply({ switchIndex: port.switchIndex, port: port.port }, { type: 'tftp', file: e.file });
      r.persisted.catch((err: unknown) => log.error({ err: (err as Error).message }, 'cannot persist state after TFTP'));
    },
  });
  return {
    name: 'tftp',
    server,
    async start() {
      await checkBootFolder(c.root);
      await server.start();
      const a = server.address();
      log.info({ address: a.address, port: a.port, root: c.root }, 'TFTP listening');
    },
    stop: () => server.stop(),
  };
}
