/**
 * A missing image in the lab: piman starts (another image is usable), says
 * so once, and only the Pi using it waits: it is not told format and its
 * port fails with the reason. Once the file is there and piman reloads, the
 * next boot of that Pi installs it.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from '../../src/lab/lab.js';
import { until } from '../../src/lab/run-lab.js';
import { buildRootfs } from '../../src/lab/lab-files.js';
import { createLogger } from '../../src/log.js';
import { parseConfigText } from '../../src/config/load.js';
import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

test('a missing image: reported once, only its Pi waits (not formatted, port failed with the reason); after a reload it installs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-missing-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'a.tgz'), buildRootfs('image a'));
  const lines: string[] = [];
  const sink = new Writable({ write: (c: Buffer, _e, cb) => (lines.push(...c.toString().split('\n').filter(Boolean)), cb()) });
  const log = createLogger({ level: 'info', pretty: false, destination: sink });
  const lab = await Lab.start({
    pis: 2,
    model: 4,
    log,
    switchLog: createLogger({ level: 'silent', pretty: false, destination: sink }),
    configure: (raw) => {
      const install = raw.install!;
      delete install.rootfs;
      install.images = { a: join(dir, 'a.tgz'), b: join(dir, 'b.tgz') };
      install.defaultImage = 'a';
    },
  });
  cleanups.push(() => lab.stop());
  const c = lab.daemon.ctx.cluster;
  const k2 = { switchIndex: 1, port: 2 };
  // As pimanPortImage would, had the file been there when it was chosen.
  await c.apply(k2, { type: 'chooseImage', name: 'b' }).persisted;
  await lab.powerOnAll();
  await until(lab, () => c.port({ switchIndex: 1, port: 1 })!.state === 'up' && c.port(k2)!.state === 'failed', 60_000, 'port 1 up, port 2 failed');
  assert.match(c.port(k2)!.lastError, /image 'b' cannot be installed: .*no such file/);
  assert.equal(lab.pis[1]!.disk, null, 'port 2 was never told format');
  assert.equal(lab.pis[0]!.disk?.release, 'image a');
  const reports = lines.filter((l) => l.includes("image 'b' cannot be installed") && l.includes('E_ROOTFS') && l.includes('only the Pis using it wait'));
  assert.equal(reports.length, 1, 'reported once');

  await writeFile(join(dir, 'b.tgz'), buildRootfs('image b'));
  await lab.daemon.reload(async () => parseConfigText(await readFile(lab.configPath, 'utf8'), lab.configPath));
  assert.ok(lines.some((l) => l.includes("image 'b' can be installed again")));
  await lab.daemon.ctx.power.cycle([k2]);
  await until(lab, () => c.port(k2)!.state === 'up' && c.port(k2)!.installedImage === 'b', 60_000, 'port 2 installed b');
  assert.equal(lab.pis[1]!.status().release, 'image b');
});
