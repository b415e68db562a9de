/**
 * The mapper: power-cycle ports, then poll the forwarding table until every
 * port shows a MAC or the timeout passes. A MAC counts for a port only when
 * it was read after that port powered on again, so a stale entry from before
 * the cycle is never taken for the answer.
 */
import { isPiMac } from '../cluster/mac.js';
import type { PoeSwitch } from './types.js';

export interface MapperOptions {
  readonly sw: Pick<PoeSwitch, 'macTable'>;
  readonly ports: readonly number[];
  /** Power-cycles one port; resolves once it is on again. */
  readonly cyclePort: (port: number) => Promise<void>;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called for each port the first time its MAC is seen. */
  readonly onFound?: (port: number, mac: string) => void;
}

export interface MapperResult {
  /** port -> MAC, in port order. */
  readonly found: Map<number, string>;
  /** Ports with no MAC at the timeout, or whose power cycle failed. */
  readonly missing: number[];
  /** Ports whose power cycle failed, with the error. */
  readonly failed: Map<number, unknown>;
  readonly elapsedMs: number;
}

/** The MAC of the Pi on a port: a Raspberry Pi OUI first, else the lowest. */
export function pickMac(macs: readonly string[]): string | null {
  return macs.find(isPiMac) ?? [...macs].sort()[0] ?? null;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function mapPorts(o: MapperOptions): Promise<MapperResult> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? defaultSleep;
  const start = now();
  const deadline = start + o.timeoutMs;
  const onSince = new Map<number, number>();
  const failed = new Map<number, unknown>();
  const found = new Map<number, string>();
  const cycles = Promise.all(
    o.ports.map((p) =>
      o.cyclePort(p).then(
        () => void onSince.set(p, now()),
        (e: unknown) => void failed.set(p, e),
      ),
    ),
  );
  let cyclesDone = false;
  void cycles.then(() => (cyclesDone = true));
  const pending = (): number[] => o.ports.filter((p) => !found.has(p) && !failed.has(p));

  while (pending().length > 0 && now() < deadline) {
    const readAt = now();
    const ready = pending().filter((p) => (onSince.get(p) ?? Infinity) <= readAt);
    if (ready.length > 0) {
      let table: Map<number, string[]>;
      try {
        table = await o.sw.macTable();
      } catch (e) {
        await cycles; // leave no power operation half done behind the error
        throw e;
      }
      for (const p of ready) {
        const mac = pickMac(table.get(p) ?? []);
        if (mac !== null) {
          found.set(p, mac);
          o.onFound?.(p, mac);
        }
      }
    }
    if (pending().length === 0) break;
    await sleep(Math.max(0, Math.min(o.intervalMs, deadline - now())));
  }
  // Power operations end by themselves; wait so no SET is left running.
  if (!cyclesDone) await cycles;
  const ordered = new Map([...found].sort((a, b) => a[0] - b[0]));
  return { found: ordered, missing: o.ports.filter((p) => !found.has(p)), failed, elapsedMs: now() - start };
}
