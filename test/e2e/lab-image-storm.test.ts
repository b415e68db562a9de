/**
 * An image file replaced (renamed over, as the README says to) while 20
 * virtual Pis install from it: every Pi ends with one whole image, old or
 * new, and the digest piman records as installed (pimanPortInstalledDigest)
 * is the digest of what that Pi really received.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Lab } from '../../src/lab/lab.js';
import { until } from '../../src/lab/run-lab.js';
import { buildRootfs } from '../../src/lab/lab-files.js';
import { silentLogger } from '../../src/log.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

test('replacing the image file during a 20-Pi install storm: each Pi gets one whole image and reports its digest', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-storm-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  // Larger than the lab default so streams overlap the replacement.
  const old = buildRootfs('release old', 2 * 1024 * 1024);
  const neu = buildRootfs('release new', 2 * 1024 * 1024);
  const path = join(dir, 'course.tgz');
  await writeFile(path, old);
  const lab = await Lab.start({
    pis: 20,
    model: 4,
    log: silentLogger(),
    switchLog: silentLogger(),
    timing: { bootDelayMs: 100, bootJitterMs: 400 },
    configure: (raw) => {
      const install = raw.install!;
      delete install.rootfs;
      install.images = { course: path };
    },
  });
  cleanups.push(() => lab.stop());
  const c = lab.daemon.ctx.cluster;
  await lab.powerOnAll();
  // Replace once the first archive went out whole, while others still stream or wait.
  await until(lab, () => c.ports().some((p) => p.archiveSent || p.installedImage !== ''), 60_000, 'a first archive sent');
  await writeFile(`${path}.new`, neu);
  await rename(`${path}.new`, path);
  await until(lab, () => c.ports().every((p) => p.state === 'up'), 90_000, 'all up');

  const seen = new Map<string, number>();
  for (const [i, pi] of lab.pis.entries()) {
    const p = c.port({ switchIndex: 1, port: i + 1 })!;
    const disk = pi.disk!;
    assert.ok(disk.sha256 === sha(old) || disk.sha256 === sha(neu), `Pi ${i + 1} holds a whole image`);
    assert.equal(disk.release, disk.sha256 === sha(old) ? 'release old' : 'release new');
    assert.equal(p.installedImage, 'course');
    assert.equal(p.installedDigest, disk.sha256, `Pi ${i + 1}: the recorded digest is what it received`);
    seen.set(disk.release, (seen.get(disk.release) ?? 0) + 1);
  }
  assert.ok((seen.get('release old') ?? 0) >= 1, 'the Pi installed before the replacement got the old image');
  // The catalog follows the file now on disk.
  await lab.daemon.ctx.images!.refresh();
  assert.equal(lab.daemon.ctx.images!.info('course')!.sha256, sha(neu));
});
