/**
 * Which switch port a relay agent information option names (pure). Tried in
 * this order; the first that applies wins:
 *  1. `circuits`: an explicit entry whose circuitId is the circuit-id's text
 *     (and whose remoteId, when given, matches the remote-id). ISC dhcrelay
 *     `-a` sends the name of the interface the request came in on.
 *  2. `<switch>:<port>` text naming a configured switch, e.g. `sw1:7`.
 *  3. The binary default of Cisco Catalyst (DHCP snooping "information
 *     option") and D-Link xStack switches: circuit-id `00 04 VLAN(2)
 *     module(1) port(1)`, remote-id `00 06 <switch base MAC>`. The switch is
 *     the `remoteIds` entry with that MAC; the port is the port byte counted
 *     from the entry's portBase (Cisco's configuration guides: ports start at
 *     1 on most models, at 3 on a Catalyst 3750-E/3750-X).
 * Cisco's user-configured string forms (type byte 1, length, text) are read
 * as their text. Anything else names no port.
 */
import { macFromBytes, parseMac } from '../cluster/mac.js';
import type { RelayAgentInfo } from './relay-agent.js';

export interface CircuitEntry {
  readonly circuitId: string;
  readonly remoteId?: string | undefined;
  readonly switch: string;
  readonly port: number;
}

export interface RemoteIdEntry {
  readonly remoteId: string;
  readonly switch: string;
  readonly portBase: number;
  readonly module?: number | undefined;
}

export interface CircuitRules {
  readonly circuits: readonly CircuitEntry[];
  readonly remoteIds: readonly RemoteIdEntry[];
  /** Configured switches: name -> number of ports. */
  readonly switches: ReadonlyMap<string, number>;
}

export interface CircuitPort {
  readonly switch: string;
  readonly port: number;
  readonly via: 'circuits' | 'name' | 'binary';
}

/** The printable text of an id, or undefined for binary; Cisco's `01 len text` form is unwrapped. */
export function idText(b: Buffer | undefined): string | undefined {
  if (!b || b.length === 0) return undefined;
  const body = b.length >= 2 && b[0] === 1 && b[1] === b.length - 2 && b.length > 2 ? b.subarray(2) : b;
  for (const c of body) if (c < 0x20 || c > 0x7e) return undefined;
  return body.toString('latin1');
}

/** The MAC an id carries: six bytes, or Cisco's `00 06 <mac>`. */
function idMac(b: Buffer | undefined): string | undefined {
  if (!b) return undefined;
  if (b.length === 6) return macFromBytes(b);
  if (b.length === 8 && b[0] === 0 && b[1] === 6) return macFromBytes(b.subarray(2));
  return undefined;
}

function remoteMatches(want: string, got: Buffer | undefined): boolean {
  if (idText(got) === want) return true;
  const mac = parseMac(want);
  return mac !== null && idMac(got) === mac;
}

function inRange(rules: CircuitRules, sw: string, port: number): boolean {
  const n = rules.switches.get(sw);
  return n !== undefined && Number.isInteger(port) && port >= 1 && port <= n;
}

export function portFromAgentInfo(info: RelayAgentInfo, rules: CircuitRules): CircuitPort | undefined {
  const text = idText(info.circuitId);
  if (text !== undefined) {
    for (const c of rules.circuits) {
      if (c.circuitId === text && (c.remoteId === undefined || remoteMatches(c.remoteId, info.remoteId))) {
        return inRange(rules, c.switch, c.port) ? { switch: c.switch, port: c.port, via: 'circuits' } : undefined;
      }
    }
    const m = /^([A-Za-z0-9_.-]+):(\d{1,4})$/.exec(text);
    if (m && inRange(rules, m[1]!, Number(m[2]))) return { switch: m[1]!, port: Number(m[2]), via: 'name' };
    return undefined;
  }
  const c = info.circuitId;
  if (c && c.length === 6 && c[0] === 0 && c[1] === 4) {
    const module = c[4]!;
    for (const r of rules.remoteIds) {
      if (r.module !== undefined && r.module !== module) continue;
      if (!remoteMatches(r.remoteId, info.remoteId)) continue;
      const port = c[5]! - r.portBase + 1;
      return inRange(rules, r.switch, port) ? { switch: r.switch, port, via: 'binary' } : undefined;
    }
  }
  return undefined;
}
