/**
 * The switch commands end to end: `piman lab switch` as a process, then
 * `piman mapper` and `piman findport` against it, and the error line when
 * it is gone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort } from '../helpers/ports.js';

const bin = new URL('../../bin/piman.js', import.meta.url).pathname;

function piman(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const start = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr, ms: Date.now() - start });
    });
  });
}

test('lab switch + mapper + findport from the command line; then the switch is stopped', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-swcli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const port = await freeUdpPort();
  const lab = spawn(process.execPath, [bin, 'lab', 'switch', '--ports', '24', '--port', String(port)], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((r) => lab.once('exit', (code) => r(code)));
  t.after(() => {
    if (lab.exitCode === null && lab.signalCode === null) lab.kill('SIGKILL');
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lab switch did not start:\n${log}`)), 30_000);
    lab.stdout.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('simulated PoE switch listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    lab.stderr.on('data', (d: Buffer) => (log += d.toString()));
    lab.once('exit', () => reject(new Error(`lab switch exited:\n${log}`)));
  });

  // No piman.yaml in dir: the old tool's shape, community defaults to private.
  const args = ['mapper', '127.0.0.1', '1', '1-24', '--snmp-port', String(port), '--file', 'hosts.csv'];
  const first = await piman(args, dir);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout.match(/^\s*\d+\s+b8:27:eb:00:00:[0-9a-f]{2}\s+Raspberry Pi$/gm)?.length, 24, first.stdout);
  assert.ok(first.ms < 15_000 + 3000, `took ${first.ms} ms (incl. CLI start)`);
  assert.match(first.stdout, /24 of 24 ports mapped in \d+\.\d s/);
  const m = /mapped in (\d+\.\d) s/.exec(first.stdout);
  assert.ok(Number(m?.[1]) < 15, first.stdout);
  const text = await readFile(join(dir, 'hosts.csv'), 'utf8');
  assert.equal(text.trim().split('\n').length, 25);

  const second = await piman(args, dir);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /hosts\.csv: unchanged/);
  assert.equal(await readFile(join(dir, 'hosts.csv'), 'utf8'), text);

  // findport from a config file (no --switch needed)
  await writeFile(
    join(dir, 'piman.yaml'),
    `server: { address: 127.0.0.1 }\nswitches:\n  - { name: lab1, address: 127.0.0.1, port: ${port}, community: private, ports: 24 }\n`,
  );
  const found = await piman(['findport', 'B8-27-EB-00-00-11'], dir);
  assert.equal(found.code, 0, found.stderr);
  assert.equal(found.stdout, 'b8:27:eb:00:00:11 (Raspberry Pi): lab1 port 17\n');
  const uplink = await piman(['findport', '02:00:5e:00:00:01'], dir);
  assert.match(uplink.stdout, /lab1 port 25 \(not a configured port: probably an uplink, 2 MACs on it\)/);
  const missing = await piman(['findport', '02:00:5e:00:00:99'], dir);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^piman: 02:00:5e:00:00:99 is not in the forwarding table of lab1/);

  assert.match(log, /SET 1\.3\.6\.1\.2\.1\.105\.1\.1\.1\.3\.1\.7 = 2 \(off\)/);
  assert.match(log, /SET 1\.3\.6\.1\.2\.1\.105\.1\.1\.1\.3\.1\.7 = 1 \(on\)/);

  lab.kill('SIGTERM');
  assert.equal(await exited, 0);

  const dead = await piman(['mapper', '127.0.0.1', '1', '7', '--snmp-port', String(port)], dir);
  assert.equal(dead.code, 1);
  assert.match(dead.stderr, new RegExp(`^piman: switch lab1 \\(127\\.0\\.0\\.1:${port}\\) did not answer within 5 s`, 'm'));
  assert.ok(dead.ms < 12_000, `took ${dead.ms} ms`);
  assert.doesNotMatch(dead.stderr, /\n\s+at /, 'no stack trace');
});

test('mapper usage errors exit 2 without touching any switch', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-swcli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const r = await piman(['mapper', '127.0.0.1', '1', '3-1'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /'3-1' is not a port or a range of ports/);
  const r2 = await piman(['mapper', 'sw9', '1', '1'], dir);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /'sw9' is neither a configured switch nor an IPv4 address/);
});
