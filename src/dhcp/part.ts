/** Plugs the DHCP server into the daemon (src/parts.ts maps piman.yaml onto its options). */
import { networkInterfaces } from 'node:os';
import type { Part, PartContext } from '../part.js';
import { DhcpServer, type DhcpCluster, type DhcpServerOptions } from './server.js';
import { LeaseStore, type Lease } from './leases.js';
import type { UnknownMac } from '../cluster/unknown-macs.js';
import { checkInterfaceAddress } from './interface.js';
import type { MetricFamily } from '../metrics/registry.js';
import { HostsFileBinder, type BinderCluster, type HostsFile } from './port-binder.js';
import type { CircuitRules } from './circuit-port.js';
import type { SwitchList } from '../cluster/ports.js';

export interface DhcpPart extends Part {
  /** MACs that asked and got nothing, most recent first (the cluster's registry, which the agent serves). */
  unknownMacs(): UnknownMac[];
  /** Bound leases (static and pool). */
  leases(): Lease[];
  /** The UDP port in use, 0 before start or when disabled. */
  port(): number;
}

/** The DHCP server's settings (src/parts.ts maps the `dhcp` and `server` sections onto them). */
export type DhcpPartOptions = Pick<
  DhcpServerOptions,
  'settings' | 'port' | 'clientPort' | 'broadcastAddress' | 'listenAddress' | 'pool' | 'relays' | 'subnets'
> & {
  readonly enabled: boolean;
  /** server.interface: the interface that must carry settings.address. */
  readonly interface?: string | undefined;
  /** Folder of the lease file (the state folder). */
  readonly stateDir: string;
  /** dhcp.option82.bindPorts: bind unknown MACs to the port their relay names (absent: off). */
  readonly bindPorts?: PortBindingOptions | undefined;
};

/**
 * dhcp.option82 with bindPorts on: the circuit rules, the rate bound and
 * hosts.csv (whose folder must be writable: the binder writes a temp file
 * beside it, then renames it).
 */
export interface PortBindingOptions {
  readonly rules: Omit<CircuitRules, 'switches'>;
  readonly maxPerMinute: number;
  readonly hosts: HostsFile;
}

/** The binder over the cluster's switches (undefined while bindPorts is off, the default). */
export function portBinder(o: PortBindingOptions | undefined, serverAddress: string, cluster: BinderCluster & SwitchList): HostsFileBinder | undefined {
  if (!o) return undefined;
  return new HostsFileBinder({
    cluster,
    hosts: o.hosts,
    switches: cluster.switches,
    rules: { ...o.rules, switches: new Map(cluster.switches.map((s) => [s.name, s.ports])) },
    serverAddress,
    maxPerMinute: o.maxPerMinute,
  });
}

export function dhcpPart(o: DhcpPartOptions, ctx: PartContext<DhcpCluster & BinderCluster>): DhcpPart {
  const { cluster } = ctx;
  const log = ctx.log.child({ part: 'dhcp' });
  let server: DhcpServer | null = null;
  let store: LeaseStore | null = null;
  let removeMetrics = (): void => undefined;
  return {
    name: 'dhcp',
    async check(): Promise<void> {
      if (!o.enabled) return;
      checkInterfaceAddress(networkInterfaces(), o.interface, o.settings.address);
      await o.bindPorts?.hosts.checkWritable();
    },
    async start(): Promise<void> {
      if (!o.enabled) return;
      checkInterfaceAddress(networkInterfaces(), o.interface, o.settings.address);
      await o.bindPorts?.hosts.checkWritable();
      store = await LeaseStore.open(o.stateDir);
      const s = new DhcpServer({
        settings: o.settings,
        port: o.port,
        clientPort: o.clientPort,
        broadcastAddress: o.broadcastAddress,
        listenAddress: o.listenAddress,
        pool: o.pool,
        relays: o.relays,
        subnets: o.subnets,
        binder: portBinder(o.bindPorts, o.settings.address, cluster),
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
    {
      name: 'piman_dhcp_option82_bindings_total',
      type: 'counter',
      help: 'Unknown MACs bound to the switch port their relay agent information (option 82) names (dhcp.option82.bindPorts), and attempts refused.',
      samples: [
        { labels: { result: 'bound' }, value: st.portsBound },
        { labels: { result: 'refused' }, value: st.bindRefused },
      ],
    },
  ];
}
