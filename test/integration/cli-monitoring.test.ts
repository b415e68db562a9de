import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { healthSite } from '../helpers/health-site.js';

const bin = new URL('../../bin/piman.js', import.meta.url).pathname;

test('piman monitoring polls each Pi once, shows the figures, flags thresholds and unreachable Pis', async (t) => {
  const site = await healthSite(t, 12.5);
  const { dir } = site;
  const run = () =>
    new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(process.execPath, [bin, '-c', join(dir, 'piman.yaml'), 'monitoring', '--json'], { timeout: 60_000 }, (err, stdout) =>
        resolve({ code: err ? Number(err.code) : 0, stdout }),
      ),
    );
  const ok = await run();
  assert.equal(ok.code, 0);
  const rows = JSON.parse(ok.stdout) as Array<{ hostname: string; cpu: number; temp: number; problems: string[] }>;
  assert.deepEqual(rows.map((r) => [r.hostname, r.cpu, r.temp, r.problems]), [['pi1', 12.5, 45.2, []]]);
  site.setCpu(97);
  const hot = await run();
  assert.equal(hot.code, 1);
  assert.deepEqual((JSON.parse(hot.stdout) as Array<{ problems: string[] }>)[0]?.problems, ['cpu 97.0 % > 50 %']);
  await writeFile(join(dir, 'hosts.csv'), 'switch,port,mac,ip,hostname\nsw1,1,b827eb000001,127.0.0.1,pi1\nsw1,2,b827eb000002,127.0.0.2,pi2\n');
  site.stop();
  const down = await run();
  assert.equal(down.code, 1);
  const downRows = JSON.parse(down.stdout) as Array<{ problems: string[] }>;
  assert.equal(downRows.length, 2);
  for (const r of downRows) assert.match(r.problems[0]!, /^unreachable: /);
});
