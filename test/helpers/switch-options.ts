/** SNMP switch client options for a switch (simulated or snmpd) on 127.0.0.1. */
import type { SnmpSwitchOptions } from '../../src/switch/snmp-switch.js';

export function loopbackSwitchOptions(port: number, over: Partial<SnmpSwitchOptions> = {}): SnmpSwitchOptions {
  return {
    name: 'sw1',
    address: '127.0.0.1',
    port,
    version: '2c',
    community: 'private',
    user: undefined,
    powerGroup: 1,
    timeoutMs: 4000,
    retries: 1,
    ...over,
  };
}
