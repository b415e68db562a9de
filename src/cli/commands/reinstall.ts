import type { Command } from 'commander';
import { PimanError } from '../../errors.js';

export function registerReinstall(program: Command): void {
  program
    .command('reinstall <port...>')
    .description('mark ports for reinstall and power-cycle them')
    .allowUnknownOption(false)
    .action(() => {
      throw new PimanError('E_NOT_IMPLEMENTED', "'piman reinstall' is not available in this build yet (tracked in issue 3)");
    });
}
