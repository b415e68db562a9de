/** `piman server` part: the SNMP agent over the daemon's cluster, power and switches. */
import type { Part, PartContext } from '../part.js';
import { PimanAgent, type AgentCluster, type PimanAgentOptions } from './agent.js';
import { reachabilityFamily, snmpFamilies } from './agent-metrics.js';

/** The agent's settings (src/parts.ts maps the `agent` section and the state folder onto them). */
export type AgentPartOptions = Omit<
  PimanAgentOptions,
  'cluster' | 'power' | 'switches' | 'log' | 'now' | 'images' | 'health' | 'onSwitchChange'
> & {
  readonly enabled: boolean;
};

/** The agent part. Health alerts reach it through the cluster (`cluster.alert`). */
export interface AgentPart extends Part {
  /** The running agent's UDP port (useful when config asked for port 0), or null when not running. */
  readonly port: number | null;
}

export function agentPart(o: AgentPartOptions, ctx: PartContext<AgentCluster>): AgentPart {
  let agent: PimanAgent | null = null;
  let dropMetrics = (): void => undefined;
  return {
    name: 'agent',
    get port() {
      return agent?.port ?? null;
    },
    async start() {
      if (!o.enabled) {
        ctx.log.info('SNMP agent disabled (agent.enabled: false)');
        return;
      }
      const { enabled: _, ...settings } = o;
      agent = await PimanAgent.start({
        ...settings,
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
