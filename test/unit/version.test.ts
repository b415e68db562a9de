import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VERSION, readVersion } from '../../src/version.js';

test('the version is the one in package.json', async () => {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(VERSION, pkg.version);
});

test('readVersion walks up to the first package.json named piman', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-version-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'piman', version: '9.8.7' }));
  await mkdir(join(dir, 'dist', 'src'), { recursive: true });
  await writeFile(join(dir, 'dist', 'package.json'), JSON.stringify({ name: 'other', version: '1.0.0' }));
  assert.equal(readVersion(join(dir, 'dist', 'src')), '9.8.7');
});
