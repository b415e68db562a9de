/** piman's SET handler in the agent's phases: whatever fails, no port stays reserved. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../src/cluster/cluster.js';
import type { PortKey } from '../../src/cluster/types.js';
import { MemoryStateStore, type ClusterSnapshot } from '../../src/store/state-store.js';
import { createSetHandler, type PowerControl } from '../../src/agent/set-handler.js';
import { PORT_TABLE } from '../../src/agent/mib-providers.js';
import { PORT_COL, portColumnOid, TRUE } from '../../src/agent/oids.js';
import { ERR, type SetVarbind } from '../../src/snmp/process.js';
import { TAG } from '../../src/snmp/wire.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { eventually } from '../helpers/eventually.js';
import type { Principal } from '../../src/snmp/access.js';

class FailingStore extends MemoryStateStore {
  fail = false;
  override save(snapshot: () => ClusterSnapshot): Promise<void> {
    return this.fail ? Promise.reject(new Error('disk full')) : super.save(snapshot);
  }
}

const WHO: Principal = { name: 'private', model: 'community', access: 'rw' };

async function setup(): Promise<{ store: FailingStore; handler: ReturnType<typeof createSetHandler>; cycles: PortKey[] }> {
  const store = new FailingStore();
  const cluster = await Cluster.open({ switches: [{ index: 1, name: 'sw1', address: '127.0.0.1', ports: 4 }], hosts: [], store, timeoutMs: 60_000 });
  const cycles: PortKey[] = [];
  const power: PowerControl = { isBusy: () => false, cycle: async (k) => void cycles.push(...k), setPower: async () => undefined };
  return { store, cycles, handler: createSetHandler({ cluster, power, log: silentLogger(), canPower: () => true }) };
}

const vb = (column: number, port: number, value: unknown, type: number = TAG.INTEGER, provider = PORT_TABLE): SetVarbind => {
  const oid = portColumnOid(column as never, 1, port);
  return { oid, address: oid.split('.').map(Number), type: type as never, value: value as never, provider, exists: true };
};

/** A handler over a cluster whose store can fail: its log lines, and the failed writes the cluster reported. */
async function loggedSite(more: Pick<Parameters<typeof createSetHandler>[0], 'imageProblem'> = {}) {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', pretty: false, destination: { write: (l: string) => void lines.push(l) } });
  const store = new FailingStore();
  const reported: unknown[] = [];
  const cluster = await Cluster.open({
    switches: [{ index: 1, name: 'sw1', address: '127.0.0.1', ports: 4 }],
    hosts: [],
    store,
    timeoutMs: 60_000,
    onPersistError: (e) => reported.push(e),
  });
  const power: PowerControl = { isBusy: () => false, cycle: async () => undefined, setPower: async () => undefined };
  return { handler: createSetHandler({ cluster, power, log, canPower: () => true, ...more }), store, reported, lines };
}

test('test phase: a bad varbind after a good one reserves nothing (finding 3)', async () => {
  const { handler } = await setup();
  const r = handler.handle([vb(PORT_COL.pimanPortRestart, 2, TRUE), vb(PORT_COL.pimanPortRestart, 3, 7)], WHO);
  assert.deepEqual(r, { ok: false, index: 1, status: ERR.wrongValue });
  assert.equal(handler.reserved.size, 0);
  const other = handler.handle([vb(PORT_COL.pimanPortRestart, 2, TRUE), vb(PORT_COL.pimanPortRestart, 3, TRUE, TAG.INTEGER, 'sysDescr')], WHO);
  assert.equal(other.ok, false);
  assert.equal(handler.reserved.size, 0);
});

test('commit phase: a mark that cannot be stored releases the reservation', async () => {
  const { store, handler, cycles } = await setup();
  const r = handler.handle([vb(PORT_COL.pimanPortReinstall, 2, TRUE)], WHO);
  assert.ok(r.ok);
  assert.deepEqual([...handler.reserved], ['1.2']);
  store.fail = true;
  await assert.rejects(r.commit(), /disk full/);
  assert.equal(handler.reserved.size, 0);
  assert.deepEqual(cycles, []);
});

