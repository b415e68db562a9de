/**
 * The cluster's view of the configured switches. Takes the shape of
 * piman.yaml's `switches` list, not its schema, so the CLI can use it
 * without loading the daemon (the cluster imports no config).
 */
import type { SwitchInfo } from './types.js';

export interface SwitchEntry {
  readonly name: string;
  readonly address: string;
  readonly ports: number;
}

/** Switch i of the list is index i + 1 (the first index of pimanPortTable). */
export function switchInfos(config: { readonly switches: readonly SwitchEntry[] }): SwitchInfo[] {
  return config.switches.map((s, i) => ({ index: i + 1, name: s.name, address: s.address, ports: s.ports }));
}
