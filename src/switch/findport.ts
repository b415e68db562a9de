/**
 * findport: which switch port a MAC is on, read from the forwarding tables.
 * A MAC also shows on the uplink of every other switch it passes through;
 * hits on ports beyond a switch's configured ports are flagged as such.
 */
import type { SwitchInfo } from '../cluster/types.js';
import type { PoeSwitch } from './types.js';

export interface FindportHit {
  readonly sw: SwitchInfo;
  readonly port: number;
  /** False when the port is outside the configured range (likely an uplink). */
  readonly configured: boolean;
  /** How many MACs the switch sees on that port (many = an uplink). */
  readonly macsOnPort: number;
}

export interface FindportResult {
  readonly hits: FindportHit[];
  readonly errors: Array<{ readonly sw: SwitchInfo; readonly error: unknown }>;
}

export interface FindportTarget {
  readonly info: SwitchInfo;
  readonly sw: Pick<PoeSwitch, 'macTable'>;
  /** False for a switch known only by address: its port count is unknown. */
  readonly configured?: boolean;
}

export async function findPort(targets: readonly FindportTarget[], mac: string): Promise<FindportResult> {
  const hits: FindportHit[] = [];
  const errors: FindportResult['errors'] = [];
  await Promise.all(
    targets.map(async ({ info, sw, configured = true }) => {
      try {
        const table = await sw.macTable();
        for (const [port, macs] of table) {
          if (macs.includes(mac)) hits.push({ sw: info, port, configured: !configured || port <= info.ports, macsOnPort: macs.length });
        }
      } catch (error) {
        errors.push({ sw: info, error });
      }
    }),
  );
  // Most likely first: a configured port with a single MAC.
  hits.sort((a, b) => Number(b.configured) - Number(a.configured) || a.macsOnPort - b.macsOnPort || a.sw.index - b.sw.index);
  return { hits, errors };
}
