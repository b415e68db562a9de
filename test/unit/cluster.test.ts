import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, type ClusterEvent } from '../../src/cluster/cluster.js';
import { MemoryStateStore } from '../../src/store/state-store.js';
import type { HostBinding, SwitchInfo } from '../../src/cluster/types.js';

const switches: SwitchInfo[] = [
  { index: 1, name: 'sw1', address: '10.0.0.2', ports: 4 },
  { index: 2, name: 'sw2', address: '10.0.0.3', ports: 2 },
];
const hosts: HostBinding[] = [{ switchIndex: 1, port: 3, mac: 'b8:27:eb:00:00:03', ip: '10.0.0.3', hostname: 'pi3' }];

async function open(store = new MemoryStateStore(), now = () => 1000) {
  return Cluster.open({ switches, hosts, store, timeoutMs: 180_000, now });
}

test('every port of every switch exists, in switch then port order', async () => {
  const c = await open();
  assert.deepEqual(c.ports().map((p) => `${p.switchName}:${p.port}`), ['sw1:1', 'sw1:2', 'sw1:3', 'sw1:4', 'sw2:1', 'sw2:2']);
  assert.equal(c.port({ switchIndex: 1, port: 3 })?.hostname, 'pi3');
  assert.equal(c.port({ switchIndex: 3, port: 1 }), undefined);
  assert.equal(c.port({ switchIndex: 1, port: 9 }), undefined);
});

test('lookups by MAC and IP', async () => {
  const c = await open();
  assert.equal(c.byMac('b8:27:eb:00:00:03')?.port, 3);
  assert.equal(c.byIp('10.0.0.3')?.port, 3);
  assert.equal(c.byMac('b8:27:eb:00:00:99'), undefined);
});

test('a reinstall mark is persisted before apply says so, and survives a restart', async () => {
  const store = new MemoryStateStore();
  const c = await open(store);
  const r = c.apply({ switchIndex: 1, port: 3 }, { type: 'markReinstall' });
  assert.ok(r.ok);
  await r.persisted;
  assert.equal(store.snapshot?.ports['sw1:3']?.reinstall, true);
  const again = await open(store);
  assert.equal(again.port({ switchIndex: 1, port: 3 })?.reinstall, true);
});

test('listeners see state changes and install outcomes; counters follow', async () => {
  const c = await open();
  const seen: ClusterEvent[] = [];
  c.on((e) => seen.push(e));
  const k = { switchIndex: 1, port: 3 };
  c.apply(k, { type: 'decision', action: 'format' });
  c.apply(k, { type: 'archiveSent' });
  c.apply(k, { type: 'installReported' });
  assert.deepEqual(seen.map((e) => e.effect.type), ['stateChanged', 'installDone', 'stateChanged']);
  assert.equal(seen[0]?.port.state, 'installing');
  assert.equal(c.getCounters().installsDone, 1);
});

test('a refused event changes nothing and says why', async () => {
  const c = await open();
  const r = c.apply({ switchIndex: 1, port: 1 }, { type: 'installReported' });
  assert.equal(r.ok, false);
  assert.equal(r.reason, 'no complete install to confirm');
  assert.equal(c.apply({ switchIndex: 9, port: 1 }, { type: 'up' }).reason, 'no port 9.1');
});

test('tick moves stuck ports to failed', async () => {
  let now = 0;
  const c = await open(new MemoryStateStore(), () => now);
  c.apply({ switchIndex: 2, port: 1 }, { type: 'powerOn' });
  now = 180_000;
  c.tick();
  const p = c.port({ switchIndex: 2, port: 1 });
  assert.equal(p?.state, 'failed');
  assert.equal(p?.lastError, 'no progress for 180 s while poweringOn');
});

test('a tick does per-port work only for ports in a boot state (once a second over 1,000 settled ports it made 2.5 MB of garbage)', async () => {
  let reads = 0;
  let now = 0;
  const big: SwitchInfo[] = [{ index: 1, name: 'big', address: '10.0.0.2', ports: 1000 }];
  const c = await Cluster.open({ switches: big, hosts: [], store: new MemoryStateStore(), timeoutMs: 180_000, now: () => (reads++, now) });
  c.apply({ switchIndex: 1, port: 500 }, { type: 'powerOn' });
  now = 180_000;
  reads = 0;
  c.tick();
  // The clock once for the tick and once for the one stuck port's event: not once per port.
  assert.ok(reads <= 2, `${reads} clock reads for one tick`);
  assert.equal(c.port({ switchIndex: 1, port: 500 })?.state, 'failed');
  assert.equal(c.ports().filter((p) => p.state === 'failed').length, 1);
});

