/**
 * The npm package as an admin gets it: `npm pack` (which compiles src/ to
 * dist/), the tarball unpacked into a temporary prefix with its production
 * dependencies only (so no tsx: the compiled code runs), then `piman
 * --version`, `piman config check` and `piman lab --pis 2 --demo` from there
 * (with the native datagram path built as npm's postinstall builds it).
 * Dependencies come from npm's cache (`npm ci --offline` against the
 * project's lockfile), never from the network.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, copyFile, readFile, rm, symlink, writeFile, access, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRootfs } from '../helpers/rootfs-fixture.js';

const ROOT = new URL('../..', import.meta.url).pathname;

function run(cmd: string, args: string[], cwd: string, timeoutMs = 300_000): Promise<{ code: number; out: string; stdout: string }> {
  return new Promise((resolve) =>
    execFile(cmd, args, { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr, stdout }),
    ),
  );
}

test('packed, installed into a temporary prefix: --version, config check and the lab demo run from the compiled package', { timeout: 600_000 }, async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'piman-pkg-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  const packed = await run('npm', ['pack', '--pack-destination', work, '--silent'], ROOT);
  assert.equal(packed.code, 0, packed.out);
  const tgz = (await readdir(work)).find((f) => f.endsWith('.tgz'));
  assert.ok(tgz, packed.out);

  const pkgDir = join(work, 'prefix', 'lib', 'node_modules', 'piman');
  await mkdir(pkgDir, { recursive: true });
  await mkdir(join(work, 'prefix', 'bin'));
  assert.equal((await run('tar', ['-xzf', join(work, tgz), '-C', pkgDir, '--strip-components=1'], work)).code, 0);
  await assert.rejects(access(join(pkgDir, 'src')), 'the package ships no TypeScript sources');
  await access(join(pkgDir, 'dist', 'cli', 'main.js'));
  await copyFile(join(ROOT, 'package-lock.json'), join(pkgDir, 'package-lock.json'));
  const deps = await run('npm', ['ci', '--omit=dev', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], pkgDir);
  if (deps.code !== 0) {
    const msg = `npm ci --offline could not install the dependencies from npm's cache (run npm ci in the checkout first): ${deps.out.slice(0, 400)}`;
    if (process.env.CI === 'true') assert.fail(msg);
    t.skip(msg);
    return;
  }
  await assert.rejects(access(join(pkgDir, 'node_modules', 'tsx')), 'tsx is a development dependency only');
  // What npm's postinstall runs (skipped above with every other script): the native datagram path, from the packed source alone.
  await assert.rejects(access(join(pkgDir, 'native', 'build')), 'no binary from the checkout is packed');
  const native = await run(process.execPath, [join(pkgDir, 'scripts', 'build-native.mjs'), '--require'], pkgDir);
  assert.equal(native.code, 0, native.out);
  await access(join(pkgDir, 'native', 'build', 'udp-batch.node'));
  const piman = join(work, 'prefix', 'bin', 'piman');
  await symlink('../lib/node_modules/piman/bin/piman.js', piman);

  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const v = await run(piman, ['--version'], work);
  assert.equal(v.code, 0, v.out);
  assert.equal(v.stdout.trim(), pkg.version);

  const site = join(work, 'site');
  await mkdir(join(site, 'boot'), { recursive: true });
  await makeRootfs(site, { bigBytes: 1024 });
  await copyFile(join(pkgDir, 'examples', 'hosts.csv'), join(site, 'hosts.csv'));
  const example = await readFile(join(pkgDir, 'examples', 'piman.yaml'), 'utf8');
  await writeFile(
    join(site, 'piman.yaml'),
    example
      .replace(/^  interface: eth1 .*\n/m, '')
      .replace('/srv/piman/boot', join(site, 'boot'))
      .replace('/srv/piman/rootfs.tgz', join(site, 'rootfs.tgz'))
      .replace('/var/lib/piman', join(site, 'state')),
  );
  const check = await run(piman, ['config', 'check', '-c', join(site, 'piman.yaml')], work);
  assert.equal(check.code, 0, check.out);
  assert.match(check.stdout, /^ok \(1 switch, 2 hosts\)/);

  const lab = await run(piman, ['lab', '--pis', '2', '--demo'], work, 120_000);
  assert.equal(lab.code, 0, lab.out);
  assert.match(lab.out, /every port up/);
});
