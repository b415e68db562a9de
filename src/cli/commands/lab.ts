import type { Command } from 'commander';
import { PimanError } from '../../errors.js';
import { registerLabSwitch } from './lab-switch.js';

export function registerLab(program: Command): void {
  const lab = program
    .command('lab')
    .description('virtual lab: simulated switch and Pis with piman on loopback')
    .allowUnknownOption(false)
    .action(() => {
      throw new PimanError('E_NOT_IMPLEMENTED', "'piman lab' is not available in this build yet (tracked in issue 7)");
    });
  registerLabSwitch(lab);
}
