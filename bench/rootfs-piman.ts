/**
 * Child process of bench/rootfs.ts: piman's install servers on loopback with
 * one Pi (127.0.0.1) bound to sw1:1, serving the archive given as argv[2].
 * Prints its ports as one JSON line; stops on SIGTERM.
 */
import { Cluster } from '../src/cluster/cluster.js';
import { MemoryStateStore } from '../src/store/state-store.js';
import { InstallServers } from '../src/control/part.js';
import { silentLogger } from '../src/log.js';

const cluster = await Cluster.open({
  switches: [{ index: 1, name: 'sw1', address: '127.0.0.1', ports: 4 }],
  hosts: [{ switchIndex: 1, port: 1, mac: 'b8:27:eb:00:00:01', ip: '127.0.0.1', hostname: 'pi1' }],
  store: new MemoryStateStore(),
  timeoutMs: 600_000,
});
const servers = new InstallServers({
  cluster,
  log: silentLogger(),
  control: { address: '127.0.0.1', port: 0, timeoutSeconds: 600 },
  install: { address: '127.0.0.1', port: 0, rootfs: process.argv[2]!, timeoutSeconds: 600 },
});
await servers.start();
process.stdout.write(JSON.stringify({ controlPort: servers.control.address().port, installPort: servers.rootfs.address().port }) + '\n');
process.once('SIGTERM', () => void servers.stop().finally(() => process.exit(0)));
