/** `piman monitoring --nagios` against real health endpoints: the status line and the Nagios exit codes; --json keeps exit 1 on a problem. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { healthSite } from '../helpers/health-site.js';

const bin = new URL('../../bin/piman.js', import.meta.url).pathname;

test('piman monitoring --nagios: OK 0, WARNING 1, CRITICAL 2, UNKNOWN 3, one line with perfdata', async (t) => {
  const site = await healthSite(t, 12.5);
  const { dir } = site;
  const cfg = site.configPath;
  const run = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [bin, '-c', cfg, 'monitoring', ...args], { timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
      ),
    );
  const ok = await run('--nagios');
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, 'PIMAN OK - 1 Pis healthy | pis=1;;;0 unreachable=0;;1;0;1 alerting=0;1;;0;1 cpu_max=12.5%;50;;0;100 memory_max=30%;70;;0;100 disk_max=40%;50;;0;100 pids_max=80;100;;0 temp_max=45.2;80;;\n');
  site.setCpu(97);
  const warn = await run('--nagios');
  assert.equal(warn.code, 1);
  assert.match(warn.stdout, /^PIMAN WARNING - 1 of 1 Pis over a threshold: pi1 \(cpu 97\.0 % > 50 %\) \| /);
  assert.equal((await run('--json')).code, 1);
  await writeFile(join(dir, 'hosts.csv'), 'switch,port,mac,ip,hostname\nsw1,1,b827eb000001,127.0.0.1,pi1\nsw1,2,b827eb000002,127.0.0.2,pi2\n');
  const crit = await run('--nagios');
  assert.equal(crit.code, 2);
  assert.match(crit.stdout, /^PIMAN CRITICAL - 1 of 2 Pis unreachable: pi2; 1 of 2 Pis over a threshold: pi1 /);
  await writeFile(cfg, 'server: { address: 127.0.0.1 }\nswitches: []\n');
  const unknown = await run('--nagios');
  assert.equal(unknown.code, 3);
  assert.match(unknown.stdout, /^PIMAN UNKNOWN - /);
  assert.equal(unknown.stdout.trim().split('\n').length, 1);
  const usage = await run('--nagios', '--json');
  assert.equal(usage.code, 2);
});
