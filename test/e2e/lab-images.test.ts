/**
 * Named images in the loopback lab (issue 15 acceptance): two images, a Pi
 * installs `a`, then one SNMP SET PDU (net-snmp's snmpset) switches it to `b`
 * and reinstalls; pimanPortInstalledImage/Digest show b and the digest of
 * the bytes sent, and the virtual Pi's disk holds b's marker file. A SET
 * naming an unknown image is refused and changes nothing.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Lab } from '../../src/lab/lab.js';
import { until } from '../../src/lab/run-lab.js';
import { buildRootfs } from '../../src/lab/lab-files.js';
import { silentLogger } from '../../src/log.js';
import { runTool, v2c } from '../helpers/snmp-tools.js';

const bin = new URL('../../bin/piman.js', import.meta.url).pathname;
const piman = (args: string[]) => runTool(process.execPath, [bin, ...args], 90_000);

const log = silentLogger();
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

test('two images: port 1 installs a, one SET PDU switches it to b and reinstalls; an unknown image is refused and changes nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-images-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const a = buildRootfs('image a');
  const b = buildRootfs('image b');
  await writeFile(join(dir, 'a.tgz'), a);
  await writeFile(join(dir, 'b.tgz'), b);
  const lab = await Lab.start({
    pis: 2,
    model: 4,
    log,
    switchLog: log,
    configure: (raw) => {
      const install = raw.install!;
      delete install.rootfs;
      install.images = { a: join(dir, 'a.tgz'), b: join(dir, 'b.tgz') };
      install.defaultImage = 'a';
    },
  });
  cleanups.push(() => lab.stop());
  const c = lab.daemon.ctx.cluster;
  await lab.powerOnAll();
  await until(lab, () => c.ports().every((p) => p.state === 'up'), 60_000, 'all up');
  assert.equal(lab.pis[0]!.disk?.release, 'image a');

  const target = `127.0.0.1:${lab.ports.agent}`;
  const rw = v2c('private', target);
  const ro = v2c('public', target);
  const get = async (obj: string): Promise<string> => {
    const r = await runTool('snmpget', [...ro, '-Oqv', obj]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim().replace(/^"|"$/g, '');
  };
  assert.equal(await get('PIMAN-MIB::pimanPortInstalledImage.1.1'), 'a');
  assert.equal(await get('PIMAN-MIB::pimanPortInstalledDigest.1.1'), sha(a));
  assert.equal(await get('PIMAN-MIB::pimanPortImage.1.1'), 'a');

  // One PDU: the image and the reinstall, applied together.
  const set = await runTool('snmpset', [...rw, 'PIMAN-MIB::pimanPortImage.1.1', 's', 'b', 'PIMAN-MIB::pimanPortReinstall.1.1', 'i', '1']);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(c.port({ switchIndex: 1, port: 1 })!.image, 'b');
  await until(
    lab,
    () => {
      const p = c.port({ switchIndex: 1, port: 1 })!;
      return p.state === 'up' && !p.reinstall && p.installedImage === 'b';
    },
    60_000,
    'port 1 reinstalled with b',
  );
  assert.equal(await get('PIMAN-MIB::pimanPortInstalledImage.1.1'), 'b');
  assert.equal(await get('PIMAN-MIB::pimanPortInstalledDigest.1.1'), sha(b));
  const disk = lab.pis[0]!.disk!;
  assert.equal(disk.release, 'image b', "the Pi's disk holds b's marker file");
  assert.equal(disk.sha256, sha(b), 'the Pi received exactly b');

  // An unknown image: inconsistentValue, and neither the image nor the mark of port 2 changes.
  const before = { ...c.port({ switchIndex: 1, port: 2 })! };
  const bad = await runTool('snmpset', [...rw, 'PIMAN-MIB::pimanPortImage.1.2', 's', 'nosuch', 'PIMAN-MIB::pimanPortReinstall.1.2', 'i', '1']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr + bad.stdout, /inconsistentValue/);
  // A name that can never be an image: wrongValue.
  const wrong = await runTool('snmpset', [...rw, 'PIMAN-MIB::pimanPortImage.1.2', 's', 'not a name!']);
  assert.match(wrong.stderr + wrong.stdout, /wrongValue/);
  const afterSet = c.port({ switchIndex: 1, port: 2 })!;
  assert.equal(afterSet.reinstall, false);
  assert.equal(afterSet.image, before.image);
  assert.equal(afterSet.state, 'up');
  assert.equal(await get('PIMAN-MIB::pimanPortImage.1.2'), 'a');

  // The image table: both images with size, digest and the ports using them.
  const walk = await runTool('snmpwalk', [...ro, '-Oq', 'PIMAN-MIB::pimanImageTable']);
  assert.equal(walk.code, 0, walk.stderr);
  assert.match(walk.stdout, /pimanImageName\.1 "?a"?/);
  assert.match(walk.stdout, /pimanImageName\.2 "?b"?/);
  assert.match(walk.stdout, new RegExp(`pimanImageSha256\\.2 "?${sha(b)}"?`));
  assert.match(walk.stdout, /pimanImagePorts\.1 1/);
  assert.match(walk.stdout, /pimanImagePorts\.2 1/);

  // The CLI over the same agent: piman images, status with the image columns, reinstall --image.
  const cfg = lab.configPath;
  const imgs = await piman(['-c', cfg, 'images', '--json']);
  assert.equal(imgs.code, 0, imgs.stderr);
  const list = JSON.parse(imgs.stdout) as { name: string; sha256: string; ports: number; sizeKiB: number; problem: string | null }[];
  assert.deepEqual(list.map((i) => [i.name, i.sha256, i.ports, i.problem]), [['a', sha(a), 1, null], ['b', sha(b), 1, null]]);
  assert.equal(list[1]!.sizeKiB, Math.ceil(b.length / 1024));
  const table = await piman(['-c', cfg, 'images']);
  assert.match(table.stdout.split('\n')[0]!, /^NAME\s+SIZE\s+SHA-256\s+MODIFIED\s+PORTS\s+PROBLEM$/);
  const refused = await piman(['-c', cfg, 'reinstall', '2', '--image', 'nosuch']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /refused image 'nosuch' for port .*2.*nothing was changed/);
  assert.equal(c.port({ switchIndex: 1, port: 2 })!.reinstall, false);
  const re = await piman(['-c', cfg, 'reinstall', '2', '--image', 'b', '--wait']);
  assert.equal(re.code, 0, re.stderr);
  const st = await piman(['-c', cfg, 'status', '--json', '2']);
  const row = (JSON.parse(st.stdout) as { image: string; installedImage: string; installedDigest: string }[])[0]!;
  assert.deepEqual([row.image, row.installedImage, row.installedDigest], ['b', 'b', sha(b)]);
  assert.equal(lab.pis[1]!.disk!.release, 'image b');
  const text = await piman(['-c', cfg, 'status', '2']);
  assert.match(text.stdout, new RegExp(`\\sb\\s+b@${sha(b).slice(0, 8)}`));
});
