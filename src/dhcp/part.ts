/** Plugs the DHCP server into the daemon: config -> plain options. */
import { networkInterfaces } from 'node:os';
import { access, constants } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeTarget } from '../store/atomic-file.js';
import { PimanError, describeError } from '../errors.js';
import type { DaemonContext, Part } from '../daemon.js';
import type { PimanConfig } from '../config/schema.js';
import { DhcpServer } from './server.js';
import { LeaseStore, type Lease } from './leases.js';
import type { ServerSettings } from './policy.js';
import type { UnknownMac } from '../cluster/unknown-macs.js';
import { checkInterfaceAddress } from './interface.js';
import type { MetricFamily } from '../metrics/registry.js';
import { HostsFileBinder } from './port-binder.js';
import type { CircuitRules } from './circuit-port.js';
import type { Cluster } from '../cluster/cluster.js';

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

/**
 * With option 82 binding on, piman writes hosts.csv (a temp file beside it,
 * then a rename): its folder must be writable, which it is not under
 * deploy/piman.service's ProtectSystem=strict unless hosts.csv lives in the
 * state folder or a ReadWritePaths= names its folder.
 */
async function checkHostsWritable(config: PimanConfig): Promise<void> {
  if (!config.dhcp.option82.bindPorts) return;
  let folder = dirname(config.hosts);
  try {
    folder = dirname(await writeTarget(config.hosts));
    await access(folder, constants.W_OK);
  } catch (e) {
    throw new PimanError(
      'E_CONFIG',
      `dhcp.option82.bindPorts writes hosts.csv, but its folder ${folder} is not writable (${describeError(e)}); ` +
        `put hosts.csv in the state folder or allow the folder (systemd: ReadWritePaths=)`,
      { cause: e },
    );
  }
}

/** dhcp.option82 -> the binder (undefined while bindPorts is off, the default). */
export function portBinder(config: PimanConfig, cluster: Cluster): HostsFileBinder | undefined {
  const o = config.dhcp.option82;
  if (!o.bindPorts) return undefined;
  const rules: CircuitRules = {
    circuits: o.circuits,
    remoteIds: o.remoteIds,
    switches: new Map(cluster.switches.map((s) => [s.name, s.ports])),
  };
  return new HostsFileBinder({
    cluster,
    hostsFile: config.hosts,
    switches: cluster.switches,
    rules,
    serverAddress: config.server.address,
    maxPerMinute: o.maxBindingsPerMinute,
  });
}

export function dhcpPart(ctx: DaemonContext): DhcpPart {
  const { config, cluster } = ctx;
  const log = ctx.log.child({ part: 'dhcp' });
  let server: DhcpServer | null = null;
  let store: LeaseStore | null = null;
  let removeMetrics = (): void => undefined;
  return {
    name: 'dhcp',
    async check(): Promise<void> {
      if (!config.dhcp.enabled) return;
      checkInterfaceAddress(networkInterfaces(), config.server.interface, config.server.address);
      await checkHostsWritable(config);
    },
    async start(): Promise<void> {
      if (!config.dhcp.enabled) return;
      checkInterfaceAddress(networkInterfaces(), config.server.interface, config.server.address);
      await checkHostsWritable(config);
      store = await LeaseStore.open(config.state);
      const s = new DhcpServer({
        settings: serverSettings(config),
        port: config.dhcp.port,
        clientPort: config.dhcp.clientPort,
        broadcastAddress: config.dhcp.broadcastAddress,
        listenAddress: config.dhcp.listenAddress,
        pool: config.dhcp.pool,
        relays: config.dhcp.relays,
        subnets: config.dhcp.subnets,
        binder: portBinder(config, cluster),
        cluster,
        leases: store,
        log,
      });
      await s.start();
      server = s;
      removeMetrics = ctx.metrics.add(() => dhcpMetrics(s));
      log.info({ address: config.server.address, port: s.port, pool: config.dhcp.pool }, 'DHCP server listening');
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
