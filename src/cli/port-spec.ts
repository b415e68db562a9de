/**
 * Port arguments of the CLI: `7` (first switch), `sw2:7` (switch by name),
 * `2:7` (switch by position), ranges `1-8` / `sw2:1-8`, and comma lists
 * `1,3,5-7`. Pure: checked against the configured switches, errors name the
 * argument and say what is allowed.
 */
import { PimanError } from '../errors.js';
import type { PortKey, SwitchInfo } from '../cluster/types.js';

/** More ports than any rack has: guards against `1-99999999` building a huge list. */
const MAX_PORTS = 4096;

export function parsePortSpecs(specs: readonly string[], switches: readonly SwitchInfo[]): PortKey[] {
  const out: PortKey[] = [];
  const seen = new Set<string>();
  for (const spec of specs) {
    for (const part of spec.split(',')) {
      for (const k of parseOne(part.trim(), spec, switches)) {
        const id = `${k.switchIndex}.${k.port}`;
        if (!seen.has(id)) {
          seen.add(id);
          out.push(k);
        }
      }
    }
  }
  return out;
}

function usage(spec: string, why: string): PimanError {
  return new PimanError('E_USAGE', `port '${spec}': ${why} (use 7, sw2:7, 1-8 or sw2:1-8)`, { exitCode: 2 });
}

function parseOne(part: string, spec: string, switches: readonly SwitchInfo[]): PortKey[] {
  if (part === '') throw usage(spec, 'empty port');
  const colon = part.lastIndexOf(':');
  const swName = colon >= 0 ? part.slice(0, colon) : null;
  const range = colon >= 0 ? part.slice(colon + 1) : part;
  const sw = swName === null ? switches[0] : findSwitch(swName, switches);
  if (!sw) {
    const names = switches.map((s) => s.name).join(', ');
    throw new PimanError('E_UNKNOWN_PORT', `port '${spec}': no switch '${swName ?? ''}' in the configuration (switches: ${names || 'none'})`);
  }
  const r = portRange(range);
  if (!r) throw usage(spec, `'${range}' is not a port number or range`);
  const [from, to] = r;
  if (from < 1 || to < from) throw usage(spec, from < 1 ? 'ports start at 1' : `range ${from}-${to} runs backwards`);
  if (to > sw.ports || to - from >= MAX_PORTS) {
    throw new PimanError('E_UNKNOWN_PORT', `port '${spec}': switch ${sw.name} has ports 1-${sw.ports}`);
  }
  const keys: PortKey[] = [];
  for (let p = from; p <= to; p++) keys.push({ switchIndex: sw.index, port: p });
  return keys;
}

/** `7` or `1-8` -> its first and last port (not yet checked against any switch); null when it is neither. */
export function portRange(text: string): [number, number] | null {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!m) return null;
  const from = Number(m[1]);
  return [from, m[2] === undefined ? from : Number(m[2])];
}

function findSwitch(name: string, switches: readonly SwitchInfo[]): SwitchInfo | undefined {
  const byName = switches.find((s) => s.name === name);
  if (byName) return byName;
  if (/^\d+$/.test(name)) return switches.find((s) => s.index === Number(name));
  return undefined;
}

/** `sw1:7`, the form the CLI prints ports in. */
export function portLabel(k: PortKey, switches: readonly SwitchInfo[]): string {
  const sw = switches.find((s) => s.index === k.switchIndex);
  return `${sw?.name ?? k.switchIndex}:${k.port}`;
}
