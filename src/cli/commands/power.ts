import type { Command } from 'commander';
import { PimanError } from '../../errors.js';

export function registerPower(program: Command): void {
  program
    .command('power <port> <state>')
    .description('switch PoE power of a port on or off')
    .allowUnknownOption(false)
    .action(() => {
      throw new PimanError('E_NOT_IMPLEMENTED', "'piman power' is not available in this build yet (tracked in issue 3)");
    });
}
