import type { Command } from 'commander';
import { resolve } from 'node:path';
import { PimanError } from '../../errors.js';
import { intOption, optionalConfig, print, secondsOption } from './switch-common.js';

interface MapperOpts {
  file?: string;
  community?: string;
  snmpPort?: number;
  wait: number;
  off?: number;
  stagger: number;
  ipPrefix?: string;
}

export function registerMapper(program: Command): void {
  program
    .command('mapper <switch_address> <interface> <ports...>')
    .description('power-cycle ports and learn which MAC sits on each (<interface> = PoE power group; ports like 1 2 5-8)')
    .option('-f, --file <file>', 'merge the result into this hosts.csv (written atomically; unchanged when nothing is new)')
    .option('--community <community>', 'SNMP write community (default: the configured switch\'s, else private)')
    .option('--snmp-port <port>', 'SNMP port of the switch (default 161)', intOption('--snmp-port', 1, 65535))
    .option('--wait <seconds>', 'how long to wait for the MACs after the power cycle', secondsOption('--wait'), 60)
    .option('--off <seconds>', 'how long each port stays off (default: power.offSeconds, else 2)', secondsOption('--off'))
    .option('--stagger <seconds>', 'gap between power-ons (only the link has to come up)', secondsOption('--stagger'), 0.2)
    .option('--ip-prefix <a.b.c>', "new hosts.csv rows get <a.b.c>.<port> as IP (the old tool's convention)")
    .allowUnknownOption(false)
    .action(async (address: string, iface: string, portArgs: string[], opts: MapperOpts, cmd: Command) => {
      const [{ SnmpPoeSwitch }, { resolveSwitch }, { parsePortList, runMapper }, { isIpv4 }] = await Promise.all([
        import('../../switch/snmp-switch.js'),
        import('../target.js'),
        import('../mapper-run.js'),
        import('../../cluster/ipv4.js'),
      ]);
      const powerGroup = intOption('<interface>', 1, 65535)(iface);
      const ports = parsePortList(portArgs);
      if (opts.ipPrefix !== undefined && !isIpv4(`${opts.ipPrefix}.1`)) {
        throw new PimanError('E_USAGE', `--ip-prefix: '${opts.ipPrefix}' must be three octets like 10.0.0`, { exitCode: 2 });
      }
      const config = await optionalConfig(cmd);
      const target = resolveSwitch(config, address, {
        community: opts.community,
        snmpPort: opts.snmpPort,
        powerGroup,
        minPorts: Math.max(...ports),
      });
      const sw = new SnmpPoeSwitch(target.options);
      try {
        await runMapper({
          sw,
          info: target.info,
          switches: target.all,
          ports,
          offMs: (opts.off ?? config?.power.offSeconds ?? 2) * 1000,
          staggerMs: opts.stagger * 1000,
          waitMs: opts.wait * 1000,
          file: opts.file === undefined ? undefined : resolve(opts.file),
          ipPrefix: opts.ipPrefix,
          out: print,
        });
      } finally {
        sw.close();
      }
    });
}
