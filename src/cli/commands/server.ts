import type { Command } from 'commander';
import { Daemon } from '../../daemon.js';
import { createLogger } from '../../log.js';
import { partFactories, makeSwitch } from '../../parts.js';
import { loadCommandConfig } from '../options.js';

export function registerServer(program: Command): void {
  program
    .command('server')
    .description('run the piman daemon: DHCP, TFTP, control channel, rootfs, SNMP agent')
    .action(async (_opts: unknown, cmd: Command) => {
      const { config, path } = await loadCommandConfig(cmd);
      const log = createLogger({ level: config.log.level });
      const daemon = await Daemon.create({ config, log, makeSwitch }, partFactories);
      await daemon.start();
      log.info({ config: path }, 'piman server running');
      await new Promise<void>((resolve) => {
        const stop = (sig: string): void => {
          log.info({ signal: sig }, 'stopping');
          void daemon.stop().finally(resolve);
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
    });
}
