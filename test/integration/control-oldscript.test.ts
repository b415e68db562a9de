/**
 * The old piman.py project's Pi-side script (modelled in
 * test/helpers/old-hello-protocol.sh, disk commands shimmed) under Debian's
 * busybox nc -e, against piman's control and rootfs servers on loopback:
 * an empty card installs, and an installed, marked Pi reinstalls on the
 * first try (issue 12, item 6: its early MOUNTING / FINISHED MOUNTING, sent
 * before it reads the command, used to fail that install).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRootfs, listTree } from '../helpers/rootfs-fixture.js';
import { runBusyboxPi, targetOf, OLD_HELLO_SCRIPT, OLD_HOOKS } from '../helpers/busybox-pi.js';
import { startInstall, waitForState, netboot, PI } from '../helpers/install-cluster.js';

const work = await mkdtemp(join(tmpdir(), 'piman-old-pi-'));
const fx = await makeRootfs(work);
const { cluster, servers, controlPort, installPort } = await startInstall({ rootfs: fx.archive });
after(async () => {
  await servers.stop();
  await rm(work, { recursive: true, force: true });
});
const oldPi = () => (netboot(cluster), runBusyboxPi({ work, controlPort, installPort, script: OLD_HELLO_SCRIPT, hooks: OLD_HOOKS }));
const failures: string[] = [];
cluster.on(({ effect }) => {
  if (effect.type === 'installFailed') failures.push(effect.reason);
});

test('old script, empty card: format, rootfs unpacked, confirmed by its mount after the archive', async () => {
  const run = await oldPi();
  assert.equal(run.code, 0);
  assert.deepEqual(run.steps, ['format', 'format', 'mount'], 'mkfs twice, as the original, then the new root mounted');
  assert.deepEqual(await listTree(targetOf(work)), await listTree(fx.tree));
  await waitForState(cluster, PI, 'up');
  assert.equal(cluster.port(PI)!.reinstall, false);
  assert.equal(cluster.getCounters().installsDone, 1);
  assert.deepEqual(failures, []);
});

test('old script, installed and marked: reinstalled on the first try', async () => {
  await cluster.apply(PI, { type: 'markReinstall' }).persisted;
  const run = await oldPi();
  assert.equal(run.code, 0);
  // Its check mounts the old root before reading `format`, then it formats and mounts the new one.
  assert.deepEqual(run.steps, ['mount', 'format', 'format', 'mount']);
  assert.deepEqual(await listTree(targetOf(work)), await listTree(fx.tree));
  await waitForState(cluster, PI, 'up');
  const p = cluster.port(PI)!;
  assert.equal(p.reinstall, false, 'the mark is cleared by the completed install');
  assert.equal(p.lastError, '');
  assert.equal(cluster.getCounters().installsDone, 2);
  assert.equal(cluster.getCounters().installsFailed, 0);
  assert.deepEqual(failures, []);
});

test('old script, installed and not marked: told boot, mounts, up', async () => {
  const run = await oldPi();
  assert.equal(run.code, 0);
  assert.deepEqual(run.steps, ['mount', 'mount'], 'no format');
  await waitForState(cluster, PI, 'up');
  assert.equal(cluster.getCounters().installsDone, 2);
});
