/** The unknown-MAC registry the cluster carries (recorded by DHCP, served by the agent). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UnknownMacs, type UnknownMacChange } from '../../src/cluster/unknown-macs.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { MemoryStateStore } from '../../src/store/state-store.js';

test('unknown MACs: first sighting reported once, counted, bounded, most recent first', () => {
  const u = new UnknownMacs(3);
  assert.equal(u.record('b8:27:eb:00:00:01', 10, 'PXEClient:Arch:00000:UNDI:002001'), true);
  assert.equal(u.record('b8:27:eb:00:00:01', 20, null), false);
  const first = u.list()[0]!;
  assert.deepEqual(first, { index: 1, mac: 'b8:27:eb:00:00:01', firstSeen: 10, lastSeen: 20, count: 2, vendorClass: 'PXEClient:Arch:00000:UNDI:002001', raspberryPi: true });
  for (let i = 2; i <= 4; i++) u.record(`02:00:00:00:00:0${i}`, 20 + i, null);
  assert.deepEqual(u.list().map((x) => x.mac), ['02:00:00:00:00:04', '02:00:00:00:00:03', '02:00:00:00:00:02']);
  assert.deepEqual(u.list().map((x) => x.index), [4, 3, 2]);
  assert.equal(u.list()[0]!.raspberryPi, false);
  assert.equal(u.size, 3);
});

test('the least recently seen MAC is dropped at the cap, and listeners hear of rows added and removed', () => {
  const u = new UnknownMacs(2);
  const changes: string[] = [];
  const off = u.on((c: UnknownMacChange) => changes.push(`${c.type} ${c.entry.index} ${c.entry.mac}`));
  u.record('02:00:00:00:00:01', 1, null);
  u.record('02:00:00:00:00:02', 2, null);
  u.record('02:00:00:00:00:01', 3, 'x'); // seen again: now the most recent, no change event
  u.record('02:00:00:00:00:03', 4, null); // evicts :02, the least recently seen
  assert.deepEqual(changes, ['added 1 02:00:00:00:00:01', 'added 2 02:00:00:00:00:02', 'removed 2 02:00:00:00:00:02', 'added 3 02:00:00:00:00:03']);
  assert.equal(u.byIndex(1)?.mac, '02:00:00:00:00:01');
  assert.equal(u.byIndex(2), undefined);
  assert.equal(u.get('02:00:00:00:00:01')?.count, 2);
  u.forget('02:00:00:00:00:01');
  u.forget('02:00:00:00:00:01');
  assert.deepEqual(changes.slice(4), ['removed 1 02:00:00:00:00:01']);
  off();
  u.record('02:00:00:00:00:01', 5, null);
  assert.equal(changes.length, 5, 'unsubscribed');
  assert.equal(u.get('02:00:00:00:00:01')?.index, 4, 'a MAC seen again after it was dropped gets a new row');
});

test('property: size never exceeds the cap, indexes are unique and map back to their MAC', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 15 }), fc.boolean()), { maxLength: 200, size: 'max' }), (limit, ops) => {
      const u = new UnknownMacs(limit);
      let t = 0;
      for (const [n, forget] of ops) {
        const mac = `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`;
        if (forget) u.forget(mac);
        else u.record(mac, ++t, null);
        const list = u.list();
        assert.ok(list.length <= limit);
        assert.equal(new Set(list.map((e) => e.index)).size, list.length);
        for (const e of list) assert.equal(u.byIndex(e.index)?.mac, e.mac);
        for (let i = 1; i < list.length; i++) assert.ok(list[i - 1]!.lastSeen >= list[i]!.lastSeen);
      }
    }),
  );
});

test('the cluster carries the registry; a MAC the mapper learns leaves it', async () => {
  const cluster = await Cluster.open({
    switches: [{ index: 1, name: 'sw1', address: '127.0.0.9', ports: 4 }],
    hosts: [],
    store: new MemoryStateStore(),
    timeoutMs: 60_000,
    unknownMacLimit: 5,
  });
  cluster.unknownMacs.record('dc:a6:32:00:00:01', 1, null);
  cluster.unknownMacs.record('02:00:00:00:00:09', 2, null);
  await cluster.learnMac({ switchIndex: 1, port: 2 }, 'dc:a6:32:00:00:01');
  assert.deepEqual(cluster.unknownMacs.list().map((e) => e.mac), ['02:00:00:00:00:09']);
});
