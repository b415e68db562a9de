/** An in-process cluster with one Pi bound to a loopback address, plus piman's install servers on free ports. */
import { Cluster } from '../../src/cluster/cluster.js';
import { MemoryStateStore, type StateStore } from '../../src/store/state-store.js';
import { InstallServers, type InstallServersOptions } from '../../src/control/part.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { portId, type BootState, type PortKey } from '../../src/cluster/types.js';

export const PI: PortKey = { switchIndex: 1, port: 1 };

export async function startInstall(opts: {
  rootfs: string;
  piIp?: string;
  store?: StateStore;
  log?: Logger;
  controlTimeoutSeconds?: number;
  installTimeoutSeconds?: number;
  progressIntervalMs?: number;
  /** Peer checks; default: loopback exempt, a netboot required (as the daemon with its DHCP on). */
  identity?: InstallServersOptions['identity'];
  control?: { address?: string; maxConnections?: number; maxConnectionsPerAddress?: number };
  install?: { address?: string; port?: number; maxConnections?: number; maxConnectionsPerAddress?: number };
}): Promise<{ cluster: Cluster; servers: InstallServers; controlPort: number; installPort: number }> {
  const cluster = await Cluster.open({
    switches: [{ index: 1, name: 'sw1', address: '127.0.0.1', ports: 4 }],
    hosts: [{ switchIndex: 1, port: 1, mac: 'b8:27:eb:00:00:01', ip: opts.piIp ?? '127.0.0.1', hostname: 'pi1' }],
    store: opts.store ?? new MemoryStateStore(),
    timeoutMs: 180_000,
  });
  const servers = new InstallServers({
    cluster,
    log: opts.log ?? silentLogger(),
    control: { address: '127.0.0.1', port: 0, timeoutSeconds: opts.controlTimeoutSeconds ?? 60, ...opts.control },
    install: { address: '127.0.0.1', port: 0, rootfs: opts.rootfs, timeoutSeconds: opts.installTimeoutSeconds ?? 60, ...opts.install },
    identity: opts.identity ?? { exemptLoopback: true, requireNetboot: true, netbootWindowMs: 180_000 },
    ...(opts.progressIntervalMs === undefined ? {} : { progressIntervalMs: opts.progressIntervalMs }),
  });
  await servers.start();
  return { cluster, servers, controlPort: servers.control.address().port, installPort: servers.rootfs.address().port };
}

/** Resolves when the port is in `state` (now or on a later stateChanged); rejects after timeoutMs. */
export function waitForState(cluster: Cluster, key: PortKey, state: BootState, timeoutMs = 20_000): Promise<void> {
  if (cluster.port(key)?.state === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => (off(), reject(new Error(`port ${portId(key)} did not reach ${state} (is ${cluster.port(key)?.state})`))), timeoutMs);
    const off = cluster.on(({ port, effect }) => {
      if (portId(port) === portId(key) && effect.type === 'stateChanged' && effect.to === state) {
        clearTimeout(t);
        off();
        resolve();
      }
    });
  });
}

/** The Pi's boot ROM asked piman's DHCP (PXE): what every boot starts with. */
export function netboot(cluster: Cluster, key: PortKey = PI): void {
  cluster.apply(key, { type: 'dhcp', pxe: true });
}
