import type { Command } from 'commander';
import { PimanError } from '../../errors.js';

export function registerMapper(program: Command): void {
  program
    .command('mapper <switch_address> <interface> <ports...>')
    .description('power-cycle ports and learn which MAC sits on each')
    .allowUnknownOption(false)
    .action(() => {
      throw new PimanError('E_NOT_IMPLEMENTED', "'piman mapper' is not available in this build yet (tracked in issue 4)");
    });
}
