/** One error story: every PimanError code is used somewhere and listed in the README's table. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function codes(): Promise<string[]> {
  const text = await readFile(join(repo, 'src/errors.ts'), 'utf8');
  const union = /export type PimanErrorCode =([^;]*);/.exec(text)?.[1] ?? '';
  return [...union.matchAll(/'(E_[A-Z_]+)'/g)].map((m) => m[1]!);
}

test('error codes: each code of PimanErrorCode is raised somewhere in src/', async () => {
  const all = await codes();
  assert.ok(all.length > 10, `read ${all.length} codes`);
  let src = '';
  for (const e of await readdir(join(repo, 'src'), { recursive: true, withFileTypes: true })) {
    if (e.isFile() && e.name.endsWith('.ts') && !(e.parentPath.endsWith('src') && e.name === 'errors.ts')) src += await readFile(join(e.parentPath, e.name), 'utf8');
  }
  src += (await readFile(join(repo, 'src/errors.ts'), 'utf8')).replace(/export type PimanErrorCode =[^;]*;/, '');
  assert.deepEqual(all.filter((c) => !src.includes(`'${c}'`)), [], 'codes nothing raises');
});

test('error codes: the README lists every code', async () => {
  const readme = await readFile(join(repo, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Error codes'));
  assert.ok(section.length > 0 && readme.includes('### Error codes'));
  assert.deepEqual((await codes()).filter((c) => !section.includes(`\`${c}\``)), []);
});
