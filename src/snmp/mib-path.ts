/**
 * Where the MIB files live, for the net-snmp tools' `-M` option. Debian ships
 * no IETF base MIBs (SNMPv2-SMI/TC/CONF); the npm net-snmp package carries
 * them, and NET-SNMP-MIB (netSnmpPlaypen) is in /usr/share/snmp/mibs.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** piman's own mibs/ folder (PIMAN-MIB.txt). */
export function pimanMibDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../mibs');
}

/** net-snmp's bundled base MIBs, wherever npm put the package. */
export function baseMibDir(): string | null {
  try {
    const dir = join(dirname(createRequire(import.meta.url).resolve('net-snmp')), 'lib', 'mibs');
    return existsSync(dir) ? dir : null;
  } catch {
    return null;
  }
}

export const SYSTEM_MIB_DIR = '/usr/share/snmp/mibs';

/** Colon-separated folders for `-M` (and SMIPATH), in lookup order. */
export function mibSearchPath(): string {
  const dirs = [pimanMibDir(), baseMibDir(), SYSTEM_MIB_DIR].filter((d): d is string => d !== null);
  return dirs.join(':');
}
