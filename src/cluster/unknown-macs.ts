/**
 * MACs that asked for an address and got none (not in hosts.csv, not
 * learned, no pool). The DHCP server records into the cluster's registry;
 * the agent serves it as pimanUnknownMacTable (`piman status --unknown`).
 * Bounded so a flood of random chaddrs cannot grow memory without limit;
 * not persisted: it is a list of recent sightings.
 */
import { isPiMac } from './mac.js';

export interface UnknownMac {
  /**
   * Row number, in order of first sighting (pimanUnknownMacIndex): stable
   * while the MAC stays listed; a MAC dropped and seen again gets a new one.
   */
  readonly index: number;
  readonly mac: string;
  /** ms since epoch. */
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly count: number;
  /** Option 60 of the latest request that carried one, e.g. "PXEClient:Arch:00000:UNDI:002001". */
  readonly vendorClass: string | null;
  /** The MAC has a Raspberry Pi OUI: probably a Pi missing from hosts.csv. */
  readonly raspberryPi: boolean;
}

/** Rows appear and disappear only through these; a repeat sighting changes values in place. */
export type UnknownMacChange = { readonly type: 'added'; readonly entry: UnknownMac } | { readonly type: 'removed'; readonly entry: UnknownMac };

export type UnknownMacListener = (change: UnknownMacChange) => void;

/** pimanUnknownMacIndex is Unsigned32 (1..4294967295). */
const MAX_INDEX = 0xffffffff;

export class UnknownMacs {
  /** Insertion order = least recently seen first (a sighting moves the MAC to the end). */
  private readonly seen = new Map<string, UnknownMac>();
  private readonly byIdx = new Map<number, string>();
  private readonly listeners = new Set<UnknownMacListener>();
  private lastIndex = 0;

  constructor(private readonly limit = 1024) {}

  get size(): number {
    return this.seen.size;
  }

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
      if (oldest !== undefined) this.forget(oldest);
    }
    const entry: UnknownMac = { index: this.nextIndex(), mac, firstSeen: now, lastSeen: now, count: 1, vendorClass, raspberryPi: isPiMac(mac) };
    this.seen.set(mac, entry);
    this.byIdx.set(entry.index, mac);
    this.emit({ type: 'added', entry });
    return true;
  }

  /** Drops a MAC (e.g. it became known); no-op when it is not listed. */
  forget(mac: string): void {
    const entry = this.seen.get(mac);
    if (!entry) return;
    this.seen.delete(mac);
    this.byIdx.delete(entry.index);
    this.emit({ type: 'removed', entry });
  }

  get(mac: string): UnknownMac | undefined {
    return this.seen.get(mac);
  }

  byIndex(index: number): UnknownMac | undefined {
    const mac = this.byIdx.get(index);
    return mac === undefined ? undefined : this.seen.get(mac);
  }

  /** Most recently seen first. */
  list(): UnknownMac[] {
    return [...this.seen.values()].reverse();
  }

  /** Told synchronously about every row added or removed; returns the unsubscribe function. */
  on(listener: UnknownMacListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private nextIndex(): number {
    // Wraps after 2^32-1 sightings, skipping numbers still in use (at most `limit` are).
    do this.lastIndex = this.lastIndex >= MAX_INDEX ? 1 : this.lastIndex + 1;
    while (this.byIdx.has(this.lastIndex));
    return this.lastIndex;
  }

  private emit(change: UnknownMacChange): void {
    for (const l of this.listeners) l(change);
  }
}