test('release without commit (the agent could not go on) frees the ports; a second release is harmless', async () => {
  const { handler } = await setup();
  const r = handler.handle([vb(PORT_COL.pimanPortRestart, 2, TRUE)], WHO);
  assert.ok(r.ok);
  r.release();
  r.release();
  assert.equal(handler.reserved.size, 0);
  assert.ok(handler.handle([vb(PORT_COL.pimanPortRestart, 2, TRUE)], WHO).ok, 'the port can be set again');
});

test('success: the power action starts and the reservation is gone', async () => {
  const { handler, cycles } = await setup();
  const r = handler.handle([vb(PORT_COL.pimanPortRestart, 2, TRUE)], WHO);
  assert.ok(r.ok);
  await r.commit();
  assert.equal(handler.reserved.size, 0);
  assert.deepEqual(cycles, [{ switchIndex: 1, port: 2 }]);
});

test('a state write that fails is logged once, by the cluster (onPersistError); the handler only says the SET was not stored', async () => {
  const { handler, store, reported, lines } = await loggedSite();
  const r = handler.handle([vb(PORT_COL.pimanPortReinstall, 2, TRUE)], WHO);
  assert.ok(r.ok);
  store.fail = true;
  await assert.rejects(r.commit(), /disk full/);
  // The mark's write and the undo's write both failed; the cluster reported each.
  await eventually(() => reported.length === 2, 'both failed writes reported by the cluster');
  await new Promise((res) => setImmediate(res));
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { msg: string }).msg), ['SNMP SET could not be stored']);
});

test('an image choice whose undo cannot be stored either is logged once too, by the cluster', async () => {
  const { handler, store, reported, lines } = await loggedSite({ imageProblem: (n) => (n === 'b' ? null : 'unknown') });
  const r = handler.handle([vb(PORT_COL.pimanPortImage, 2, Buffer.from('b'), TAG.OCTET_STRING), vb(PORT_COL.pimanPortReinstall, 2, TRUE)], WHO);
  assert.ok(r.ok);
  store.fail = true;
  await assert.rejects(r.commit(), /disk full/);
  // The image's and the mark's writes and both undos failed; the cluster reported each.
  await eventually(() => reported.length === 4, 'every failed write reported by the cluster');
  await new Promise((res) => setImmediate(res));
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { msg: string }).msg), ['SNMP SET could not be stored']);
});

test('image and reinstall in one SET: stored together; when the write fails, both are undone and nothing is power-cycled', async () => {
  const store = new FailingStore();
  const cluster = await Cluster.open({ switches: [{ index: 1, name: 'sw1', address: '127.0.0.1', ports: 4 }], hosts: [], store, timeoutMs: 60_000 });
  const cycles: PortKey[] = [];
  const power: PowerControl = { isBusy: () => false, cycle: async (k) => void cycles.push(...k), setPower: async () => undefined };
  const handler = createSetHandler({ cluster, power, log: silentLogger(), canPower: () => true, imageProblem: (n) => (n === 'b' ? null : 'unknown') });
  const set = () => handler.handle([vb(PORT_COL.pimanPortImage, 2, Buffer.from('b'), TAG.OCTET_STRING), vb(PORT_COL.pimanPortReinstall, 2, TRUE)], WHO);
  store.fail = true;
  const r = set();
  assert.ok(r.ok);
  await assert.rejects(r.commit(), /disk full/);
  const k = { switchIndex: 1, port: 2 };
  assert.equal(cluster.port(k)!.image, '');
  assert.equal(cluster.port(k)!.reinstall, false);
  assert.deepEqual(cycles, []);
  store.fail = false;
  const ok = set();
  assert.ok(ok.ok);
  await ok.commit();
  assert.equal(cluster.port(k)!.image, 'b');
  assert.equal(cluster.port(k)!.reinstall, true);
  const saved = store.snapshot as ClusterSnapshot;
  assert.equal(saved.ports['sw1:2']!.image, 'b');
  assert.equal(saved.ports['sw1:2']!.reinstall, true);
  const unknown = handler.handle([vb(PORT_COL.pimanPortImage, 3, Buffer.from('zz'), TAG.OCTET_STRING), vb(PORT_COL.pimanPortReinstall, 3, TRUE)], WHO);
  assert.deepEqual(unknown, { ok: false, index: 0, status: ERR.inconsistentValue });
});
