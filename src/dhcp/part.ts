/** Plugs the DHCP server into the daemon: config -> plain options. */
import { networkInterfaces } from 'node:os';
import type { DaemonContext, Part } from '../daemon.js';
import type { PimanConfig } from '../config/schema.js';
import { DhcpServer } from './server.js';
import { LeaseStore, type Lease } from './leases.js';
import type { ServerSettings } from './policy.js';
import type { UnknownMac } from '../cluster/unknown-macs.js';
import { checkInterfaceAddress } from './interface.js';

export interface DhcpPart extends Part {
  /** MACs that asked and got nothing, most recent first (the cluster's registry, which the agent serves). */
  unknownMacs(): UnknownMac[];
  /** Bound leases (static and pool). */
  leases(): Lease[];
  /** The UDP port in use, 0 before start or when disabled. */
  port(): number;
}

export function serverSettings(config: PimanConfig): ServerSettings {
  return {
    address: config.server.address,
    netmask: config.server.netmask,
    router: config.server.router ?? config.server.address,
    dns: config.server.dns,
    ...(config.server.domain ? { domain: config.server.domain } : {}),
    leaseSeconds: config.dhcp.leaseSeconds,
  };
}

export function dhcpPart(ctx: DaemonContext): DhcpPart {
  const { config, cluster } = ctx;
  const log = ctx.log.child({ part: 'dhcp' });
  let server: DhcpServer | null = null;
  let store: LeaseStore | null = null;
  return {
    name: 'dhcp',
    async check(): Promise<void> {
      if (config.dhcp.enabled) checkInterfaceAddress(networkInterfaces(), config.server.interface, config.server.address);
    },
    async start(): Promise<void> {
      if (!config.dhcp.enabled) return;
      checkInterfaceAddress(networkInterfaces(), config.server.interface, config.server.address);
      store = await LeaseStore.open(config.state);
      const s = new DhcpServer({
        settings: serverSettings(config),
        port: config.dhcp.port,
        clientPort: config.dhcp.clientPort,
        broadcastAddress: config.dhcp.broadcastAddress,
        listenAddress: config.dhcp.listenAddress,
        pool: config.dhcp.pool,
        cluster,
        leases: store,
        log,
      });
      await s.start();
      server = s;
      log.info({ address: config.server.address, port: s.port, pool: config.dhcp.pool }, 'DHCP server listening');
    },
    async stop(): Promise<void> {
      await server?.stop();
      await store?.close();
      server = null;
    },
    unknownMacs: () => cluster.unknownMacs.list(),
    leases: () => store?.list() ?? [],
    port: () => server?.port ?? 0,
  };
}
