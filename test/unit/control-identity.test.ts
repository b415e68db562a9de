import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseProcNetArp, ProcNetArp } from '../../src/control/neighbours.js';
import { judgeNeighbour, verifyPeer, isLoopback } from '../../src/control/identity.js';
import { ConnectionLimits } from '../../src/control/conn-limits.js';
import { netbootProblem } from '../../src/control/rootfs-server.js';
import { openConversation } from '../../src/control/conversation.js';

const ARP = [
  'IP address       HW type     Flags       HW address            Mask     Device',
  '10.0.0.7         0x1         0x2         B8:27:EB:01:02:07     *        eth1',
  '10.0.0.8         0x1         0x0         00:00:00:00:00:00     *        eth1',
  '10.0.0.9         0x1         0x6         dc:a6:32:01:36:c2     *        br0',
  'garbage line',
  '',
].join('\n');

test('/proc/net/arp: complete entries only, MACs normalised, junk skipped', () => {
  const t = parseProcNetArp(ARP);
  assert.deepEqual(t.get('10.0.0.7'), { mac: 'b8:27:eb:01:02:07', device: 'eth1' });
  assert.equal(t.get('10.0.0.8'), undefined, 'incomplete entry');
  assert.deepEqual(t.get('10.0.0.9'), { mac: 'dc:a6:32:01:36:c2', device: 'br0' });
  assert.equal(t.size, 2);
  fc.assert(fc.property(fc.string({ maxLength: 400 }), (s) => void parseProcNetArp(s)));
});

test('ProcNetArp reads the file; a missing file is an empty table', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-arp-'));
  try {
    await writeFile(join(dir, 'arp'), ARP);
    const t = new ProcNetArp(join(dir, 'arp'));
    const [a, b] = await Promise.all([t.lookup('10.0.0.7'), t.lookup('10.0.0.1')]);
    assert.equal(a?.mac, 'b8:27:eb:01:02:07');
    assert.equal(b, null);
    assert.equal(await new ProcNetArp(join(dir, 'none')).lookup('10.0.0.7'), null);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the peer is the Pi only with the bound MAC, on the Pi network interface', async () => {
  const n = { mac: 'b8:27:eb:01:02:07', device: 'eth1' };
  assert.deepEqual(judgeNeighbour('b8:27:eb:01:02:07', n, 'eth1'), { ok: true });
  assert.deepEqual(judgeNeighbour('b8:27:eb:01:02:07', n, undefined), { ok: true });
  assert.equal(judgeNeighbour('b8:27:eb:01:02:08', n, 'eth1').ok, false);
  assert.match((judgeNeighbour('b8:27:eb:01:02:07', n, 'br0') as { reason: string }).reason, /on eth1, not on the Pi network \(br0\)/);
  assert.equal(judgeNeighbour('b8:27:eb:01:02:07', null, 'eth1').ok, false);
  assert.equal(judgeNeighbour(null, n, 'eth1').ok, false);
  const none = { lookup: async () => null };
  assert.deepEqual(await verifyPeer('127.0.0.1', 'b8:27:eb:01:02:07', { neighbours: none, exemptLoopback: true }), { ok: true });
  assert.equal((await verifyPeer('127.0.0.1', 'b8:27:eb:01:02:07', { neighbours: none, exemptLoopback: false })).ok, false);
  assert.equal((await verifyPeer('10.0.0.7', 'b8:27:eb:01:02:07', { neighbours: none, exemptLoopback: true })).ok, false, 'only loopback is exempt');
  assert.ok(isLoopback('127.3.2.1') && !isLoopback('10.127.0.1'));
});

test('connection limits: per address and in total, released on close', () => {
  const l = new ConnectionLimits({ maxTotal: 3, maxPerAddress: 2 });
  assert.ok(l.admit('a').ok && l.admit('a').ok);
  assert.deepEqual(l.admit('a'), { ok: false, why: 'address' });
  assert.ok(l.admit('b').ok);
  assert.deepEqual(l.admit('c'), { ok: false, why: 'total' });
  l.release('a');
  assert.ok(l.admit('c').ok);
  l.release('zzz'); // never admitted: no effect
  assert.equal(l.count(), 3);
});

test('netboot rule of the rootfs: a netboot at most the window before the format decision', () => {
  const o = { requireNetboot: true, netbootWindowMs: 1000 };
  const e = { ip: '10.0.0.7', connection: 1, decidedAt: 5000 };
  assert.equal(netbootProblem({ ...e, netbootAt: 4500 }, o), null);
  assert.match(netbootProblem({ ...e, netbootAt: null }, o)!, /no netboot/);
  assert.match(netbootProblem({ ...e, netbootAt: 3000 }, o)!, /not within 1 s/);
  assert.match(netbootProblem({ ...e, netbootAt: 6000 }, o)!, /not within/);
  assert.equal(netbootProblem({ ...e, netbootAt: null }, { ...o, requireNetboot: false }), null);
});

test('greeting: a hello for an up Pi with no netboot since sends nothing, moves nothing, closes', () => {
  const t = openConversation(new Date(0), { state: 'up', netbootSeen: false });
  assert.deepEqual(t.send, []);
  assert.deepEqual(t.events, []);
  assert.equal(t.close, true);
  assert.equal(t.conv.phase, 'done');
  assert.deepEqual(openConversation(new Date(0), { state: 'up', netbootSeen: true }).events, [{ type: 'hello' }]);
  assert.deepEqual(openConversation(new Date(0), { state: 'failed', netbootSeen: false }).events, [{ type: 'hello' }]);
});

test('control and rootfs listen on server.address unless configured; the peer checks follow the config', async () => {
  const { parseConfigText } = await import('../../src/config/load.js');
  const { installSettings } = await import('../../src/parts.js');
  const base = 'server: { address: 10.0.0.1, interface: eth1 }\nswitches: [{ name: sw1, address: 10.0.0.2, ports: 24 }]\n';
  const s = installSettings(parseConfigText(base, '/x/piman.yaml'));
  assert.equal(s.control.address, '10.0.0.1');
  assert.equal(s.install.address, '10.0.0.1');
  assert.equal(s.control.maxConnections, 1024);
  assert.equal(s.control.maxConnectionsPerAddress, 4);
  assert.equal(s.install.maxConnectionsPerAddress, 2);
  assert.deepEqual(s.identity, { interface: 'eth1', exemptLoopback: true, requireNetboot: true, netbootWindowMs: 180_000 });
  const open = installSettings(parseConfigText(base + 'control: { address: 0.0.0.0 }\ndhcp: { enabled: false }\n', '/x/piman.yaml'));
  assert.equal(open.control.address, '0.0.0.0');
  assert.equal(open.install.address, '10.0.0.1');
  assert.equal(open.identity?.requireNetboot, false, 'another DHCP server: piman cannot see netboots');
});

test('ConnectionLimits.track keeps an admitted connection open until it closes, then frees its place', () => {
  const limits = new ConnectionLimits({ maxTotal: 10, maxPerAddress: 1 });
  const open = new Set<EventEmitter>();
  const a = new EventEmitter();
  assert.deepEqual(limits.track(a, '10.0.0.7', open), { ok: true });
  assert.ok(open.has(a));
  const b = new EventEmitter();
  assert.deepEqual(limits.track(b, '10.0.0.7', open), { ok: false, why: 'address' });
  assert.ok(!open.has(b), 'a refused connection is not kept');
  a.emit('close');
  assert.equal(open.size, 0);
  assert.equal(limits.count('10.0.0.7'), 0);
  assert.deepEqual(limits.track(b, '10.0.0.7', open), { ok: true });
});
