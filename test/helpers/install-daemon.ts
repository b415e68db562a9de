/**
 * Child process for the SIGKILL test: piman's install flow as the daemon
 * builds it (config file, hosts.csv, FileStateStore, Cluster, install part),
 * printing its listening ports as one JSON line, then one line per state
 * change. Ticks the boot machine like the Daemon (every second, or every
 * argv[3] ms), so a port stuck past boot.timeoutSeconds fails. Runs until killed.
 */
import { loadConfig } from '../../src/config/load.js';
import { loadHosts } from '../../src/config/hosts.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { FileStateStore } from '../../src/store/state-store.js';
import { switchInfos } from '../../src/daemon.js';
import { InstallServers } from '../../src/control/part.js';
import { installSettings } from '../../src/parts.js';
import { createLogger } from '../../src/log.js';

const { config } = await loadConfig(process.argv[2]);
const infos = switchInfos(config);
const store = new FileStateStore(config.state);
const cluster = await Cluster.open({ switches: infos, hosts: await loadHosts(config.hosts, infos), store, timeoutMs: config.boot.timeoutSeconds * 1000 });
const log = createLogger({ level: 'warn', pretty: false, destination: { write: (l: string) => void process.stderr.write(l) } });
const servers = new InstallServers({ cluster, log, ...installSettings(config) });
await servers.start();
setInterval(() => cluster.tick(), Number(process.argv[3] ?? 1000));
process.stdout.write(JSON.stringify({ controlPort: servers.control.address().port, installPort: servers.rootfs.address().port }) + '\n');
// State changes as JSON lines, so the test waits on events instead of polling the state file.
cluster.on(({ port, effect }) => {
  if (effect.type === 'stateChanged') process.stdout.write(JSON.stringify({ port: `${port.switchIndex}.${port.port}`, to: effect.to }) + '\n');
});
process.once('SIGTERM', () => {
  void servers
    .stop()
    .then(() => cluster.persist())
    .then(() => store.close())
    .finally(() => process.exit(0));
});
