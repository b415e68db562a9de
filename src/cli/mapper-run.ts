/**
 * One mapper run, as `piman mapper` does it: power-cycle the ports through a
 * PowerController (staggered, one operation per port), poll the forwarding
 * table, print port -> MAC, and optionally merge the result into hosts.csv
 * (atomic write, skipped when nothing changed).
 */
import { Cluster } from '../cluster/cluster.js';
import { isPiMac } from '../cluster/mac.js';
import type { HostBinding, SwitchInfo } from '../cluster/types.js';
import { formatHostsHeaded, loadHosts } from '../config/hosts.js';
import { PimanError, describeError } from '../errors.js';
import { MemoryStateStore } from '../store/state-store.js';
import { removeStaleTemps, writeFileAtomic } from '../store/atomic-file.js';
import { mergeLearned, type MergeResult } from '../switch/hosts-merge.js';
import { mapPorts, type MapperResult } from '../switch/mapper.js';
import { PowerController } from '../switch/power.js';
import { portRange } from './port-spec.js';
import type { PoeSwitch } from '../switch/types.js';

export interface MapperRunOptions {
  readonly sw: PoeSwitch;
  /** The switch's identity in hosts.csv (index, name). */
  readonly info: SwitchInfo;
  /** Every switch hosts.csv may name. */
  readonly switches: readonly SwitchInfo[];
  readonly ports: readonly number[];
  readonly offMs: number;
  readonly staggerMs: number;
  readonly waitMs: number;
  readonly pollMs?: number;
  readonly file?: string;
  /** New rows get `<prefix>.<port>` as IP (the old tool's convention). */
  readonly ipPrefix?: string;
  readonly out: (line: string) => void;
}

export interface MapperRunReport {
  readonly result: MapperResult;
  readonly merge: MergeResult | null;
}

export async function runMapper(o: MapperRunOptions): Promise<MapperRunReport> {
  const cluster = await Cluster.open({ switches: [o.info], hosts: [], store: new MemoryStateStore(), timeoutMs: 3_600_000 });
  const power = new PowerController({
    cluster,
    switches: new Map([[o.info.index, o.sw]]),
    offMs: o.offMs,
    staggerMs: o.staggerMs,
  });
  // Read hosts.csv first: a broken file should stop us before any Pi loses power.
  const existing: HostBinding[] | null = o.file ? await loadHosts(o.file, o.switches) : null;
  // Temp files of an earlier run that died mid-write.
  if (o.file) await removeStaleTemps(o.file);

  const result = await mapPorts({
    sw: o.sw,
    ports: o.ports,
    cyclePort: (port) => power.cycle([{ switchIndex: o.info.index, port }]),
    timeoutMs: o.waitMs,
    intervalMs: o.pollMs ?? 1000,
  });
  for (const [port, mac] of result.found) o.out(`${String(port).padStart(4)}  ${mac}${isPiMac(mac) ? '  Raspberry Pi' : ''}`);
  for (const [port, e] of result.failed) o.out(`${String(port).padStart(4)}  power cycle failed: ${describeError(e)}`);

  let merge: MergeResult | null = null;
  if (o.file && existing && result.found.size > 0) {
    const learned = [...result.found].map(([port, mac]) => ({ switchIndex: o.info.index, port, mac }));
    merge = mergeLearned(existing, learned, o.ipPrefix ? (l) => `${o.ipPrefix}.${l.port}` : undefined);
    if (merge.changed) {
      await writeFileAtomic(o.file, formatHostsHeaded(merge.hosts, o.switches));
      const moved = merge.moved.map((m) => ` (${m.mac} moved from port ${m.fromPort} to ${m.port})`).join('');
      o.out(`${o.file}: ${merge.added.length} added, ${merge.updated.length} updated, ${merge.moved.length} moved${moved}`);
    } else {
      o.out(`${o.file}: unchanged`);
    }
  }
  o.out(`${result.found.size} of ${o.ports.length} ports mapped in ${(result.elapsedMs / 1000).toFixed(1)} s`);

  // Every cycle failed the same way (switch down, refused): that error says it best.
  if (result.failed.size === o.ports.length && o.ports.length > 0) throw [...result.failed.values()][0];
  const noMac = result.missing.filter((p) => !result.failed.has(p));
  if (noMac.length > 0 || result.failed.size > 0) {
    const parts: string[] = [];
    if (noMac.length > 0) {
      parts.push(
        `no MAC seen on port${noMac.length > 1 ? 's' : ''} ${noMac.join(', ')} of ${o.info.name} within ${Math.round(o.waitMs / 1000)} s ` +
          `(is a Pi plugged in and booting? try a longer --wait)`,
      );
    }
    if (result.failed.size > 0) parts.push(`power cycle failed on port${result.failed.size > 1 ? 's' : ''} ${[...result.failed.keys()].join(', ')}`);
    throw new PimanError('E_SWITCH', parts.join('; '));
  }
  return { result, merge };
}

/** `1 2 5-8` -> [1, 2, 5, 6, 7, 8]; rejects anything else. */
export function parsePortList(args: readonly string[], max = 4096): number[] {
  const out = new Set<number>();
  for (const a of args) {
    for (const part of a.split(',').filter(Boolean)) {
      const [lo, hi] = portRange(part.trim()) ?? [NaN, NaN];
      if (!(lo >= 1 && hi >= lo && hi <= max)) {
        throw new PimanError('E_USAGE', `'${part}' is not a port or a range of ports like 1-24 (1..${max})`, { exitCode: 2 });
      }
      for (let p = lo; p <= hi; p++) out.add(p);
    }
  }
  return [...out].sort((a, b) => a - b);
}
