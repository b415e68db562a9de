/**
 * The install flow through the real daemon: `node bin/piman.js server` (DHCP,
 * TFTP and agent disabled) on a temp config and state folder, the shipped
 * Pi script under busybox installs, then a SIGTERM leaves the state on disk.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRootfs, listTree } from '../helpers/rootfs-fixture.js';
import { runBusyboxPi, targetOf } from '../helpers/busybox-pi.js';
import { withTimeout } from '../helpers/line-client.js';
import { parseSnapshot } from '../../src/store/state-store.js';
import { JsonLines } from '../helpers/json-lines.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const PIMAN = resolve(here, '../../bin/piman.js');

const work = await mkdtemp(join(tmpdir(), 'piman-control-daemon-'));
const fx = await makeRootfs(work);
await writeFile(join(work, 'hosts.csv'), 'switch,port,mac,ip,hostname\nsw1,1,b8:27:eb:00:00:01,127.0.0.1,pi1\n');
await writeFile(
  join(work, 'piman.yaml'),
  [
    'server: { address: 127.0.0.1 }',
    'dhcp: { enabled: false }',
    'tftp: { enabled: false }',
    'agent: { enabled: false }',
    'control: { address: 127.0.0.1, port: 0 }',
    'install: { address: 127.0.0.1, port: 0, rootfs: ./rootfs.tgz }',
    'hosts: ./hosts.csv',
    'state: ./state',
    'log: { level: info }',
    'switches:',
    '  - { name: sw1, address: 127.0.0.1, ports: 4 }',
    '',
  ].join('\n'),
);
let child: ChildProcess | null = null;
after(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await rm(work, { recursive: true, force: true });
});

test('piman server: uninstalled busybox Pi installs; state on disk after SIGTERM', async () => {
  const c = spawn(process.execPath, [PIMAN, '-c', join(work, 'piman.yaml'), 'server'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, PIMAN_LOG_LEVEL: 'info' } });
  child = c;
  const out = new JsonLines(c.stdout!);
  const control = (await out.waitFor((j) => j.msg === 'control channel listening', 'control channel listening')).port as number;
  const install = (await out.waitFor((j) => j.msg === 'rootfs server listening', 'rootfs server listening')).port as number;
  const ports = { control, install };
  const run = await runBusyboxPi({ work, controlPort: ports.control, installPort: ports.install });
  assert.equal(run.code, 0);
  assert.deepEqual(run.steps.slice(1), ['format', 'unpacked', 'mount']);
  assert.deepEqual(await listTree(targetOf(work)), await listTree(fx.tree));
  // The daemon logs every state change; wait for the Pi's `up` before stopping it.
  await out.waitFor((j) => j.msg === 'port state' && j.to === 'up', "the daemon's 'port state ... up' log line");

  const exited = new Promise((res) => c.once('exit', res));
  c.kill('SIGTERM');
  await withTimeout(exited, 30_000, 'piman server stops');
  const snap = parseSnapshot(await readFile(join(work, 'state', 'cluster.json'), 'utf8'), 'cluster.json');
  assert.equal(snap.ports['sw1:1']!.state, 'up');
  assert.equal(snap.ports['sw1:1']!.reinstall, false);
  assert.equal(snap.counters.installsDone, 1);
});
