/**
 * MACs that asked for an address and got none (not in hosts.csv, not
 * learned, no pool). Kept for `piman status --unknown`; bounded so a flood
 * of random chaddrs cannot grow memory without limit.
 */
import { isPiMac } from '../cluster/mac.js';

export interface UnknownMac {
  readonly mac: string;
  /** ms since epoch. */
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly count: number;
  /** Option 60 of the latest request, e.g. "PXEClient:Arch:00000:UNDI:002001". */
  readonly vendorClass: string | null;
  /** The MAC has a Raspberry Pi OUI: probably a Pi missing from hosts.csv. */
  readonly raspberryPi: boolean;
}

export class UnknownMacs {
  private readonly seen = new Map<string, UnknownMac>();
  constructor(private readonly limit = 1024) {}

  /** Returns true the first time a MAC is seen (the caller logs it once). */
  record(mac: string, now: number, vendorClass: string | null): boolean {
    const prev = this.seen.get(mac);
    if (prev) {
      this.seen.delete(mac);
      this.seen.set(mac, { ...prev, lastSeen: now, count: prev.count + 1, vendorClass: vendorClass ?? prev.vendorClass });
      return false;
    }
    if (this.seen.size >= this.limit) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    this.seen.set(mac, { mac, firstSeen: now, lastSeen: now, count: 1, vendorClass, raspberryPi: isPiMac(mac) });
    return true;
  }

  forget(mac: string): void {
    this.seen.delete(mac);
  }

  /** Most recently seen first. */
  list(): UnknownMac[] {
    return [...this.seen.values()].reverse();
  }
}
