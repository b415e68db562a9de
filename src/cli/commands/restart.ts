import type { Command } from 'commander';
import { addAgentOptions, sleep, withAgent, type AgentCommandOptions } from '../agent-command.js';
import { parsePortSpecs, portLabel } from '../port-spec.js';
import { cycleEnded, cycleTimeoutMs, waitFor } from '../cycle-wait.js';
import { reportOutcomes } from '../outcomes.js';

export function registerRestart(program: Command): void {
  const cmd = program
    .command('restart <port...>')
    .description('power-cycle the given ports (7, sw2:7, 1-8) and wait until they power on again')
    .allowUnknownOption(false);
  addAgentOptions(cmd).action(async (ports: string[], opts: AgentCommandOptions, command: Command) => {
    await withAgent(command, opts, async ({ config, client, switches }) => {
      const keys = parsePortSpecs(ports, switches);
      const since = await client.upTime();
      const before = await client.ports(keys);
      await client.restart(keys);
      const outcomes = await waitFor({ ports: (k) => client.ports(k), sleep, now: Date.now }, keys, before, since, cycleEnded, {
        timeoutMs: cycleTimeoutMs(config, keys.length),
        pollMs: 250,
      });
      reportOutcomes(outcomes, (k) => `${portLabel(k, switches)} power-cycled`, switches);
    });
  });
}
