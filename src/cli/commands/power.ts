import type { Command } from 'commander';
import { PimanError } from '../../errors.js';
import { addAgentOptions, sleep, withAgent, type AgentCommandOptions } from '../agent-command.js';
import { parsePortSpecs, portLabel } from '../port-spec.js';
import { cycleTimeoutMs, powerEnded, waitFor } from '../cycle-wait.js';
import { reportOutcomes } from '../outcomes.js';

export function registerPower(program: Command): void {
  const cmd = program
    .command('power <port> <state>')
    .description('switch PoE power of a port on or off (port: 7 or sw2:7; state: on|off)')
    .allowUnknownOption(false);
  addAgentOptions(cmd).action(async (port: string, state: string, opts: AgentCommandOptions, command: Command) => {
    if (state !== 'on' && state !== 'off') throw new PimanError('E_USAGE', `power state '${state}': use on or off`, { exitCode: 2 });
    await withAgent(command, opts, async ({ config, client, switches }) => {
      const keys = parsePortSpecs([port], switches);
      if (keys.length !== 1) throw new PimanError('E_USAGE', `power takes one port, not '${port}'`, { exitCode: 2 });
      const since = await client.upTime();
      const before = await client.ports(keys);
      await client.setPower(keys[0]!, state);
      const outcomes = await waitFor({ ports: (k) => client.ports(k), sleep, now: Date.now }, keys, before, since, powerEnded(state), {
        timeoutMs: cycleTimeoutMs(config, 1),
        pollMs: 200,
      });
      reportOutcomes(outcomes, (k) => `${portLabel(k, switches)} power ${state}`, switches);
    });
  });
}
