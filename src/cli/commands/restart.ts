import type { Command } from 'commander';
import { PimanError } from '../../errors.js';

export function registerRestart(program: Command): void {
  program
    .command('restart <port...>')
    .description('power-cycle the given ports')
    .allowUnknownOption(false)
    .action(() => {
      throw new PimanError('E_NOT_IMPLEMENTED', "'piman restart' is not available in this build yet (tracked in issue 3)");
    });
}