test('portsWhere returns the views of the ports whose state passes, in switch then port order', async () => {
  const c = await open();
  c.apply({ switchIndex: 2, port: 2 }, { type: 'powerOn' });
  c.apply({ switchIndex: 1, port: 3 }, { type: 'powerOn' });
  const seen: string[] = [];
  const got = c.portsWhere((st, id) => (seen.push(id), st.state === 'poweringOn'));
  assert.deepEqual(got.map((p) => `${p.switchName}:${p.port}:${p.state}`), ['sw1:3:poweringOn', 'sw2:2:poweringOn']);
  assert.equal(got[0], c.port({ switchIndex: 1, port: 3 }), 'the same view port() gives');
  assert.deepEqual(seen, ['1.1', '1.2', '1.3', '1.4', '2.1', '2.2'], 'every port tested once, by its id');
});

test('learned MACs bind ports without hosts.csv rows, move with the MAC, and persist', async () => {
  const store = new MemoryStateStore();
  const c = await open(store);
  await c.learnMac({ switchIndex: 2, port: 1 }, 'dc:a6:32:00:00:01');
  assert.equal(c.byMac('dc:a6:32:00:00:01')?.switchName, 'sw2');
  await c.learnMac({ switchIndex: 2, port: 2 }, 'dc:a6:32:00:00:01');
  assert.equal(c.port({ switchIndex: 2, port: 1 })?.mac, null);
  assert.equal(c.byMac('dc:a6:32:00:00:01')?.port, 2);
  const again = await open(store);
  assert.equal(again.port({ switchIndex: 2, port: 2 })?.mac, 'dc:a6:32:00:00:01');
});

test('state of ports no longer in the config is not applied, and is written back unchanged', async () => {
  const store = new MemoryStateStore();
  const st = { ...(await open()).port({ switchIndex: 1, port: 1 })!, reinstall: true };
  const { switchIndex: _s, port: _p, switchName: _n, mac: _m, ip: _i, hostname: _h, ...portState } = st;
  store.snapshot = { version: 2, ports: { 'sw1:99': portState, 'gone:1': portState }, counters: { dhcpOffers: 0, dhcpAcks: 0, tftpFiles: 0, installsDone: 0, installsFailed: 0, bootRetries: 0 }, learned: [{ switch: 'gone', port: 1, mac: 'b8:27:eb:00:00:42' }] };
  const c = await open(store);
  assert.equal(c.ports().length, 6);
  assert.deepEqual(c.ports().filter((p) => p.reinstall), []);
  assert.deepEqual(c.restoreNotes.kept, ['sw1:99', 'gone:1']);
  await c.persist();
  const snap = store.snapshot as { ports: Record<string, { reinstall: boolean }>; learned: unknown[] };
  assert.equal(snap.ports['sw1:99']?.reinstall, true);
  assert.equal(snap.ports['gone:1']?.reinstall, true);
  assert.deepEqual(snap.learned, [{ switch: 'gone', port: 1, mac: 'b8:27:eb:00:00:42' }]);
  await c.learnMac({ switchIndex: 2, port: 1 }, 'b8:27:eb:00:00:42');
  assert.deepEqual((store.snapshot as { learned: unknown[] }).learned, [{ switch: 'sw2', port: 1, mac: 'b8:27:eb:00:00:42' }], 'a MAC seen again elsewhere forgets its old sighting');
});

test('a failed state write nobody awaits is reported, not thrown as an unhandled rejection', async () => {
  const errors: unknown[] = [];
  const store = new MemoryStateStore();
  const c = await Cluster.open({ switches, hosts, store, timeoutMs: 180_000, onPersistError: (e) => errors.push(e) });
  store.save = async () => {
    throw new Error('ENOSPC: no space left on device');
  };
  const r = c.apply({ switchIndex: 1, port: 1 }, { type: 'powerOn' });
  await assert.rejects(r.persisted, /ENOSPC/);
  c.apply({ switchIndex: 1, port: 2 }, { type: 'powerOn' });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(errors.length, 2);
  assert.equal(c.port({ switchIndex: 1, port: 2 })?.state, 'poweringOn', 'memory state moves on');
});

