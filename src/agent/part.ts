/** `piman server` part: maps the `agent` config section onto PimanAgent. */
import type { DaemonContext, Part } from '../daemon.js';
import { PimanAgent } from './agent.js';
import { reachabilityFamily, snmpFamilies } from './agent-metrics.js';

/** The agent part. Health alerts reach it through the cluster (`cluster.alert`). */
export interface AgentPart extends Part {
  /** The running agent's UDP port (useful when config asked for port 0), or null when not running. */
  readonly port: number | null;
}

export function agentPart(ctx: DaemonContext): AgentPart {
  const cfg = ctx.config.agent;
  let agent: PimanAgent | null = null;
  let dropMetrics = (): void => undefined;
  return {
    name: 'agent',
    get port() {
      return agent?.port ?? null;
    },
    async start() {
      if (!cfg.enabled) {
        ctx.log.info('SNMP agent disabled (agent.enabled: false)');
        return;
      }
      agent = await PimanAgent.start({
        address: cfg.address,
        port: cfg.port,
        readCommunity: cfg.readCommunity,
        writeCommunity: cfg.writeCommunity,
        users: cfg.users,
        engineDir: ctx.config.state,
        engineID: cfg.engineID,
        v3Only: cfg.v3Only,
        sysName: cfg.sysName,
        sysContact: cfg.sysContact,
        sysLocation: cfg.sysLocation,
        traps: cfg.traps,
        switchPollSeconds: cfg.switchPollSeconds,
        cluster: ctx.cluster,
        power: ctx.power,
        switches: ctx.switches,
        log: ctx.log.child({ part: 'agent' }),
        images: ctx.images,
        health: ctx.health,
        onSwitchChange: (index, reachable, reason) => {
          const sw = ctx.cluster.switches.find((s) => s.index === index);
          if (!sw) return;
          ctx.notices.emit(reachable ? { kind: 'switchBack', switchName: sw.name, address: sw.address } : { kind: 'switchUnreachable', switchName: sw.name, address: sw.address, reason });
        },
      });
      const a = agent;
      dropMetrics = ctx.metrics.add(() => [...snmpFamilies(a.stats), reachabilityFamily(ctx.cluster.switches, (i) => a.switchReachable(i))]);
    },
    async stop() {
      dropMetrics();
      await agent?.stop();
      agent = null;
    },
  };
}
