import type { Command } from 'commander';
import { addAgentOptions, withAgent, type AgentCommandOptions } from '../agent-command.js';
import { parsePortSpecs } from '../port-spec.js';
import { formatPortTable, portRowsJson } from '../port-table.js';

interface StatusOptions extends AgentCommandOptions {
  readonly json?: boolean;
}

export function registerStatus(program: Command): void {
  const cmd = program
    .command('status [port...]')
    .description('show ports: MAC, IP, state, reinstall mark, progress, last error (ports: 7, sw2:7, 1-8)')
    .option('--json', 'print JSON instead of a table')
    .allowUnknownOption(false);
  // Seam for the integrator: `--unknown` (MACs the DHCP server saw but no port knows) belongs here
  // as another option whose rows come from the DHCP part, printed after the port table.
  addAgentOptions(cmd).action(async (ports: string[], opts: StatusOptions, command: Command) => {
    await withAgent(command, opts, async ({ client, switches }) => {
      const keys = ports.length ? parsePortSpecs(ports, switches) : undefined;
      const rows = await client.ports(keys);
      process.stdout.write(opts.json ? portRowsJson(rows, switches) : formatPortTable(rows, switches));
    });
  });
}
