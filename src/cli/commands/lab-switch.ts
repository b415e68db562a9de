import type { Command } from 'commander';
import { PimanError } from '../../errors.js';
import { intOption, secondsOption } from './switch-common.js';

interface LabSwitchOpts {
  ports: number;
  port: number;
  address: string;
  powerGroup: number;
  macDelay: number;
  readCommunity: string;
  writeCommunity: string;
  off?: boolean;
  rate: number;
}

/** `piman lab switch`: a simulated PoE switch on UDP, until Ctrl-C. */
export function registerLabSwitch(lab: Command): void {
  lab
    .command('switch')
    .description('run a simulated PoE switch (POWER-ETHERNET-MIB, BRIDGE-MIB, Q-BRIDGE-MIB) with virtual Pis; logs every SET')
    .option('--ports <n>', 'number of PoE ports', intOption('--ports', 1, 4096), 24)
    .option('--port <udp>', 'UDP port to listen on', intOption('--port', 1, 65535), 16100)
    .option('--address <ip>', 'address to listen on', '127.0.0.1')
    .option('--power-group <n>', 'pethPsePortGroupIndex', intOption('--power-group', 1, 65535), 1)
    .option('--mac-delay <seconds>', 'a Pi MAC appears this long after its port powers on', secondsOption('--mac-delay'), 3)
    .option('--read-community <c>', 'read-only community', 'public')
    .option('--write-community <c>', 'read-write community', 'private')
    .option('--off', 'start with every port off')
    .option('--rate <n>', 'requests per second the agent serves, dropping what it cannot hold (0 = unlimited)', intOption('--rate', 0, 100_000), 0)
    .allowUnknownOption(false)
    .action(async (opts: LabSwitchOpts) => {
      const [{ SimSwitch }, { createLogger }, { isIpv4 }] = await Promise.all([import('../../lab/sim-switch.js'), import('../../log.js'), import('../../cluster/ipv4.js')]);
      if (!isIpv4(opts.address)) throw new PimanError('E_USAGE', `--address: '${opts.address}' is not an IPv4 address`, { exitCode: 2 });
      const log = createLogger({ level: 'info' });
      const sim = await SimSwitch.start({
        ports: opts.ports,
        port: opts.port,
        address: opts.address,
        powerGroup: opts.powerGroup,
        macDelayMs: opts.macDelay * 1000,
        readCommunity: opts.readCommunity,
        writeCommunity: opts.writeCommunity,
        initialPower: opts.off ? 'off' : 'on',
        ratePerSecond: opts.rate,
        log,
      });
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await sim.stop();
      log.flush();
    });
}
