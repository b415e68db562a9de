import type { Command } from 'commander';
import { PimanError } from '../../errors.js';
import { addAgentOptions, setAndWait, withAgent, type AgentCommandOptions } from '../agent-command.js';
import { parsePortSpecs, portLabel } from '../port-spec.js';
import { powerEnded } from '../cycle-wait.js';
import { reportOutcomes } from '../outcomes.js';

export function registerPower(program: Command): void {
  const cmd = program
    .command('power <port> <state>')
    .description('switch PoE power of a port on or off (port: 7 or sw2:7; state: on|off)')
    .allowUnknownOption(false);
  addAgentOptions(cmd).action(async (port: string, state: string, opts: AgentCommandOptions, command: Command) => {
    if (state !== 'on' && state !== 'off') throw new PimanError('E_USAGE', `power state '${state}': use on or off`, { exitCode: 2 });
    await withAgent(command, opts, async (ctx) => {
      const { client, switches } = ctx;
      const keys = parsePortSpecs([port], switches);
      if (keys.length !== 1) throw new PimanError('E_USAGE', `power takes one port, not '${port}'`, { exitCode: 2 });
      const outcomes = await setAndWait(ctx, keys, () => client.setPower(keys[0]!, state), powerEnded(state), 200);
      reportOutcomes(outcomes, (k) => `${portLabel(k, switches)} power ${state}`, switches);
    });
  });
}
