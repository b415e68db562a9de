/**
 * Which switch a CLI command talks to: the configured switch with the given
 * name or address when there is one, else an ad-hoc switch from the
 * command line (the old tool took only an address). Pure.
 */
import type { PimanConfig } from '../config/schema.js';
import type { SwitchInfo } from '../cluster/types.js';
import { PimanError } from '../errors.js';
import { isIpv4 } from '../cluster/ipv4.js';
import type { SnmpSwitchOptions } from '../switch/snmp-switch.js';
import { switchInfos } from '../cluster/switch-infos.js';

export interface TargetOverrides {
  readonly community?: string;
  readonly snmpPort?: number;
  readonly powerGroup?: number;
  /** Ports the command needs, so an ad-hoc switch is big enough. */
  readonly minPorts?: number;
}

export interface SwitchTarget {
  readonly options: SnmpSwitchOptions;
  readonly info: SwitchInfo;
  /** Every switch the command knows (for hosts.csv names). */
  readonly all: readonly SwitchInfo[];
  readonly configured: boolean;
}

export const DEFAULT_COMMUNITY = 'private';

export function resolveSwitch(config: PimanConfig | null, nameOrAddress: string, o: TargetOverrides = {}): SwitchTarget {
  const switches = config?.switches ?? [];
  const i = switches.findIndex((s) => s.name === nameOrAddress || (s.address === nameOrAddress && (o.snmpPort === undefined || s.port === o.snmpPort)));
  const all: SwitchInfo[] = config ? switchInfos(config) : [];
  const sw = switches[i];
  if (sw) {
    return {
      options: {
        ...sw,
        community: o.community ?? sw.community,
        port: o.snmpPort ?? sw.port,
        powerGroup: o.powerGroup ?? sw.powerGroup,
      },
      info: { ...all[i]!, ports: Math.max(sw.ports, o.minPorts ?? 0) },
      all,
      configured: true,
    };
  }
  if (!isIpv4(nameOrAddress)) {
    const known = switches.map((s) => `${s.name} (${s.address})`).join(', ') || 'none configured';
    throw new PimanError('E_USAGE', `'${nameOrAddress}' is neither a configured switch nor an IPv4 address (known: ${known})`, { exitCode: 2 });
  }
  const index = all.length + 1;
  const name = all.some((s) => s.name === 'sw1') ? `sw${index}` : 'sw1';
  const info: SwitchInfo = { index, name, address: nameOrAddress, ports: Math.max(o.minPorts ?? 1, 1) };
  return {
    options: {
      name,
      address: nameOrAddress,
      port: o.snmpPort ?? 161,
      version: '2c',
      community: o.community ?? DEFAULT_COMMUNITY,
      user: undefined,
      powerGroup: o.powerGroup ?? 1,
      timeoutMs: 5000,
      retries: 1,
    },
    info,
    all: [...all, info],
    configured: false,
  };
}
