/**
 * Merging what the mapper learned into hosts.csv rows (pure). A learned MAC
 * replaces the MAC of its port's row (IP and hostname stay); a port without a
 * row gets one; a row elsewhere with the same MAC (the Pi moved) is dropped,
 * its hostname carried over to the new row. Nothing else is touched, so a
 * second run with the same result changes nothing.
 */
import type { HostBinding } from '../cluster/types.js';

export interface LearnedPort {
  readonly switchIndex: number;
  readonly port: number;
  readonly mac: string;
}

export interface MergeResult {
  readonly hosts: HostBinding[];
  readonly added: LearnedPort[];
  readonly updated: Array<LearnedPort & { readonly oldMac: string }>;
  readonly moved: Array<LearnedPort & { readonly fromPort: number; readonly fromSwitch: number }>;
  readonly changed: boolean;
}

const key = (s: number, p: number): string => `${s}.${p}`;

export function mergeLearned(existing: readonly HostBinding[], learned: readonly LearnedPort[], ipFor?: (l: LearnedPort) => string | null): MergeResult {
  const learnedByMac = new Map(learned.map((l) => [l.mac, l]));
  const learnedPorts = new Set(learned.map((l) => key(l.switchIndex, l.port)));
  const added: LearnedPort[] = [];
  const updated: Array<LearnedPort & { oldMac: string }> = [];
  const moved: Array<LearnedPort & { fromPort: number; fromSwitch: number }> = [];
  const movedHostname = new Map<string, string | null>();
  /** A Pi that moved keeps its hosts.csv image as it keeps its hostname. */
  const movedImage = new Map<string, string>();

  // Rows on other ports whose MAC was just seen elsewhere: the Pi moved.
  const kept: HostBinding[] = [];
  for (const h of existing) {
    const l = learnedByMac.get(h.mac);
    if (l && !learnedPorts.has(key(h.switchIndex, h.port))) {
      moved.push({ ...l, fromPort: h.port, fromSwitch: h.switchIndex });
      movedHostname.set(h.mac, h.hostname);
      if (h.image) movedImage.set(h.mac, h.image);
      continue;
    }
    kept.push(h);
  }
  const byPort = new Map(kept.map((h, i) => [key(h.switchIndex, h.port), i]));
  const out = [...kept];
  const ips = new Set(kept.map((h) => h.ip).filter((ip): ip is string => ip !== null));
  for (const l of learned) {
    const i = byPort.get(key(l.switchIndex, l.port));
    if (i !== undefined) {
      const h = out[i]!;
      if (h.mac !== l.mac) {
        updated.push({ ...l, oldMac: h.mac });
        out[i] = { ...h, mac: l.mac };
      }
      continue;
    }
    const ip = ipFor?.(l) ?? null;
    out.push({ switchIndex: l.switchIndex, port: l.port, mac: l.mac, ip: ip !== null && !ips.has(ip) ? ip : null, hostname: movedHostname.get(l.mac) ?? null, ...(movedImage.has(l.mac) ? { image: movedImage.get(l.mac)! } : {}) });
    if (ip !== null) ips.add(ip);
    if (!movedHostname.has(l.mac)) added.push(l);
  }
  out.sort((a, b) => a.switchIndex - b.switchIndex || a.port - b.port);
  const changed = added.length + updated.length + moved.length > 0;
  return { hosts: changed ? out : [...existing], added, updated, moved, changed };
}
