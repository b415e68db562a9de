/**
 * The old piman.py project's Pi-side script, unchanged
 * (test/vendor/piman-py/hello_protocol.sh, run in a chroot with its disk and
 * clock commands shimmed: test/helpers/old-pi/) under Debian's busybox nc -e,
 * against piman's control and rootfs servers on loopback, in its last and its
 * first version that runs: an empty card installs, and an installed, marked Pi reinstalls on the first try (issue
 * 12, item 6: its early MOUNTING / FINISHED_MOUNTING, sent before it reads
 * the command, used to fail that install).
 *
 * The script fetches the rootfs from port 4444, fixed in it, so the servers
 * listen on a loopback address of their own (127.0.44.44) rather than on
 * 127.0.0.1 port 0: no other test binds that address.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRootfs, listTree } from '../helpers/rootfs-fixture.js';
import { runBusyboxPi, targetOf, OLD_HELLO_SCRIPT, OLD_HOOKS } from '../helpers/busybox-pi.js';
import { skipOrFail } from '../helpers/require-env.js';
import { startInstall, waitForState, netboot, PI } from '../helpers/install-cluster.js';

const MASTER = '127.0.44.44';
const OLD_SCRIPT_ROOTFS_PORT = 4444;
const work = await mkdtemp(join(tmpdir(), 'piman-old-pi-'));
const fx = await makeRootfs(join(work, 'fixture'));
const { cluster, servers, controlPort, installPort } = await startInstall({
  rootfs: fx.archive,
  control: { address: MASTER },
  install: { address: MASTER, port: OLD_SCRIPT_ROOTFS_PORT },
});
after(async () => {
  await servers.stop();
  await rm(work, { recursive: true, force: true });
});
const notRoot = process.getuid?.() !== 0 ? 'the old script runs in a chroot, which needs root' : '';
const failures: string[] = [];
cluster.on(({ effect }) => {
  if (effect.type === 'installFailed') failures.push(effect.reason);
});
const done = (): number => cluster.getCounters().installsDone;

/**
 * The last upstream version and the first that runs: that one sends no shell trace,
 * says IS_FORMATTED before it fetches the archive and `FINISHED MOUNTING`
 * with a space, and has no case for piman's date command (no `clock` step).
 */
const VERSIONS = [
  { file: 'hello_protocol.sh', clock: ['clock'] },
  { file: 'hello_protocol-7581d3a.sh', clock: [] },
];

for (const v of VERSIONS) {
  const pi = join(work, v.file);
  const oldPi = () => (netboot(cluster), runBusyboxPi({ work: pi, master: MASTER, controlPort, installPort, script: OLD_HELLO_SCRIPT, hooks: OLD_HOOKS, env: { OLD_SCRIPT: v.file } }));

  test(`${v.file}, empty card: format, rootfs unpacked, confirmed by its mount after the archive`, async (t) => {
    if (notRoot) return skipOrFail(t, notRoot);
    const before = done();
    const run = await oldPi();
    assert.equal(run.code, 0);
    assert.deepEqual(run.steps, [...v.clock, 'format', 'format', 'mount'], 'mkfs twice, as the original, then the new root mounted');
    assert.deepEqual(await listTree(targetOf(pi)), await listTree(fx.tree));
    await waitForState(cluster, PI, 'up');
    assert.equal(cluster.port(PI)!.reinstall, false);
    assert.equal(done(), before + 1);
    assert.deepEqual(failures, []);
  });

  test(`${v.file}, installed and marked: reinstalled on the first try`, async (t) => {
    if (notRoot) return skipOrFail(t, notRoot);
    await cluster.apply(PI, { type: 'markReinstall' }).persisted;
    const before = done();
    const run = await oldPi();
    assert.equal(run.code, 0);
    // Its check mounts the old root before reading `format`, then it formats and mounts the new one.
    assert.deepEqual(run.steps, ['mount', ...v.clock, 'format', 'format', 'mount']);
    assert.deepEqual(await listTree(targetOf(pi)), await listTree(fx.tree));
    await waitForState(cluster, PI, 'up');
    const p = cluster.port(PI)!;
    assert.equal(p.reinstall, false, 'the mark is cleared by the completed install');
    assert.equal(p.lastError, '');
    assert.equal(done(), before + 1);
    assert.equal(cluster.getCounters().installsFailed, 0);
    assert.deepEqual(failures, []);
  });

  test(`${v.file}, installed and not marked: told boot, mounts, up`, async (t) => {
    if (notRoot) return skipOrFail(t, notRoot);
    const before = done();
    const run = await oldPi();
    assert.equal(run.code, 0);
    assert.deepEqual(run.steps, ['mount', ...v.clock, 'mount'], 'no format');
    await waitForState(cluster, PI, 'up');
    assert.equal(done(), before);
  });
}
