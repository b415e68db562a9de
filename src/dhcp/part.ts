/** Plugs the DHCP server into the daemon (src/parts.ts maps piman.yaml onto its options). */
import { networkInterfaces } from 'node:os';
import type { Part, PartContext } from '../part.js';
import { DhcpServer, type DhcpServerOptions } from './server.js';
import { LeaseStore, type Lease } from './leases.js';
import type { UnknownMac } from '../cluster/unknown-macs.js';
import { checkInterfaceAddress } from './interface.js';
import type { MetricFamily } from '../metrics/registry.js';

export interface DhcpPart extends Part {
  /** MACs that asked and got nothing, most recent first (the cluster's registry, which the agent serves). */
  unknownMacs(): UnknownMac[];
  /** Bound leases (static and pool). */
  leases(): Lease[];
  /** The UDP port in use, 0 before start or when disabled. */
  port(): number;
}

/** The DHCP server's settings (src/parts.ts maps the `dhcp` and `server` sections onto them). */
export type DhcpPartOptions = Pick<DhcpServerOptions, 'settings' | 'port' | 'clientPort' | 'broadcastAddress' | 'listenAddress' | 'pool' | 'relays'> & {
  readonly enabled: boolean;
  /** server.interface: the interface that must carry settings.address. */
  readonly interface?: string | undefined;
  /** Folder of the lease file (the state folder). */
  readonly stateDir: string;
};

export function dhcpPart(o: DhcpPartOptions, ctx: PartContext): DhcpPart {
  const { cluster } = ctx;
  const log = ctx.log.child({ part: 'dhcp' });
  let server: DhcpServer | null = null;
  let store: LeaseStore | null = null;
  let removeMetrics = (): void => undefined;
  return {
    name: 'dhcp',
    async check(): Promise<void> {
      if (o.enabled) checkInterfaceAddress(networkInterfaces(), o.interface, o.settings.address);
    },
    async start(): Promise<void> {
      if (!o.enabled) return;
      checkInterfaceAddress(networkInterfaces(), o.interface, o.settings.address);
      store = await LeaseStore.open(o.stateDir);
      const s = new DhcpServer({
        settings: o.settings,
        port: o.port,
        clientPort: o.clientPort,
        broadcastAddress: o.broadcastAddress,
        listenAddress: o.listenAddress,
        pool: o.pool,
        relays: o.relays,
        cluster,
        leases: store,
        log,
      });
      await s.start();
      server = s;
      removeMetrics = ctx.metrics.add(() => dhcpMetrics(s));
      log.info({ address: o.settings.address, port: s.port, pool: o.pool }, 'DHCP server listening');
    },
    async stop(): Promise<void> {
      removeMetrics();
      await server?.stop();
      await store?.close();
      server = null;
    },
    unknownMacs: () => cluster.unknownMacs.list(),
    leases: () => store?.list() ?? [],
    port: () => server?.port ?? 0,
  };
}

/** Requests the server did not answer, by reason, for Prometheus (OFFERs and ACKs come from the cluster's counters). */
export function dhcpMetrics(server: DhcpServer): MetricFamily[] {
  const st = server.stats;
  return [
    {
      name: 'piman_dhcp_requests_dropped_total',
      type: 'counter',
      help: 'DHCP datagrams not answered: malformed, unknown MAC (no binding, no pool), relayed from a giaddr not in dhcp.relays.',
      samples: [
        { labels: { reason: 'malformed' }, value: st.malformed },
        { labels: { reason: 'unknown' }, value: st.unknown },
        { labels: { reason: 'relay' }, value: st.relayDropped },
      ],
    },
  ];
}
