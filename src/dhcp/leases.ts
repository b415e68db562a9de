/**
 * DHCP leases: which MAC holds which address until when. Bound leases are
 * persisted in `<state>/dhcp-leases.json`, a snapshot, and
 * `<state>/dhcp-leases.journal`, a line per change since it (journal.ts:
 * a lease is on disk before its ACK at the cost of one appended line);
 * offers and declined addresses live in memory only.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { PimanError } from '../errors.js';
import { Journal, readJournal } from '../store/journal.js';
import type { BindingSource } from './policy.js';

export interface Lease {
  readonly mac: string;
  readonly ip: string;
  /** ms since epoch. */
  readonly expires: number;
  readonly source: BindingSource;
}

const leaseSchema = z.object({
  mac: z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/),
  ip: z.string(),
  expires: z.number(),
  source: z.enum(['static', 'learned', 'pool']),
});

const fileSchema = z.object({
  version: z.literal(1),
  /** The journal generation that follows this snapshot (absent: written before the journal, 0). */
  journal: z.number().int().nonnegative().optional(),
  leases: z.array(leaseSchema),
});

/** A journal line: a lease as it now is, or the MAC that lost its lease. */
const dropSchema = z.object({ drop: leaseSchema.shape.mac }).strict();
const parseRecord = (v: unknown): Lease | { drop: string } =>
  typeof v === 'object' && v !== null && 'drop' in v ? dropSchema.parse(v) : leaseSchema.strict().parse(v);

export const LEASE_FILE = 'dhcp-leases.json';
export const LEASE_JOURNAL = 'dhcp-leases.journal';
/** Lines the journal may hold before it is folded into the snapshot (or twice the leases, if more). */
const COMPACT_AFTER = 4096;
const MAX_OFFERS = 4096;

/** A lease file that does not parse: where, what, and what to do. */
function corrupt(where: string, e: unknown): PimanError {
  const issue = e instanceof z.ZodError ? e.issues[0] : undefined;
  const why = issue ? `${issue.path.join('.') || 'top level'}: ${issue.message}` : (e as Error).message.split('\n')[0];
  return new PimanError('E_STATE_CORRUPT', `${where}: not a piman DHCP lease file (${why}); move it away to start with no leases`);
}

/** The snapshot's leases and the journal generation it names; none when there is no file yet. */
async function readSnapshot(file: string): Promise<{ leases: Lease[]; generation: number }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { leases: [], generation: 0 };
    throw new PimanError('E_STATE_IO', `${file}: cannot read the DHCP leases: ${(e as Error).message}`);
  }
  try {
    const parsed = fileSchema.parse(JSON.parse(text));
    return { leases: parsed.leases, generation: parsed.journal ?? 0 };
  } catch (e) {
    throw corrupt(file, e);
  }
}

export class LeaseStore {
  private readonly bound = new Map<string, Lease>();
  private readonly byIp = new Map<string, string>();
  private readonly offers = new Map<string, { ip: string; until: number }>();
  /** ip -> MAC of the latest offer of that address (keeps pool scans O(pool)). */
  private readonly offeredIps = new Map<string, string>();
  private readonly declined = new Map<string, number>();
  private journal: Journal | null = null;
  private changes = 0;

  private constructor(readonly file: string | null) {}

  /** In memory only (tests, `state` not wanted). */
  static memory(): LeaseStore {
    return new LeaseStore(null);
  }

  /** Opens `<stateDir>/dhcp-leases.json` and replays its journal; a missing file means no leases yet. */
  static async open(stateDir: string): Promise<LeaseStore> {
    const file = join(stateDir, LEASE_FILE);
    const journalFile = join(stateDir, LEASE_JOURNAL);
    const store = new LeaseStore(file);
    const snapshot = await readSnapshot(file);
    for (const l of snapshot.leases) store.put(l);
    let lines: string[];
    try {
      lines = await readJournal(journalFile, snapshot.generation);
    } catch (e) {
      throw new PimanError('E_STATE_IO', `${journalFile}: cannot read the DHCP lease journal: ${(e as Error).message}`);
    }
    lines.forEach((line, i) => {
      let r: Lease | { drop: string };
      try {
        r = parseRecord(JSON.parse(line));
      } catch (e) {
        throw corrupt(`${journalFile} line ${i + 2}`, e);
      }
      if ('drop' in r) store.forget(r.drop);
      else store.put(r);
    });
    store.journal = new Journal(file, journalFile, snapshot.generation, () => Math.max(COMPACT_AFTER, 2 * store.bound.size));
    return store;
  }

  /** Grows with every change of a lease, offer or quarantine (lets a caller keep what it derived). */
  get version(): number {
    return this.changes;
  }

  /**
   * When the address stops being held for anyone but `mac` (an offer, a
   * lease, a quarantine); `now` when nothing holds it.
   */
  heldUntil(ip: string, mac: string, now: number): number {
    let until = now;
    const declined = this.declined.get(ip);
    if (declined !== undefined && declined > until) until = declined;
    const offeredTo = this.offeredIps.get(ip);
    const o = offeredTo !== undefined && offeredTo !== mac ? this.offers.get(offeredTo) : undefined;
    if (o && o.ip === ip && o.until > until) until = o.until;
    const owner = this.byIp.get(ip);
    const l = owner !== undefined && owner !== mac ? this.bound.get(owner) : undefined;
    if (l && l.expires > until) until = l.expires;
    return until;
  }

