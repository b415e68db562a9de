/**
 * Who is really behind a peer address: the kernel's neighbour (ARP) entry for
 * it. A TCP handshake with a host on the link leaves a complete entry, so the
 * control and rootfs servers can compare the peer's MAC with the one
 * hosts.csv binds to that address. Linux exposes the table as /proc/net/arp
 * (read here instead of spawning `ip neigh`); tests inject their own table.
 */
import { readFile } from 'node:fs/promises';
import { parseMac } from '../cluster/mac.js';

export interface Neighbour {
  /** Lower-case colon form. */
  readonly mac: string;
  /** Interface the entry is on (e.g. eth1, br0). */
  readonly device: string;
}

export interface NeighbourTable {
  /** The complete neighbour entry for an IPv4 address, or null when there is none (or no table). */
  lookup(ip: string): Promise<Neighbour | null>;
}

/** ATF_COM: the entry is resolved. Incomplete entries carry 00:00:00:00:00:00. */
const ATF_COM = 0x2;
/** Bound on what is parsed: a table this large is a misconfigured machine, not a rack. */
const MAX_BYTES = 4 * 1024 * 1024;

/** Parses /proc/net/arp text: `IP  HWtype  Flags  HWaddress  Mask  Device` per line after a header. */
export function parseProcNetArp(text: string): Map<string, Neighbour> {
  const out = new Map<string, Neighbour>();
  const lines = text.slice(0, MAX_BYTES).split('\n');
  for (const line of lines.slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    const [ip, , flagsText, hw, , device] = f as [string, string, string, string, string, string];
    const flags = Number.parseInt(flagsText, 16);
    const mac = parseMac(hw);
    if (!Number.isFinite(flags) || (flags & ATF_COM) === 0 || mac === null || mac === '00:00:00:00:00:00') continue;
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) continue;
    out.set(ip, { mac, device });
  }
  return out;
}

/** The kernel's table of the namespace piman runs in. Lookups that overlap share one read. */
export class ProcNetArp implements NeighbourTable {
  private reading: Promise<Map<string, Neighbour>> | null = null;

  constructor(private readonly path = '/proc/net/arp') {}

  async lookup(ip: string): Promise<Neighbour | null> {
    this.reading ??= readFile(this.path, 'utf8')
      .then(parseProcNetArp, () => new Map<string, Neighbour>())
      .finally(() => (this.reading = null));
    return (await this.reading).get(ip) ?? null;
  }
}
