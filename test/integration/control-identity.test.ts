/**
 * Issue 12, items 2 and 3: a Pi is its MAC and its address together; the
 * control and rootfs ports bound their connections. Each scenario runs its
 * own install servers with a neighbour table the test controls (the
 * loopback exemption turned off where the MAC check is under test).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRootfs } from '../helpers/rootfs-fixture.js';
import { startInstall, waitForState, netboot, PI } from '../helpers/install-cluster.js';
import { LineClient, withTimeout } from '../helpers/line-client.js';
import { createLogger } from '../../src/log.js';
import type { Neighbour, NeighbourTable } from '../../src/control/neighbours.js';
import type { Cluster } from '../../src/cluster/cluster.js';

const PI_MAC = 'b8:27:eb:00:00:01';
const work = await mkdtemp(join(tmpdir(), 'piman-identity-'));
const fx = await makeRootfs(work);
const stops: Array<() => Promise<void>> = [];
const clients: LineClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  for (const s of stops) await s();
  await rm(work, { recursive: true, force: true });
});

function table(entries: Record<string, Neighbour>): NeighbourTable {
  return { lookup: async (ip) => entries[ip] ?? null };
}

async function servers(o: Parameters<typeof startInstall>[0] extends infer T ? Partial<T> : never = {}) {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', pretty: false, destination: { write: (l: string) => void lines.push(l) } });
  const s = await startInstall({ rootfs: fx.archive, log, ...o });
  stops.push(() => s.servers.stop());
  return { ...s, lines };
}

async function dial(port: number): Promise<LineClient> {
  const c = await LineClient.connect(port, '127.0.0.1');
  clients.push(c);
  return c;
}

/** Connects to the rootfs port like `nc $master 4444 </dev/null`; resolves with the bytes received once closed. */
function fetchRootfs(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const s = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1' });
    s.on('data', (d: Buffer) => (bytes += d.length));
    s.on('error', () => undefined);
    s.on('close', () => resolve(bytes));
    s.setTimeout(20_000, () => (s.destroy(), reject(new Error('rootfs fetch timed out'))));
    s.end();
  });
}

function bringUp(cluster: Cluster): void {
  netboot(cluster);
  cluster.apply(PI, { type: 'hello' });
  cluster.apply(PI, { type: 'decision', action: 'boot' });
  cluster.apply(PI, { type: 'up' });
}

test("a host that took a Pi's address (another MAC) gets no format, no archive, and cannot clear the operator's mark", async () => {
  const { cluster, controlPort, installPort, lines } = await servers({
    identity: { neighbours: table({ '127.0.0.1': { mac: '02:00:00:00:00:99', device: 'lo' } }), exemptLoopback: false, requireNetboot: true },
  });
  await cluster.apply(PI, { type: 'markReinstall' }).persisted;
  netboot(cluster); // a forged DISCOVER with the Pi's MAC: cheap, so it must not be enough
  const c = await dial(controlPort);
  c.send('IS_UNINSTALLED\n');
  const got = await fetchRootfs(installPort);
  c.send('IS_FORMATTED\nIS_INSTALLED\nFINISHED MOUNTING\n');
  await withTimeout(c.closed, 10_000, 'impostor closed');
  assert.equal(c.bytes, 0, 'nothing sent to the impostor');
  assert.equal(got, 0, 'no archive for the impostor');
  const p = cluster.port(PI)!;
  assert.equal(p.reinstall, true, "the operator's mark stays");
  assert.notEqual(p.state, 'installing');
  assert.equal(cluster.getCounters().installsDone, 0);
  assert.ok(lines.some((l) => l.includes('its MAC is 02:00:00:00:00:99, but hosts.csv binds b8:27:eb:00:00:01')), 'the refusal names both MACs');
});

test('the Pi with its bound MAC is served; an address with no neighbour entry is refused', async () => {
  const good = await servers({ identity: { neighbours: table({ '127.0.0.1': { mac: PI_MAC, device: 'lo' } }), exemptLoopback: false, requireNetboot: true } });
  netboot(good.cluster);
  const c = await dial(good.controlPort);
  assert.match((await c.commands(1))[0]!, /^busybox date -s /);
  c.close();
  const none = await servers({ identity: { neighbours: table({}), exemptLoopback: false, requireNetboot: true } });
  netboot(none.cluster);
  const d = await dial(none.controlPort);
  await withTimeout(d.closed, 10_000, 'closed without a neighbour entry');
  assert.equal(d.bytes, 0);
});

