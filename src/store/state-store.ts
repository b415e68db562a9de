/**
 * Persistence of the cluster state (reinstall marks with the chosen image,
 * boot states, installed images, learned MACs, counters) in `<state>/cluster.json`. A file that does not parse stops
 * start-up with a clear error and is left untouched for the operator.
 *
 * Version 2 keys ports by switch name (`sw1:5`), so inserting or reordering
 * switches in piman.yaml never moves a mark to another switch. Version 1 keyed
 * them by position (`1.5`); it is still read, and the cluster maps it with the
 * config of that start and writes version 2.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { PimanError } from '../errors.js';
import { BOOT_STATES } from '../cluster/types.js';
import type { ClusterSnapshot, LearnedMac, LegacySnapshot, StateStore, StoredSnapshot } from '../cluster/persistence.js';
import { CoalescingWriter, nodeFs, removeStaleTemps, type AtomicFs } from './atomic-file.js';

const portStateSchema = z.object({
  state: z.enum(BOOT_STATES),
  reinstall: z.boolean(),
  installProgress: z.number().int().min(0).max(100),
  archiveSent: z.boolean(),
  lastChange: z.number(),
  lastProgress: z.number(),
  lastError: z.string(),
  power: z.enum(['on', 'off', 'unknown']),
  lastFile: z.string(),
  // Added with named images: older state files have none (no choice, nothing recorded).
  image: z.string().max(64).default(''),
  sentImage: z.string().max(64).default(''),
  sentDigest: z.string().max(64).default(''),
  installedImage: z.string().max(64).default(''),
  installedDigest: z.string().max(64).default(''),
  // Absent in state files written before self-healing boots.
  bootAttempts: z.number().int().nonnegative().default(0),
});

const countersSchema = z.object({
  dhcpOffers: z.number().int().nonnegative(),
  dhcpAcks: z.number().int().nonnegative(),
  tftpFiles: z.number().int().nonnegative(),
  installsDone: z.number().int().nonnegative(),
  installsFailed: z.number().int().nonnegative(),
  bootRetries: z.number().int().nonnegative().default(0),
});

const legacyLearnedSchema = z.object({
  switchIndex: z.number().int().positive(),
  port: z.number().int().positive(),
  mac: z.string(),
});

const learnedSchema = z.object({
  switch: z.string().min(1),
  port: z.number().int().positive(),
  mac: z.string(),
});

/** `switchName:port`; names are `[A-Za-z0-9_.-]+` (config schema), so the colon is unambiguous. */
const portKeySchema = z.string().regex(/^[A-Za-z0-9_.-]+:[1-9][0-9]*$/, { message: "must be 'switch:port'" });

const snapshotSchema = z.discriminatedUnion('version', [
  z.object({ version: z.literal(1), ports: z.record(z.string(), portStateSchema), counters: countersSchema, learned: z.array(legacyLearnedSchema) }),
  z.object({ version: z.literal(2), ports: z.record(portKeySchema, portStateSchema), counters: countersSchema, learned: z.array(learnedSchema) }),
]);

export type { ClusterSnapshot, LearnedMac, LegacySnapshot, StateStore, StoredSnapshot };

export function parseSnapshot(text: string, where: string): StoredSnapshot {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new PimanError(
      'E_STATE_CORRUPT',
      `${where}: state file is not valid JSON (${(e as Error).message}); it was left as is: repair it, or move it away to start with empty state`,
    );
  }
  const r = snapshotSchema.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0];
    const at = first ? first.path.join('.') || '(top)' : '(top)';
    throw new PimanError(
      'E_STATE_CORRUPT',
      `${where}: state file has an unexpected shape at ${at}: ${first?.message ?? 'invalid'}; it was left as is: repair it, or move it away to start with empty state`,
    );
  }
  return r.data;
}

export class FileStateStore implements StateStore {
  readonly path: string;
  private readonly writer: CoalescingWriter;

  /** `fs` is for tests that check the order of the writes and fsyncs. */
  constructor(stateDir: string, fs: AtomicFs = nodeFs) {
    this.path = join(stateDir, 'cluster.json');
    this.writer = new CoalescingWriter(this.path, fs);
  }

  async load(): Promise<StoredSnapshot | null> {
    // Start-up: temp files of a piman that died mid-write go first.
    await removeStaleTemps(this.path);
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new PimanError('E_STATE_IO', `${this.path}: cannot read state file: ${(e as Error).message}`);
    }
    return parseSnapshot(text, this.path);
  }

  save(snapshot: () => ClusterSnapshot): Promise<void> {
    return this.writer.save(() => JSON.stringify(snapshot(), null, 1) + '\n').catch((e: unknown) => {
      throw new PimanError('E_STATE_IO', `${this.path}: cannot write state: ${(e as Error).message}`, { cause: e });
    });
  }

  close(): Promise<void> {
    return this.writer.idle();
  }
}

export class MemoryStateStore implements StateStore {
  snapshot: StoredSnapshot | null = null;
  writes = 0;
  async load(): Promise<StoredSnapshot | null> {
    return this.snapshot ? structuredClone(this.snapshot) : null;
  }
  async save(snapshot: () => ClusterSnapshot): Promise<void> {
    this.snapshot = structuredClone(snapshot());
    this.writes++;
  }
  async close(): Promise<void> {}
}
