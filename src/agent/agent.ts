/**
 * piman's SNMP agent: PIMAN-MIB over the live cluster plus the SNMPv2-MIB
 * system group, v2c communities and v3 USM users, SETs that act through the
 * PowerController, and notifications to the configured receivers.
 */
import os from 'node:os';
import type { BootEvents, ClusterEvents, UnknownMacListing } from '../cluster/ports.js';
import type { UsmUserSpec } from '../snmp/usm.js';
import type { Logger } from '../log.js';
import type { PoeSwitch } from '../switch/types.js';
import { startAgentHost, type AgentHost, type AgentRequestError, type AgentStats } from '../snmp/agent-host.js';
import { registerProviders, type MibCluster } from './mib-providers.js';
import { registerUnknownMacTable } from './unknown-mac-table.js';
import { LogLimiter } from '../log-limit.js';
import { createSetHandler, type PowerControl } from './set-handler.js';
import { startEngine, parseEngineId } from '../snmp/engine-state.js';
import { PimanError } from '../errors.js';
import { communityWarnings } from './community-check.js';
import { SwitchReachability } from './switch-reachability.js';
import { TrapSender, type TrapReceiver } from './traps.js';
import type { ImageCatalog } from '../images/catalog.js';
import { registerImageTable } from './image-table.js';
import type { HealthReader } from '../monitor/health-board.js';

/** The cluster as the agent sees it. */
export type AgentCluster = MibCluster & BootEvents & ClusterEvents & UnknownMacListing;

export interface PimanAgentOptions {
  readonly address: string;
  readonly port: number;
  readonly readCommunity: string;
  readonly writeCommunity: string;
  readonly users: readonly UsmUserSpec[];
  readonly sysName?: string | undefined;
  readonly sysContact: string;
  readonly sysLocation: string;
  readonly traps: { readonly enabled: boolean; readonly receivers: readonly TrapReceiver[] };
  /** Seconds between switch reachability probes; 0 turns them off. */
  readonly switchPollSeconds: number;
  readonly maxRepetitions?: number;
  /** Folder keeping snmpEngineID and snmpEngineBoots across restarts (the state folder); none: a new engine ID per start. */
  readonly engineDir?: string;
  /** snmpEngineID as hex (overrides the stored one). */
  readonly engineID?: string | undefined;
  /** Refuse SNMPv1/v2c: only USM users get in. */
  readonly v3Only?: boolean;
  /** PIMAN-MIB's reads, SETs as events, events out as traps, the unknown-MAC registry. */
  readonly cluster: AgentCluster;
  readonly power: PowerControl;
  readonly switches: ReadonlyMap<number, PoeSwitch>;
  readonly log: Logger;
  readonly now?: () => number;
  /** install.images: pimanImageTable, pimanPortImage. */
  readonly images?: ImageCatalog | undefined;
  /** The Pis' latest health (pimanPortHealth* columns); none: every port reads unknown. */
  readonly health?: HealthReader;
  /** Told when a switch stops answering its reachability probe, or answers again. */
  readonly onSwitchChange?: (index: number, reachable: boolean, reason: string) => void;
}

export class PimanAgent {
  private constructor(
    private readonly host: AgentHost,
    private readonly traps: TrapSender | null,
    private readonly reach: SwitchReachability,
    private readonly unsubscribe: () => void,
  ) {}

