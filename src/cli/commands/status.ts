import type { Command } from 'commander';
import { addAgentOptions, withAgent, type AgentCommandOptions } from '../agent-command.js';
import { parsePortSpecs } from '../port-spec.js';
import { formatPortTable, portRowsJson } from '../port-table.js';
import { PimanError } from '../../errors.js';

interface StatusOptions extends AgentCommandOptions {
  readonly json?: boolean;
  readonly unknown?: boolean;
}

export function registerStatus(program: Command): void {
  const cmd = program
    .command('status [port...]')
    .description('show ports: MAC, IP, state, reinstall mark, progress, last error (ports: 7, sw2:7, 1-8)')
    .option('--json', 'print JSON instead of a table')
    .option('--unknown', 'instead of the ports: MACs that asked DHCP for an address but are bound to no port (pimanUnknownMacTable)')
    .allowUnknownOption(false);
  addAgentOptions(cmd).action(async (ports: string[], opts: StatusOptions, command: Command) => {
    if (opts.unknown && ports.length > 0) {
      throw new PimanError('E_USAGE', `--unknown lists MACs that are bound to no port; it takes no ports (got ${ports.join(' ')})`, { exitCode: 2 });
    }
    await withAgent(command, opts, async ({ client, switches }) => {
      // The agent's OID tables load with the command, not for --help.
      const [{ formatUnknownMacTable, unknownMacsJson }, { formatSwitchLoad }] = await Promise.all([import('../unknown-macs.js'), import('../switch-load.js')]);
      if (opts.unknown) {
        const rows = await client.unknownMacs();
        process.stdout.write(opts.json ? unknownMacsJson(rows) : formatUnknownMacTable(rows));
        return;
      }
      const keys = ports.length ? parsePortSpecs(ports, switches) : undefined;
      const rows = await client.ports(keys);
      process.stdout.write(opts.json ? portRowsJson(rows, switches) : formatPortTable(rows, switches));
      // The switches' request queues (pimanSwitchTable), under the ports.
      const load = opts.json ? [] : await client.switchLoad();
      if (load.length) process.stdout.write('\n' + formatSwitchLoad(load));
    });
  });
}
