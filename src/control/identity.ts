/**
 * A Pi is its MAC and its address together, as hosts.csv binds them. The
 * control and rootfs servers accept a peer only when the kernel's neighbour
 * entry for its address (on the Pi network's interface, when one is
 * configured) carries the bound MAC: a host that merely took a Pi's address
 * is refused.
 *
 * Loopback peers have no neighbour entry. They are exempt when
 * `exemptLoopback` is set, which the daemon does: a Pi bound to a 127.x
 * address exists only in `piman lab` and the tests, where every "Pi" is a
 * process on piman's own machine.
 */
import type { NeighbourTable, Neighbour } from './neighbours.js';

export interface PeerIdentityOptions {
  readonly neighbours: NeighbourTable;
  /** server.interface: the entry must be on this device. */
  readonly interface?: string;
  /** Peers on 127.0.0.0/8 (and ::1) are accepted without a neighbour entry. */
  readonly exemptLoopback: boolean;
}

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

/** Pure part: does this neighbour entry prove the peer is the bound Pi? */
export function judgeNeighbour(boundMac: string | null, n: Neighbour | null, iface: string | undefined): Verdict {
  if (boundMac === null) return { ok: false, reason: 'no MAC is bound to this address' };
  if (n === null) return { ok: false, reason: 'no neighbour (ARP) entry for the address, so its MAC cannot be checked' };
  if (iface !== undefined && n.device !== iface) return { ok: false, reason: `its neighbour entry is on ${n.device}, not on the Pi network (${iface})` };
  if (n.mac !== boundMac) return { ok: false, reason: `its MAC is ${n.mac}, but hosts.csv binds ${boundMac} to this address` };
  return { ok: true };
}

export async function verifyPeer(ip: string, boundMac: string | null, o: PeerIdentityOptions): Promise<Verdict> {
  if (o.exemptLoopback && isLoopback(ip)) return { ok: true };
  return judgeNeighbour(boundMac, await o.neighbours.lookup(ip), o.interface);
}
