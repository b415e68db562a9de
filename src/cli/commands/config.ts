import type { Command } from 'commander';
import { loadHosts } from '../../config/hosts.js';
import { switchInfos } from '../../daemon.js';
import { loadCommandConfig } from '../options.js';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('inspect the configuration');
  config
    .command('check')
    .description('validate piman.yaml and hosts.csv; prints ok or every problem')
    .option('-c, --config <file>', 'configuration file')
    .action(async (opts: { config?: string }, cmd: Command) => {
      const { config: cfg } = opts.config ? await (await import('../../config/load.js')).loadConfig(opts.config) : await loadCommandConfig(cmd);
      const hosts = await loadHosts(cfg.hosts, switchInfos(cfg));
      process.stdout.write(`ok (${cfg.switches.length} switch${cfg.switches.length === 1 ? '' : 'es'}, ${hosts.length} hosts)\n`);
    });
}
