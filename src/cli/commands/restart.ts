import type { Command } from 'commander';
import { addAgentOptions, setAndWait, withAgent, type AgentCommandOptions } from '../agent-command.js';
import { parsePortSpecs, portLabel } from '../port-spec.js';
import { cycleEnded } from '../cycle-wait.js';
import { reportOutcomes } from '../outcomes.js';

export function registerRestart(program: Command): void {
  const cmd = program
    .command('restart <port...>')
    .description('power-cycle the given ports (7, sw2:7, 1-8) and wait until they power on again')
    .allowUnknownOption(false);
  addAgentOptions(cmd).action(async (ports: string[], opts: AgentCommandOptions, command: Command) => {
    await withAgent(command, opts, async (ctx) => {
      const { client, switches } = ctx;
      const keys = parsePortSpecs(ports, switches);
      const outcomes = await setAndWait(ctx, keys, () => client.restart(keys), cycleEnded, 250);
      reportOutcomes(outcomes, (k) => `${portLabel(k, switches)} power-cycled`, switches);
    });
  });
}