  private put(l: Lease): void {
    this.changes++;
    const old = this.bound.get(l.mac);
    if (old && this.byIp.get(old.ip) === l.mac) this.byIp.delete(old.ip);
    const prevOwner = this.byIp.get(l.ip);
    if (prevOwner !== undefined && prevOwner !== l.mac) this.bound.delete(prevOwner);
    this.bound.set(l.mac, l);
    this.byIp.set(l.ip, l.mac);
  }

  get(mac: string): Lease | undefined {
    return this.bound.get(mac);
  }

  /** The MAC whose lease (expired or not) names this address. */
  ownerOf(ip: string): string | undefined {
    return this.byIp.get(ip);
  }

  offerOf(mac: string, now: number): string | undefined {
    const o = this.offers.get(mac);
    return o && o.until > now ? o.ip : undefined;
  }

  /** An address offered to another MAC and not yet expired. */
  isOffered(ip: string, mac: string, now: number): boolean {
    const m = this.offeredIps.get(ip);
    if (m === undefined || m === mac) return false;
    const o = this.offers.get(m);
    return o !== undefined && o.ip === ip && o.until > now;
  }

  offer(mac: string, ip: string, until: number, now: number): void {
    this.dropOffer(mac);
    this.changes++;
    this.offers.set(mac, { ip, until });
    this.offeredIps.set(ip, mac);
    // Bound the memory a flood of DISCOVERs can take: expired first, then oldest.
    if (this.offers.size > MAX_OFFERS) {
      for (const [m, o] of this.offers) if (o.until <= now) this.dropOffer(m);
      for (const m of this.offers.keys()) {
        if (this.offers.size <= MAX_OFFERS) break;
        this.dropOffer(m);
      }
    }
  }

  dropOffer(mac: string): void {
    const o = this.offers.get(mac);
    if (!o) return;
    this.changes++;
    this.offers.delete(mac);
    if (this.offeredIps.get(o.ip) === mac) this.offeredIps.delete(o.ip);
  }

  /**
   * Records a bound lease; resolves once it is on disk. When it cannot be
   * written (a full or read-only state folder) the lease is taken back, so a
   * retransmitted REQUEST is not ACKed from memory either, and it rejects.
   */
  bind(mac: string, ip: string, expires: number, source: BindingSource): Promise<void> {
    this.dropOffer(mac);
    const lease: Lease = { mac, ip, expires, source };
    const had = this.bound.get(mac);
    const owner = this.byIp.get(ip);
    const ownerHad = owner !== undefined && owner !== mac ? this.bound.get(owner) : undefined;
    this.put(lease);
    return this.save(lease).catch((e: unknown) => {
      if (this.bound.get(mac) === lease) {
        this.changes++;
        this.bound.delete(mac);
        if (this.byIp.get(ip) === mac) this.byIp.delete(ip);
        if (ownerHad) this.put(ownerHad);
        if (had) this.put(had);
      }
      throw new PimanError('E_STATE_IO', `${this.file}: cannot write the DHCP leases: ${(e as Error).message}`, { cause: e });
    });
  }

  release(mac: string, now: number): Promise<void> {
    const l = this.bound.get(mac);
    if (!l) return Promise.resolve();
    // Keep the record (the client gets the same address again) but expired.
    const expired = { ...l, expires: Math.min(l.expires, now) };
    this.changes++;
    this.bound.set(mac, expired);
    return this.save(expired);
  }

  decline(ip: string, until: number): Promise<void> {
    this.changes++;
    this.declined.set(ip, until);
    const offeredTo = this.offeredIps.get(ip);
    if (offeredTo !== undefined) this.dropOffer(offeredTo);
    const owner = this.byIp.get(ip);
    if (owner === undefined) return Promise.resolve();
    this.byIp.delete(ip);
    this.forget(owner);
    return this.save({ drop: owner });
  }

  isDeclined(ip: string, now: number): boolean {
    const until = this.declined.get(ip);
    if (until === undefined) return false;
    if (until <= now) this.declined.delete(ip);
    return until > now;
  }

  list(): Lease[] {
    return [...this.bound.values()];
  }

  /** Drops `mac`'s lease and its address. */
  private forget(mac: string): void {
    const l = this.bound.get(mac);
    if (!l) return;
    this.changes++;
    this.bound.delete(mac);
    if (this.byIp.get(l.ip) === mac) this.byIp.delete(l.ip);
  }

  private save(record: Lease | { drop: string }): Promise<void> {
    if (!this.journal) return Promise.resolve();
    return this.journal.append(`${JSON.stringify(record)}\n`, (journal) => JSON.stringify({ version: 1, journal, leases: this.list() }));
  }

  /** Resolves when every write has reached the disk. */
  async close(): Promise<void> {
    await this.journal?.close();
  }
}
