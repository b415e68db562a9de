import type { Command } from 'commander';

/** Prints the MIB folders for the net-snmp tools: snmpwalk -M "$(piman mibs-path)" -m +PIMAN-MIB ... */
export function registerMibsPath(program: Command): void {
  program
    .command('mibs-path')
    .description("print the -M value for snmpwalk/snmpset/snmptranslate (PIMAN-MIB and the base MIBs Debian lacks)")
    .option('--flags', 'print the complete "-M ... -m ..." options instead')
    .action(async (opts: { flags?: boolean }) => {
      const { mibSearchPath } = await import('../../snmp/mib-path.js');
      const path = mibSearchPath();
      process.stdout.write(opts.flags ? `-M ${path} -m PIMAN-MIB:SNMPv2-MIB\n` : `${path}\n`);
    });
}