  static async start(opts: PimanAgentOptions): Promise<PimanAgent> {
    const { log, cluster } = opts;
    const now = opts.now ?? Date.now;
    const startedAt = now();
    const limiter = new LogLimiter(5, 60_000);
    const onRequestError = (e: AgentRequestError): void => {
      const source = e.from?.replace(/:\d+$/, '') ?? 'unknown';
      const suppressed = limiter.allow(`${e.kind}:${source}`);
      if (suppressed === null) return;
      const what = e.kind === 'badCommunity' ? 'SNMP request with an unknown community' : e.kind === 'badUser' ? 'SNMPv3 request refused' : 'SNMP request dropped';
      log.warn({ from: e.from, reason: e.message, suppressed: suppressed || undefined }, what);
    };
    if (opts.readCommunity === opts.writeCommunity) {
      throw new PimanError('E_CONFIG', 'agent.readCommunity and agent.writeCommunity are the same: every reader could write; give them different values');
    }
    if (!opts.v3Only) for (const w of communityWarnings(opts.address, opts.readCommunity, opts.writeCommunity)) log.warn(w);
    const configuredId = opts.engineID ? parseEngineId(opts.engineID) : undefined;
    const engine = opts.engineDir ? await startEngine(opts.engineDir, configuredId) : configuredId ? { engineID: configuredId, engineBoots: 1 } : undefined;
    const host = await startAgentHost({
      address: opts.address,
      port: opts.port,
      communities: [
        { name: opts.readCommunity, access: 'ro' },
        { name: opts.writeCommunity, access: 'rw' },
      ],
      users: opts.users,
      ...(engine ? { engine } : {}),
      ...(opts.v3Only ? { v3Only: true } : {}),
      ...(opts.maxRepetitions ? { limits: { maxRepetitions: opts.maxRepetitions } } : {}),
      onRequestError,
      now,
    });
    let stopUnknown = (): void => undefined;
    try {
      const reach = new SwitchReachability(opts.switches, log, opts.onSwitchChange);
      const images = opts.images;
      const sets = createSetHandler({
        cluster,
        power: opts.power,
        log,
        canPower: (i) => opts.switches.has(i),
        ...(images
          ? {
              imageProblem: (name: string) => {
                if (!images.has(name)) return 'unknown';
                const p = images.info(name)?.problem ?? null;
                return p === null ? null : `image '${name}' cannot be installed: ${p}`;
              },
            }
          : {}),
      });
      registerProviders({
        cluster,
        host,
        system: { sysName: opts.sysName ?? os.hostname(), sysContact: opts.sysContact, sysLocation: opts.sysLocation },
        startedAt,
        now,
        switchReachable: (i) => reach.isReachable(i),
        switchStats: (i) => opts.switches.get(i)?.stats?.(),
        images,
        ...(opts.health ? { health: opts.health } : {}),
      });
      stopUnknown = registerUnknownMacTable(host, cluster.unknownMacs, log);
      if (images) {
        const stopImages = registerImageTable(host, images, cluster);
        const stopMacs = stopUnknown;
        stopUnknown = () => {
          stopMacs();
          stopImages();
        };
      }
      host.invalidateIndex();
      host.setSetHandler(sets.handle);
      const traps =
        opts.traps.enabled && opts.traps.receivers.length > 0
          ? new TrapSender({ receivers: opts.traps.receivers, log, upTime: () => Math.floor((now() - startedAt) / 10) })
          : null;
      const stopTraps = traps ? cluster.on((e) => traps.onClusterEvent(e)) : () => undefined;
      const unsubscribe = (): void => {
        stopTraps();
        stopUnknown();
      };
      reach.start(opts.switchPollSeconds * 1000);
      log.info({ address: host.address, port: host.port, engineID: host.engineID.toString('hex'), engineBoots: host.engineBoots, v3Only: opts.v3Only ?? false }, 'SNMP agent listening');
      return new PimanAgent(host, traps, reach, unsubscribe);
    } catch (e) {
      stopUnknown();
      await host.close();
      throw e;
    }
  }

  get address(): string {
    return this.host.address;
  }

  get port(): number {
    return this.host.port;
  }

  /** pimanSwitchReachable of the switch at `index`. */
  switchReachable(index: number): boolean {
    return this.reach.isReachable(index);
  }

  /** SNMP group counters (read-only view, for tests and metrics). */
  get stats(): Readonly<AgentStats> {
    return this.host.stats;
  }


  async stop(): Promise<void> {
    this.unsubscribe();
    this.reach.stop();
    this.traps?.close();
    await this.host.close();
  }
}
