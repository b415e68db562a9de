/**
 * Under systemd stdout and stderr both land in the journal: a start-up
 * problem must appear there once, as one line, at error priority.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort } from '../helpers/ports.js';

const PIMAN = new URL('../../bin/piman.js', import.meta.url).pathname;

test('every start-up problem is printed once, one line each, with the error priority for journald; exit 1', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'piman-startup-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  await writeFile(
    join(work, 'piman.yaml'),
    [
      'server: { address: 127.0.0.1 }',
      'dhcp: { enabled: false }',
      `tftp: { address: 127.0.0.1, port: ${await freeUdpPort()}, root: ./no-boot }`,
      'install: { address: 127.0.0.1, port: 0, rootfs: ./no-rootfs.tgz }',
      'control: { address: 127.0.0.1, port: 0 }',
      'agent: { enabled: false }',
      'switches: [{ name: sw1, address: 127.0.0.1, port: 9, ports: 2 }]',
      '',
    ].join('\n'),
  );
  const r = await new Promise<{ code: number; out: string }>((resolve) =>
    execFile(
      process.execPath,
      [PIMAN, '-c', join(work, 'piman.yaml'), 'server'],
      { timeout: 60_000, env: { ...process.env, JOURNAL_STREAM: '8:1234' } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }),
    ),
  );
  assert.equal(r.code, 1, r.out);
  const boot = r.out.split('\n').filter((l) => l.includes('no-boot'));
  const rootfs = r.out.split('\n').filter((l) => l.includes('no-rootfs.tgz'));
  assert.equal(boot.length, 1, r.out);
  assert.equal(rootfs.length, 1, r.out);
  assert.match(boot[0]!, /^<3>/, 'error priority');
  assert.doesNotMatch(r.out, /\n\s+at /, 'no stack trace');
});