test('the rootfs goes only to a Pi that netbooted within the boot timeout before it was told format', async () => {
  // No netboot at all (DHCP never saw it): told format, but the archive is refused.
  const a = await servers({ identity: { exemptLoopback: true, requireNetboot: true, netbootWindowMs: 60_000 } });
  const c = await dial(a.controlPort);
  c.send('IS_UNINSTALLED\n');
  assert.deepEqual((await c.commands(2)).slice(1), ['format']);
  assert.equal(await fetchRootfs(a.installPort), 0);
  assert.ok(a.lines.some((l) => l.includes('saw no netboot (PXE DHCP) from its MAC')));
  // A netboot longer ago than the window: refused too.
  const b = await servers({ identity: { exemptLoopback: true, requireNetboot: true, netbootWindowMs: 200 } });
  netboot(b.cluster);
  await new Promise((r) => setTimeout(r, 400));
  const d = await dial(b.controlPort);
  d.send('IS_UNINSTALLED\n');
  assert.deepEqual((await d.commands(2)).slice(1), ['format']);
  assert.equal(await fetchRootfs(b.installPort), 0);
  // A fresh netboot: the archive streams.
  netboot(b.cluster);
  const e = await dial(b.controlPort);
  e.send('IS_UNINSTALLED\n');
  assert.deepEqual((await e.commands(2)).slice(1), ['format']);
  assert.ok((await fetchRootfs(b.installPort)) > 0);
});

test('a hello from a Pi that is up, with no netboot before it, is logged and changes nothing', async () => {
  const { cluster, controlPort, lines } = await servers();
  bringUp(cluster);
  const before = cluster.port(PI)!;
  const c = await dial(controlPort);
  await withTimeout(c.closed, 10_000, 'closed');
  assert.equal(c.bytes, 0, 'no date, no decision');
  assert.equal(cluster.port(PI), before, 'the port state is untouched');
  assert.ok(lines.some((l) => l.includes('hello from a Pi that is up and did not netboot since')));
  // After a netboot it is a boot again.
  netboot(cluster);
  const d = await dial(controlPort);
  assert.match((await d.commands(1))[0]!, /^busybox date -s /);
  assert.equal(cluster.port(PI)!.state, 'netbooting');
});

test('a forged netboot DHCP during an install neither aborts it nor resets the port', async () => {
  const { cluster, controlPort, installPort } = await servers();
  netboot(cluster);
  const c = await dial(controlPort);
  c.send('IS_UNINSTALLED\n');
  await c.commands(2);
  netboot(cluster); // someone else's DISCOVER carrying the Pi's MAC
  assert.equal(cluster.port(PI)!.state, 'installing');
  assert.ok((await fetchRootfs(installPort)) > 0);
  c.send('IS_INSTALLED\n');
  await waitForState(cluster, PI, 'booting');
  assert.equal(cluster.getCounters().installsFailed, 0);
  assert.equal(cluster.getCounters().installsDone, 1);
});

test('3,000-style flood from one known address: only maxConnectionsPerAddress are served, the log stays short', async () => {
  const { cluster, controlPort, lines } = await servers({ control: { maxConnections: 1024, maxConnectionsPerAddress: 4 } });
  netboot(cluster);
  const N = 200;
  const conns = await Promise.all(Array.from({ length: N }, () => dial(controlPort)));
  // Each one is either served (gets the date) or closed at once.
  await Promise.all(conns.map((c) => withTimeout(Promise.race([c.closed, c.waitFor((ls) => ls.includes('EOM'), 'date')]), 10_000, 'served or closed')));
  const served = conns.filter((c) => c.lines.includes('EOM')).length;
  assert.ok(served <= 4, `${served} served`);
  assert.ok(served >= 1);
  for (const c of conns) c.close();
  assert.ok(lines.length < 40, `${lines.length} log lines`);
  assert.ok(lines.some((l) => l.includes('maxConnectionsPerAddress')));
});

test('repeated hellos from an up Pi (no netboot) never move it, and log a few lines only', async () => {
  const { cluster, controlPort, lines } = await servers();
  bringUp(cluster);
  for (let i = 0; i < 150; i++) {
    const c = await dial(controlPort);
    c.send('IS_INSTALLED\n');
    await withTimeout(c.closed, 10_000, 'closed');
    assert.equal(c.bytes, 0);
  }
  assert.equal(cluster.port(PI)!.state, 'up');
  assert.ok(lines.length < 40, `${lines.length} log lines`);
});

test('rootfs connections beyond maxConnections are closed at once', async () => {
  const { controlPort, installPort, cluster, lines } = await servers({ install: { maxConnections: 1 } });
  netboot(cluster);
  const c = await dial(controlPort);
  c.send('IS_UNINSTALLED\n');
  await c.commands(2);
  // Holds the one slot: connected, not reading.
  const held = connect({ host: '127.0.0.1', port: installPort, localAddress: '127.0.0.1' });
  held.on('error', () => undefined);
  held.pause();
  await new Promise((r) => held.once('connect', r));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(await fetchRootfs(installPort), 0);
  held.destroy();
  assert.ok(lines.some((l) => l.includes('rootfs connection from 127.0.0.1 closed: 1 connections are open (maxConnections)')));
});
