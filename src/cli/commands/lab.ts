import type { Command } from 'commander';
import { PimanError } from '../../errors.js';
import { registerLabSwitch } from './lab-switch.js';

interface LabOpts {
  pis: string;
  model: string;
  demo?: boolean;
  verbose?: boolean;
  keep?: boolean;
  switchRate: string;
}

function parseInt10(name: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw new PimanError('E_USAGE', `${name} must be a whole number from ${min} to ${max}, not '${text}'`, { exitCode: 2 });
  return n;
}

export function registerLab(program: Command): void {
  const lab = program
    .command('lab')
    .description('virtual lab: piman, a simulated PoE switch and virtual Pis on loopback (no hardware, no root)')
    .option('--pis <n>', 'number of virtual Pis (1..1000)', '8')
    .option('--model <3|4>', 'Raspberry Pi model to emulate', '4')
    .option('--demo', 'reinstall a few Pis through SNMP, print the inventory and exit')
    .option('--switch-rate <n>', 'requests per second the simulated switch serves, dropping what it cannot hold (0 = unlimited)', '0')
    .option('--keep', 'keep the lab folder (config, state, boot files) after exit')
    .option('-v, --verbose', "show piman's log")
    .action(async (opts: LabOpts) => {
      const pis = parseInt10('--pis', opts.pis, 1, 1000);
      const model = parseInt10('--model', opts.model, 3, 4) as 3 | 4;
      const switchRate = parseInt10('--switch-rate', opts.switchRate, 0, 100_000);
      // Ctrl-C stops the lab cleanly (Pis, piman, switch, temporary folder) wherever it is.
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const { runLab } = await import('../../lab/run-lab.js');
        process.exitCode = await runLab({
          pis,
          model,
          demo: Boolean(opts.demo),
          verbose: Boolean(opts.verbose),
          keep: Boolean(opts.keep),
          switchRate,
          out: process.stdout,
          signal: stop.signal,
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
  registerLabSwitch(lab);
}
