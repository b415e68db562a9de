/**
 * The TFTP part of the daemon: runs the TftpServer and
 * reports requested files to the boot-state machine and served ones to the
 * counters. Unknown peers are served too; only known ones (hosts.csv IPs)
 * produce cluster events.
 */
import { availableParallelism } from 'node:os';
import type { Part, PartContext } from '../part.js';
import { TftpServer, type TftpServerOptions } from './server.js';
import { checkBootFolder } from './root-check.js';
import type { MetricFamily } from '../metrics/registry.js';
import type { ActivityCounter, BootEvents, PeersByAddress } from '../cluster/ports.js';

/** The cluster as TFTP sees it: peers by address, a requested file as a boot event, whole files counted. */
export type TftpCluster = PeersByAddress & BootEvents & ActivityCounter;

/** tftp.workers as a number: 'auto' is one worker per CPU up to 4, none on a single CPU. */
export function transferWorkers(setting: number | 'auto', cpus = availableParallelism()): number {
  if (setting !== 'auto') return setting;
  return cpus >= 2 ? Math.min(cpus, 4) : 0;
}

/** The part plus its server (null when disabled), for tests and the lab. */
/** Transfer threads end after this long without a transfer (README "TFTP": memory). */
export const WORKER_IDLE_MS = 10_000;

export interface TftpPart extends Part {
  readonly server: TftpServer | null;
}

/** The TFTP settings (src/parts.ts maps the `tftp` section and server.address onto them). */
export type TftpPartOptions = Pick<
  TftpServerOptions,
  'address' | 'port' | 'root' | 'serverAddress' | 'maxTransfers' | 'maxTransfersPerClient' | 'maxBlksize' | 'maxWindowsize' | 'timeoutMs' | 'retries' | 'datagrams'
> & {
  readonly enabled: boolean;
  readonly workers: number | 'auto';
};

export function tftpPart(c: TftpPartOptions, ctx: PartContext<TftpCluster>): TftpPart {
  const log = ctx.log.child({ part: 'tftp' });
  if (!c.enabled) {
    return { name: 'tftp', server: null, start: async () => log.info('TFTP disabled (tftp.enabled: false)'), stop: async () => undefined };
  }
  const { cluster } = ctx;
  let removeMetrics = (): void => undefined;
  const workers = transferWorkers(c.workers);
  const server = new TftpServer({
    address: c.address,
    port: c.port,
    root: c.root,
    serverAddress: c.serverAddress,
    maxTransfers: c.maxTransfers,
    maxTransfersPerClient: c.maxTransfersPerClient,
    maxBlksize: c.maxBlksize,
    maxWindowsize: c.maxWindowsize,
    timeoutMs: c.timeoutMs,
    retries: c.retries,
    workers,
    // An idle daemon holds no transfer threads (~6 MB each, left in RSS even once ended): the first request starts them, 10 s without one ends them.
    workerIdleMs: WORKER_IDLE_MS,
    datagrams: c.datagrams,
    log,
    peerMac: (address) => cluster.byIp(address)?.mac ?? null,
    // The boot state moves when a Pi asks for a file (in request order); the counter counts whole files.
    onRequested: (e) => {
      const port = cluster.byIp(e.address);
      if (!port) return;
      // A state write that fails is reported by the cluster (onPersistError), once.
      cluster.apply({ switchIndex: port.switchIndex, port: port.port }, { type: 'tftp', file: e.file });
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
      removeMetrics = ctx.metrics.add(() => tftpMetrics(server));
      const a = server.address();
      log.info({ address: a.address, port: a.port, root: c.root, workers }, 'TFTP listening');
    },
    stop: () => {
      removeMetrics();
      return server.stop();
    },
  };
}

/** The server's transfer counts for Prometheus (the files counter comes from the cluster). */
export function tftpMetrics(server: TftpServer): MetricFamily[] {
  const st = server.stats;
  return [
    { name: 'piman_tftp_transfers_active', type: 'gauge', help: 'TFTP transfers running now (and requests opening their file).', samples: [{ value: server.activeTransfers }] },
    { name: 'piman_tftp_transfer_threads', type: 'gauge', help: 'TFTP transfer worker threads running (tftp.workers; 0 until the first request and after 10 s without a transfer).', samples: [{ value: server.transferThreads.length }] },
    {
      name: 'piman_tftp_transfers_ended_total',
      type: 'counter',
      help: 'TFTP transfers by how they ended: complete, aborted (by the client, e.g. the Pi 4 tsize probe), timeout, error.',
      samples: [
        { labels: { result: 'complete' }, value: st.served },
        { labels: { result: 'aborted' }, value: st.aborted },
        { labels: { result: 'timeout' }, value: st.timedOut },
        { labels: { result: 'error' }, value: st.failed },
      ],
    },
    {
      name: 'piman_tftp_requests_rejected_total',
      type: 'counter',
      help: 'TFTP packets not served: refused with an ERROR (missing file, .., WRQ), dropped at tftp.maxTransfers or, from addresses not in hosts.csv, at 3/4 of it (busy), dropped at tftp.maxTransfersPerClient (client_busy), malformed.',
      samples: [
        { labels: { reason: 'refused' }, value: st.refused },
        { labels: { reason: 'busy' }, value: st.busy },
        { labels: { reason: 'client_busy' }, value: st.clientBusy },
        { labels: { reason: 'malformed' }, value: st.malformed },
      ],
    },
  ];
}
