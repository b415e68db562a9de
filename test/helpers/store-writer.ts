/**
 * Child process for the crash-safety test: rewrites the state file in a
 * loop through FileStateStore and prints each version once it is on disk.
 */
import { FileStateStore, type ClusterSnapshot } from '../../src/store/state-store.js';
import { initialPortState, zeroCounters } from '../../src/cluster/types.js';

const dir = process.argv[2]!;
let version = Number(process.argv[3] ?? 0);
const store = new FileStateStore(dir);
const ports: ClusterSnapshot['ports'] = {};
for (let p = 1; p <= 400; p++) ports[`sw1:${p}`] = { ...initialPortState(0), lastError: 'x'.repeat(p % 50) };

for (;;) {
  version++;
  const v = version;
  await store.save(() => ({ version: 2, ports, counters: { ...zeroCounters(), installsDone: v }, learned: [] }));
  process.stdout.write(`${v}\n`);
}