test('port views are reused until the port or a binding changes', async () => {
  const c = await open();
  const k = { switchIndex: 2, port: 1 };
  const a = c.port(k);
  assert.equal(c.port(k), a, 'same object while nothing changed');
  c.apply(k, { type: 'powerOn' });
  const b = c.port(k);
  assert.notEqual(b, a);
  assert.equal(b?.state, 'poweringOn');
  await c.learnMac(k, 'dc:a6:32:00:00:09');
  assert.equal(c.port(k)?.mac, 'dc:a6:32:00:00:09');
  c.noteLearnedAddress(k, '10.0.0.41');
  assert.equal(c.port(k)?.ip, '10.0.0.41');
});

test('undo puts a port back as it was before the events, in reverse order, unless a later event moved it', async () => {
  const c = await open();
  const key = { switchIndex: 1, port: 3 };
  c.apply(key, { type: 'up' });
  const seen: string[] = [];
  c.on(({ effect }) => effect.type === 'stateChanged' && seen.push(`${effect.from}->${effect.to}`));
  const steps = [c.apply(key, { type: 'hello' }), c.apply(key, { type: 'markReinstall' }), c.apply(key, { type: 'decision', action: 'format' })];
  assert.equal(c.port(key)?.state, 'installing');
  for (const r of steps.reverse()) r.undo();
  assert.deepEqual({ state: c.port(key)?.state, reinstall: c.port(key)?.reinstall }, { state: 'up', reinstall: false });
  assert.deepEqual(seen, ['up->netbooting', 'netbooting->installing', 'installing->netbooting', 'netbooting->up']);
  // Superseded: an event after the one undone keeps its effect.
  const r = c.apply(key, { type: 'markReinstall' });
  c.apply(key, { type: 'fail', reason: 'x' });
  r.undo();
  assert.equal(c.port(key)?.state, 'failed');
  assert.equal(c.port(key)?.reinstall, true);
});

test('the last netboot (PXE DHCP) is recorded per port, also while an install keeps its state, and forgotten once up', async () => {
  let t = 1000;
  const c = await open(new MemoryStateStore(), () => t);
  const k = { switchIndex: 1, port: 3 };
  assert.equal(c.lastNetboot(k), null);
  c.apply(k, { type: 'dhcp', pxe: false });
  assert.equal(c.lastNetboot(k), null, 'an OS lease is no netboot');
  c.apply(k, { type: 'dhcp', pxe: true });
  assert.equal(c.lastNetboot(k), 1000);
  c.apply(k, { type: 'decision', action: 'format' });
  t = 2000;
  assert.equal(c.apply(k, { type: 'dhcp', pxe: true }).ok, false, 'the install keeps running');
  assert.equal(c.port(k)!.state, 'installing');
  assert.equal(c.lastNetboot(k), 2000);
  c.apply(k, { type: 'up' });
  assert.equal(c.lastNetboot(k), null);
});

test('addHost (a binding from DHCP option 82) takes only a port without a MAC, for an unbound MAC and a free address', async () => {
  const c = await open();
  const first = hosts[0]!;
  const freePort = { switchIndex: first.switchIndex, port: 4 };
  assert.equal(c.addHost({ ...freePort, mac: first.mac, ip: null, hostname: null }), false, 'MAC bound elsewhere');
  assert.equal(c.addHost({ switchIndex: first.switchIndex, port: first.port, mac: '02:00:00:00:00:99', ip: null, hostname: null }), false, 'port has a MAC');
  if (first.ip) assert.equal(c.addHost({ ...freePort, mac: '02:00:00:00:00:98', ip: first.ip, hostname: null }), false, 'address taken');
  assert.equal(c.addHost({ ...freePort, port: 999, mac: '02:00:00:00:00:97', ip: null, hostname: null }), false, 'no such port');
  c.unknownMacs.record('02:00:00:00:00:96', 1000, null);
  assert.equal(c.addHost({ ...freePort, mac: '02:00:00:00:00:96', ip: '10.9.9.9', hostname: null }), true);
  assert.equal(c.port(freePort)?.mac, '02:00:00:00:00:96');
  assert.equal(c.byIp('10.9.9.9')?.port, 4);
  assert.equal(c.unknownMacs.list().length, 0, 'no longer unknown');
});
