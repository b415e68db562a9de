/** `piman server` part: maps the `agent` config section onto PimanAgent. */
import type { DaemonContext, Part } from '../daemon.js';
import { PimanAgent } from './agent.js';

/** The agent part. Health alerts reach it through the cluster (`cluster.alert`). */
export interface AgentPart extends Part {
  /** The running agent's UDP port (useful when config asked for port 0), or null when not running. */
  readonly port: number | null;
}

export function agentPart(ctx: DaemonContext): AgentPart {
  const cfg = ctx.config.agent;
  let agent: PimanAgent | null = null;
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
      });
    },
    async stop() {
      await agent?.stop();
      agent = null;
    },
  };
}
