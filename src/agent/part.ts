/** `piman server` part: maps the `agent` config section onto PimanAgent. */
import type { DaemonContext, Part } from '../daemon.js';
import { PimanAgent } from './agent.js';

export function agentPart(ctx: DaemonContext): Part {
  const cfg = ctx.config.agent;
  let agent: PimanAgent | null = null;
  return {
    name: 'agent',
    async start() {
      if (!cfg.enabled) return;
      agent = await PimanAgent.start({
        address: cfg.address,
        port: cfg.port,
        readCommunity: cfg.readCommunity,
        writeCommunity: cfg.writeCommunity,
        users: cfg.users,
        sysName: cfg.sysName,
        sysContact: cfg.sysContact,
        sysLocation: cfg.sysLocation,
        traps: cfg.traps,
        switchPollSeconds: cfg.switchPollSeconds,
        cluster: ctx.cluster,
        power: ctx.power,
        switches: ctx.switches,
        log: ctx.log.child({ part: 'agent' }),
      });
    },
    async stop() {
      await agent?.stop();
      agent = null;
    },
  };
}
