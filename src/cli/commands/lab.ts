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
  switches: string;
  storm?: boolean;
  retry: boolean;
  paceXid: string;
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
    .option('--model <3|4|5>', 'Raspberry Pi model to emulate; several (3,4,5) are taken in turn port by port', '4')
    .option('--demo', 'reinstall a few Pis through SNMP, print the inventory and exit')
    .option('--switches <k>', 'simulated PoE switches the Pis are spread over, each with its own SNMP agent (1..16)', '1')
    .option('--storm', 'every switch powers all its ports on at the same instant (as after a power cut); waits until every port is up or failed')
    .option('--pace-xid <ms>', 'experiment: broadcast DHCP replies with one xid reach the Pis at least ms apart (README, storms)', '0')
    .option('--no-retry', 'turn self-healing boots off (boot.retry.attempts 0), for comparison')
    .option('--switch-rate <n>', 'requests per second the simulated switch serves, dropping what it cannot hold (0 = unlimited)', '0')
    .option('--keep', 'keep the lab folder (config, state, boot files) after exit')
    .option('-v, --verbose', "show piman's log")
    .action(async (opts: LabOpts) => {
      const pis = parseInt10('--pis', opts.pis, 1, 1000);
      // Loaded when the lab runs, not for `piman --help`.
      const { parseModels } = await import('../../lab/pi-profile.js');
      const models = parseModels(opts.model);
      if (!models) throw new PimanError('E_USAGE', `--model must be 3, 4 or 5, or a list of them like 3,4,5, not '${opts.model}'`, { exitCode: 2 });
      const model = models.length === 1 ? models[0]! : models;
      const switchRate = parseInt10('--switch-rate', opts.switchRate, 0, 100_000);
      const switches = parseInt10('--switches', opts.switches, 1, Math.min(16, pis));
      const paceXidMs = parseInt10('--pace-xid', opts.paceXid, 0, 60_000);
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
          switches,
          storm: Boolean(opts.storm),
          retry: opts.retry,
          paceXidMs,
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
