import type { Command } from 'commander';
import { PimanError } from '../../errors.js';

export function registerStatus(program: Command): void {
  program
    .command('status [port...]')
    .description('show ports: MAC, IP, state, reinstall mark, progress')
    .allowUnknownOption(false)
    .action(() => {
      throw new PimanError('E_NOT_IMPLEMENTED', "'piman status' is not available in this build yet (tracked in issue 3)");
    });
}
