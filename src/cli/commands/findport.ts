import type { Command } from 'commander';
import { PimanError } from '../../errors.js';

export function registerFindport(program: Command): void {
  program
    .command('findport <mac>')
    .description('tell which switch port a MAC is on')
    .allowUnknownOption(false)
    .action(() => {
      throw new PimanError('E_NOT_IMPLEMENTED', "'piman findport' is not available in this build yet (tracked in issue 4)");
    });
}
