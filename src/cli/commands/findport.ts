import type { Command } from 'commander';
import { PimanError } from '../../errors.js';
import { intOption, optionalConfig, print } from './switch-common.js';

interface FindportOpts {
  switch?: string;
  community?: string;
  snmpPort?: number;
}

export function registerFindport(program: Command): void {
  program
    .command('findport <mac>')
    .description('tell which switch port a MAC is on (from the switches\' forwarding tables)')
    .option('-s, --switch <name|address>', 'ask only this switch (needed without a config file)')
    .option('--community <community>', 'SNMP community (default: the configured switch\'s, else private)')
    .option('--snmp-port <port>', 'SNMP port of the switch (default 161)', intOption('--snmp-port', 1, 65535))
    .allowUnknownOption(false)
    .action(async (macText: string, opts: FindportOpts, cmd: Command) => {
      const [{ SnmpPoeSwitch }, { resolveSwitch }, { findPort }, { normalizeMac, isPiMac }] = await Promise.all([
        import('../../switch/snmp-switch.js'),
        import('../target.js'),
        import('../../switch/findport.js'),
        import('../../cluster/mac.js'),
      ]);
      const mac = normalizeMac(macText);
      const config = await optionalConfig(cmd);
      const names = opts.switch !== undefined ? [opts.switch] : (config?.switches.map((s) => s.name) ?? []);
      if (names.length === 0) throw new PimanError('E_USAGE', 'no switch to ask: give --switch ADDRESS or a config file with switches', { exitCode: 2 });
      const overrides = { community: opts.community, snmpPort: opts.snmpPort };
      const targets = names.map((n) => resolveSwitch(config, n, overrides)).map((t) => ({ info: t.info, sw: new SnmpPoeSwitch(t.options), configured: t.configured }));
      try {
        const { hits, errors } = await findPort(targets, mac);
        for (const h of hits) {
          const note = !h.configured
            ? ` (not a configured port: probably an uplink, ${h.macsOnPort} MAC${h.macsOnPort > 1 ? 's' : ''} on it)`
            : h.macsOnPort > 1
              ? ` (${h.macsOnPort} MACs on it: probably an uplink)`
              : '';
          print(`${mac}${isPiMac(mac) ? ' (Raspberry Pi)' : ''}: ${h.sw.name} port ${h.port}${note}`);
        }
        if (hits.length > 0) return;
        if (errors.length > 0) throw errors[0]!.error;
        const where = targets.map((t) => t.info.name).join(', ');
        throw new PimanError(
          'E_SWITCH',
          `${mac} is not in the forwarding table of ${where}; entries age out after a few minutes of silence: power the Pi on or ping it, then try again`,
        );
      } finally {
        for (const t of targets) t.sw.close();
      }
    });
}
