import type { Command } from 'commander';
import { PimanError } from '../../errors.js';

export function registerMonitoring(program: Command): void {
  program
    .command('monitoring')
    .description('poll the Pis health endpoints and alert')
    .allowUnknownOption(false)
    .action(() => {
      throw new PimanError('E_NOT_IMPLEMENTED', "'piman monitoring' is not available in this build yet (tracked in issue 7)");
    });
}
