import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeaseStore } from '../../src/dhcp/leases.js';
import { ClusterBindings, learnedAddress } from '../../src/dhcp/bindings.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { MemoryStateStore } from '../../src/store/state-store.js';
import { PimanError } from '../../src/errors.js';
import type { ServerSettings } from '../../src/dhcp/policy.js';

const S: ServerSettings = { address: '10.0.0.1', netmask: '255.255.255.0', router: '10.0.0.1', dns: [], leaseSeconds: 3600 };

test('lease file: written atomically, read back, corrupt file refused with a clear error', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-leases-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const a = await LeaseStore.open(dir);
  await a.bind('02:00:00:00:00:01', '10.0.0.100', 5000, 'pool');
  await a.bind('02:00:00:00:00:02', '10.0.0.101', 6000, 'pool');
  // The address moves to another MAC: the old holder loses it.
  await a.bind('02:00:00:00:00:03', '10.0.0.101', 7000, 'pool');
  await a.close();
  const b = await LeaseStore.open(dir);
  assert.equal(b.get('02:00:00:00:00:01')?.ip, '10.0.0.100');
  assert.equal(b.get('02:00:00:00:00:02'), undefined);
  assert.equal(b.ownerOf('10.0.0.101'), '02:00:00:00:00:03');
  await writeFile(join(dir, 'dhcp-leases.json'), '{"version":1,"leases":[{"mac":"nope"}]}');
  await assert.rejects(LeaseStore.open(dir), (e: unknown) => e instanceof PimanError && e.code === 'E_STATE_CORRUPT' && /move it away/.test(e.message));
});

test('pool allocation skips static, offered, declined and leased addresses; reuses expired ones last', async () => {
  let now = 1000;
  const cluster = await Cluster.open({
    switches: [{ index: 1, name: 'sw1', address: '10.0.9.1', ports: 4 }],
    hosts: [{ switchIndex: 1, port: 1, mac: 'b8:27:eb:00:00:01', ip: '10.0.0.50', hostname: null }],
    store: new MemoryStateStore(),
    timeoutMs: 1000,
  });
  const leases = LeaseStore.memory();
  const b = new ClusterBindings({ cluster, leases, settings: S, pool: { start: '10.0.0.50', end: '10.0.0.53' }, now: () => now });
  assert.equal(b.allocate('02:00:00:00:00:01', undefined), '10.0.0.51');
  leases.offer('02:00:00:00:00:01', '10.0.0.51', now + 100, now);
  assert.equal(b.allocate('02:00:00:00:00:02', '10.0.0.51'), '10.0.0.52');
  await leases.bind('02:00:00:00:00:02', '10.0.0.52', now + 100, 'pool');
  await leases.decline('10.0.0.53', now + 100);
  assert.equal(b.allocate('02:00:00:00:00:03', undefined), undefined);
  now += 200; // offer, lease and quarantine expire
  assert.equal(b.allocate('02:00:00:00:00:03', undefined), '10.0.0.51');
  assert.equal(b.allocate('02:00:00:00:00:02', undefined), '10.0.0.52', 'a client gets its old address back');
});

test('learned MACs get network + port (switches numbered on), never a taken address', async () => {
  const cluster = await Cluster.open({
    switches: [
      { index: 1, name: 'sw1', address: '10.0.9.1', ports: 8 },
      { index: 2, name: 'sw2', address: '10.0.9.2', ports: 8 },
    ],
    hosts: [{ switchIndex: 1, port: 3, mac: 'b8:27:eb:00:00:01', ip: '10.0.0.4', hostname: null }],
    store: new MemoryStateStore(),
    timeoutMs: 1000,
  });
  const view = (s: number, p: number) => cluster.port({ switchIndex: s, port: p })!;
  assert.equal(learnedAddress(view(1, 5), cluster, S, undefined), '10.0.0.5');
  assert.equal(learnedAddress(view(2, 5), cluster, S, undefined), '10.0.0.13');
  assert.equal(learnedAddress(view(1, 1), cluster, S, undefined), undefined, 'piman itself');
  assert.equal(learnedAddress(view(1, 4), cluster, S, undefined), undefined, 'hosts.csv address of another port');
  assert.equal(learnedAddress(view(1, 6), cluster, S, { start: '10.0.0.6', end: '10.0.0.9' }), undefined, 'pool');
});

