/**
 * Acceptance: piman SIGKILLed while it streams the rootfs, then started again
 * on the same state folder: nothing is lost and the reconnecting Pi (the
 * shipped script under busybox, with a half-written card that looks
 * installed) is told `format` again and completes the install.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRootfs, listTree } from '../helpers/rootfs-fixture.js';
import { runBusyboxPi, targetOf } from '../helpers/busybox-pi.js';
import { LineClient, withTimeout } from '../helpers/line-client.js';
import { parseSnapshot } from '../../src/store/state-store.js';
import { JsonLines } from '../helpers/json-lines.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const HELPER = resolve(here, '../helpers/install-daemon.ts');

const work = await mkdtemp(join(tmpdir(), 'piman-control-crash-'));
const fx = await makeRootfs(work, { bigBytes: 48 * 1024 * 1024 });
await writeFile(join(work, 'hosts.csv'), 'switch,port,mac,ip,hostname\nsw1,1,b8:27:eb:00:00:01,127.0.0.1,pi1\n');
await writeFile(
  join(work, 'piman.yaml'),
  [
    'server: { address: 127.0.0.1 }',
    // The helper runs the install servers only: no DHCP sees the Pi netboot.
    'dhcp: { enabled: false }',
    'control: { address: 127.0.0.1, port: 0 }',
    'install: { address: 127.0.0.1, port: 0, rootfs: ./rootfs.tgz }',
    'hosts: ./hosts.csv',
    'state: ./state',
    'switches:',
    '  - { name: sw1, address: 127.0.0.1, ports: 4 }',
    '',
  ].join('\n'),
);

const children = new Set<ChildProcess>();
const sockets = new Set<Socket>();
after(async () => {
  for (const s of sockets) s.destroy();
  for (const c of children) if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
  await rm(work, { recursive: true, force: true });
});

async function startPiman(): Promise<{ child: ChildProcess; out: JsonLines; controlPort: number; installPort: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', HELPER, join(work, 'piman.yaml')], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const out = new JsonLines(child.stdout!);
  const ports = (await out.waitFor((j) => typeof j.controlPort === 'number', 'piman helper ports')) as { controlPort: number; installPort: number };
  return { child, out, controlPort: ports.controlPort, installPort: ports.installPort };
}

async function portState() {
  const snap = parseSnapshot(await readFile(join(work, 'state', 'cluster.json'), 'utf8'), 'cluster.json');
  return { port: snap.ports['sw1:1']!, counters: snap.counters };
}

test('SIGKILL mid-stream, restart on the same state: the Pi is told format again and the install completes', async () => {
  const first = await startPiman();
  const c = await LineClient.connect(first.controlPort);
  await c.commands(1);
  c.send('IS_UNINSTALLED\n');
  assert.deepEqual((await c.commands(2)).slice(1), ['format']);
  c.send('IS_FORMATTED\n');

  // The Pi reads the first MiB of the archive, then stops reading: the stream is mid-way.
  const stream = connect({ host: '127.0.0.1', port: first.installPort, localAddress: '127.0.0.1' });
  sockets.add(stream);
  stream.on('error', () => undefined);
  await withTimeout(
    new Promise<void>((res) => {
      let got = 0;
      stream.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= 1024 * 1024) {
          stream.pause();
          res();
        }
      });
    }),
    30_000,
    'first MiB of the rootfs',
  );
  const before = await portState();
  assert.equal(before.port.state, 'installing');
  assert.equal(before.port.reinstall, true);

  const exited = new Promise((res) => first.child.once('exit', res));
  process.kill(first.child.pid!, 'SIGKILL');
  await withTimeout(exited, 30_000, 'piman exits on SIGKILL');
  stream.destroy();
  c.close();

  const onDisk = await portState();
  assert.equal(onDisk.port.reinstall, true, 'the mark survived the crash');
  assert.equal(onDisk.port.state, 'installing');

  const second = await startPiman();
  const restarted = await portState();
  assert.equal(restarted.port.state, 'failed', 'the cut install is recorded as failed on restart');
  assert.match(restarted.port.lastError, /restarted during the install/);
  assert.equal(restarted.port.reinstall, true);

  // The card holds a partial unpack that looks installed: only the mark makes piman format it.
  await mkdir(join(targetOf(work), 'bin'), { recursive: true });
  const run = await runBusyboxPi({ work, controlPort: second.controlPort, installPort: second.installPort, timeoutMs: 120_000 });
  assert.equal(run.code, 0);
  assert.deepEqual(run.steps.slice(1), ['format', 'unpacked', 'mount']);
  assert.deepEqual(await listTree(targetOf(work)), await listTree(fx.tree));
  await second.out.waitFor((j) => j.port === '1.1' && j.to === 'up', 'port 1.1 up');

  const exited2 = new Promise((res) => second.child.once('exit', res));
  process.kill(second.child.pid!, 'SIGTERM');
  await withTimeout(exited2, 30_000, 'piman stops on SIGTERM');
  const done = await portState();
  assert.equal(done.port.reinstall, false);
  assert.equal(done.port.state, 'up');
  assert.equal(done.counters.installsDone, 1);
  assert.equal(done.counters.installsFailed, 1);
});
