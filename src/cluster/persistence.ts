/**
 * What the cluster needs of its persistence: the shape of the saved state
 * and where it goes. The domain owns this interface; src/store implements
 * it (a file, or memory for tests), so the cluster imports no store.
 */
import type { Counters, PortState } from './types.js';

/** A MAC the mapper learned for a port (not from hosts.csv). */
export interface LearnedMac {
  readonly switch: string;
  readonly port: number;
  readonly mac: string;
}

export interface ClusterSnapshot {
  version: 2;
  /** Keyed by `switchName:port`. */
  ports: Record<string, PortState>;
  counters: Counters;
  learned: LearnedMac[];
}

/** The form written before version 2: keyed by `switchIndex.port` (position in piman.yaml). */
export interface LegacySnapshot {
  version: 1;
  ports: Record<string, PortState>;
  counters: Counters;
  learned: { switchIndex: number; port: number; mac: string }[];
}

export type StoredSnapshot = ClusterSnapshot | LegacySnapshot;

/** Where the cluster state lives; an interface so tests can use memory. */
export interface StateStore {
  load(): Promise<StoredSnapshot | null>;
  /** Resolves once the snapshot (as of the moment of writing) is on disk. */
  save(snapshot: () => ClusterSnapshot): Promise<void>;
  close(): Promise<void>;
}
