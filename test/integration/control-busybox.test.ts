/**
 * Acceptance: the shipped Pi-side script, run under Debian's busybox (sh, nc,
 * gunzip, tar), against piman's control and rootfs servers on loopback.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRootfs, listTree } from '../helpers/rootfs-fixture.js';
import { runBusyboxPi, targetOf } from '../helpers/busybox-pi.js';
import { startInstall, waitForState, netboot, PI } from '../helpers/install-cluster.js';

const work = await mkdtemp(join(tmpdir(), 'piman-busybox-pi-'));
const fx = await makeRootfs(work);
const { cluster, servers, controlPort, installPort } = await startInstall({ rootfs: fx.archive });
after(async () => {
  await servers.stop();
  await rm(work, { recursive: true, force: true });
});
const pi = (trace = false) => {
  netboot(cluster); // every boot starts with the boot ROM's DHCP
  return runBusyboxPi({ work, controlPort, installPort, trace });
};

test('uninstalled Pi: format, rootfs streamed and unpacked, confirmed; the next boot is told boot', async () => {
  const first = await pi(true);
  assert.equal(first.code, 0, 'the script exits 0 after mounting the new root');
  assert.equal(first.steps[0]?.split(' ')[0], 'clock');
  assert.match(first.steps[0]!, /^clock \d{12}\.\d{2}$/);
  assert.deepEqual(first.steps.slice(1), ['format', 'unpacked', 'mount']);
  assert.deepEqual(await listTree(targetOf(work)), await listTree(fx.tree), 'the unpacked tree matches the archive');
  await waitForState(cluster, PI, 'up'); // the script may exit before piman read its last lines
  const p = cluster.port(PI)!;
  assert.equal(p.state, 'up');
  assert.equal(p.reinstall, false);
  assert.equal(p.lastError, '');
  assert.equal(cluster.getCounters().installsDone, 1);

  const second = await pi();
  assert.equal(second.code, 0);
  assert.deepEqual(second.steps.slice(1), ['mount'], 'installed and unmarked: boot, no format');
  await waitForState(cluster, PI, 'up');
  assert.equal(cluster.getCounters().installsDone, 1);
});

test('marked for reinstall: the next hello gets format; after the install the mark reads false', async () => {
  await cluster.apply(PI, { type: 'markReinstall' }).persisted;
  assert.equal(cluster.port(PI)!.reinstall, true);
  const run = await pi(true);
  assert.equal(run.code, 0);
  assert.deepEqual(run.steps.slice(1), ['format', 'unpacked', 'mount']);
  assert.deepEqual(await listTree(targetOf(work)), await listTree(fx.tree));
  await waitForState(cluster, PI, 'up');
  assert.equal(cluster.port(PI)!.reinstall, false);
  assert.equal(cluster.getCounters().installsDone, 2);
});

test('a damaged archive: the Pi reports INSTALL_FAILED, the port fails with the reason and stays marked', async () => {
  const whole = await readFile(fx.archive);
  const broken = join(work, 'broken.tgz');
  await writeFile(broken, whole.subarray(0, Math.floor(whole.length / 2)));
  const other = await startInstall({ rootfs: broken });
  try {
    netboot(other.cluster);
    const bad = await runBusyboxPi({ work: join(work, 'broken-pi'), controlPort: other.controlPort, installPort: other.installPort });
    assert.equal(bad.code, 1);
    assert.deepEqual(bad.steps.slice(1), ['format'], 'no mount after a failed unpack');
    await waitForState(other.cluster, PI, 'failed');
    const p = other.cluster.port(PI)!;
    assert.match(p.lastError, /Pi could not unpack the rootfs: rootfs stream: nc=0 gunzip=[1-9]/);
    assert.equal(p.reinstall, true);
    assert.equal(other.cluster.getCounters().installsFailed, 1);
  } finally {
    await other.servers.stop();
  }
});
