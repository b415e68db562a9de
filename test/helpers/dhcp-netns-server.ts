/**
 * Runs piman's DHCP server as a child process (the netns tests start it with
 * `ip netns exec NS node --import tsx test/helpers/dhcp-netns-server.ts JSON`).
 * stdout: pino JSON lines, then `{"ready":true,"port":N}`; a line `status` on
 * stdin answers `{"status":{unknown, stats, leases}}`. Stops on SIGTERM.
 */
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { Cluster } from '../../src/cluster/cluster.js';
import { MemoryStateStore } from '../../src/store/state-store.js';
import { DhcpServer } from '../../src/dhcp/server.js';
import { LeaseStore } from '../../src/dhcp/leases.js';
import type { ServerSettings } from '../../src/dhcp/policy.js';
import type { HostBinding } from '../../src/cluster/types.js';

interface ChildConfig {
  settings: ServerSettings;
  hosts: HostBinding[];
  ports: number;
  stateDir: string;
  port: number;
  clientPort: number;
  broadcastAddress: string;
  pool?: { start: string; end: string };
  /** dhcp.relays: giaddr values answered (the bench's perfdhcp relays). */
  relays?: string[];
  logLevel?: 'info' | 'warn' | 'silent';
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
const out = (o: unknown): void => void process.stdout.write(JSON.stringify(o) + '\n');
const log = pino({ level: cfg.logLevel ?? 'info' }, { write: (s: string) => void process.stdout.write(s) });

const cluster = await Cluster.open({
  switches: [{ index: 1, name: 'sw1', address: '192.0.2.1', ports: cfg.ports }],
  hosts: cfg.hosts,
  store: new MemoryStateStore(),
  timeoutMs: 3_600_000,
});
const leases = await LeaseStore.open(cfg.stateDir);
const server = new DhcpServer({
  settings: cfg.settings,
  port: cfg.port,
  clientPort: cfg.clientPort,
  broadcastAddress: cfg.broadcastAddress,
  pool: cfg.pool,
  relays: cfg.relays ?? [],
  cluster,
  leases,
  log,
});
await server.start();
out({ ready: true, port: server.port });

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'status') {
    out({ status: { unknown: server.unknownMacs(), stats: server.stats, leases: leases.list(), counters: cluster.getCounters() } });
  }
});

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await server.stop();
  await leases.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.stdin.on('end', () => void stop());
