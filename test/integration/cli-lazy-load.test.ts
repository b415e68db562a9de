/**
 * `piman --version` and `--help` must not load the daemon or its libraries:
 * each command imports its implementation only when it runs (issue 13's
 * start-up goal). The modules a run resolves are traced by a loader hook
 * (test/helpers/module-trace.mjs); the import graph is the same for src/
 * through tsx and for the compiled dist/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../../bin/piman.js', import.meta.url).pathname;
const trace = new URL('../helpers/module-trace.mjs', import.meta.url).pathname;

/** What a run of `piman args` resolved, as URLs. */
async function modulesOf(args: string[]): Promise<{ code: number; stdout: string; urls: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'piman-lazy-'));
  try {
    const out = join(dir, 'modules.txt');
    const r = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, ['--import', trace, bin, ...args], { timeout: 60_000, env: { ...process.env, PIMAN_MODULE_TRACE: out } }, (err, stdout) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout });
      });
    });
    const urls = (await readFile(out, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    return { ...r, urls };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Libraries and parts that only running commands need (src/cluster's small pure helpers may load). */
const HEAVY = [/\/node_modules\/(net-snmp|pino|zod|yaml|csv-parse)\//, /\/src\/(daemon|parts|log)\.ts$/, /\/src\/(agent|dhcp|tftp|control|lab|switch|config|store|monitor|metrics|snmp)\//];

for (const args of [['--version'], ['--help'], ['server', '--help'], ['lab', '--help']]) {
  test(`piman ${args.join(' ')} loads no command implementation (no net-snmp, pino, zod, daemon)`, async () => {
    const r = await modulesOf(args);
    assert.equal(r.code, 0);
    assert.ok(r.stdout.length > 0, 'it printed something');
    assert.ok(r.urls.some((u) => u.endsWith('/src/cli/main.ts')), `the trace saw main.ts: ${r.urls.length} modules`);
    const heavy = r.urls.filter((u) => HEAVY.some((re) => re.test(u)));
    assert.deepEqual([...new Set(heavy)], []);
  });
}