test('a lease that cannot be written is taken back (the old one kept) and the error is E_STATE_IO', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-leases-ro-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = await LeaseStore.open(dir);
  await store.bind('02:00:00:00:00:01', '10.0.0.50', 1000, 'pool');
  // The state folder replaced by a file: every write fails (also as root, unlike a chmod).
  await rm(dir, { recursive: true });
  await writeFile(dir, 'not a folder');
  await assert.rejects(store.bind('02:00:00:00:00:01', '10.0.0.51', 2000, 'pool'), (e: unknown) => e instanceof PimanError && e.code === 'E_STATE_IO');
  await assert.rejects(store.bind('02:00:00:00:00:02', '10.0.0.50', 2000, 'pool'), (e: unknown) => e instanceof PimanError && e.code === 'E_STATE_IO');
  assert.deepEqual(store.list(), [{ mac: '02:00:00:00:00:01', ip: '10.0.0.50', expires: 1000, source: 'pool' }]);
  assert.equal(store.ownerOf('10.0.0.50'), '02:00:00:00:00:01');
  assert.equal(store.ownerOf('10.0.0.51'), undefined);
  await rm(dir, { force: true });
});

/** A pool of `size` addresses from 10.1.0.1, every one leased to another MAC until `expires`. */
async function fullPool(size: number, expires: number, now: () => number) {
  const cluster = await Cluster.open({ switches: [{ index: 1, name: 'sw1', address: '10.0.9.1', ports: 1 }], hosts: [], store: new MemoryStateStore(), timeoutMs: 1000 });
  const leases = LeaseStore.memory();
  const settings: ServerSettings = { ...S, address: '10.1.255.254', netmask: '255.255.0.0' };
  const end = `10.1.${size >> 8}.${size & 255}`;
  for (let n = 1; n <= size; n++) await leases.bind(`02:01:00:00:${((n >> 8) & 255).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`, `10.1.${n >> 8}.${n & 255}`, expires, 'pool');
  return { leases, b: new ClusterBindings({ cluster, leases, settings, pool: { start: '10.1.0.1', end }, now }) };
}

test('a DISCOVER flood on a full pool costs one scan per change, not one per packet', async () => {
  let now = 1000;
  const newMac = (i: number): string => `02:09:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
  const { leases, b } = await fullPool(60_000, 100_000, () => now);
  // Every address a scan looks at is checked for a quarantine first: count those checks.
  let looked = 0;
  const isDeclined = leases.isDeclined.bind(leases);
  leases.isDeclined = (ip, t) => (looked++, isDeclined(ip, t));
  assert.equal(b.allocate(newMac(0), undefined), undefined);
  assert.equal(looked, 120_000, 'the first DISCOVER scans the pool (never-used, then expired)');
  for (let i = 1; i <= 300; i++) b.allocate(newMac(i), undefined);
  assert.equal(looked, 120_000, '300 more DISCOVERs within the second: no scan');
  now += 1000;
  b.allocate(newMac(301), undefined);
  assert.equal(looked, 240_000, 'a second later: scanned again (hosts.csv may have freed one)');
});

test('a pool taken for full frees at once on a release, and when a lease runs out', async () => {
  let now = 1000;
  const { leases, b } = await fullPool(4, 5000, () => now);
  assert.equal(b.allocate('02:09:00:00:00:01', undefined), undefined);
  await leases.release('02:01:00:00:00:03', now);
  assert.equal(b.allocate('02:09:00:00:00:01', undefined), '10.1.0.3', 'a release is a change: scanned again');
  leases.offer('02:09:00:00:00:01', '10.1.0.3', now + 100, now); // as the policy does with what it offers
  assert.equal(b.allocate('02:09:00:00:00:02', undefined), undefined);
  now = 5000; // the other leases run out, with no change to the store
  assert.equal(b.allocate('02:09:00:00:00:02', undefined), '10.1.0.1');
});
