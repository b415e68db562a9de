import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { checkRootfs } from '../../src/control/rootfs-check.js';
import { PimanError } from '../../src/errors.js';

const dir = await mkdtemp(join(tmpdir(), 'piman-rootfs-check-'));
after(() => rm(dir, { recursive: true, force: true }));

async function rejects(path: string, pattern: RegExp): Promise<void> {
  await assert.rejects(checkRootfs(path), (e: unknown) => {
    assert.ok(e instanceof PimanError);
    assert.equal(e.code, 'E_ROOTFS');
    assert.match(e.message, pattern);
    assert.ok(e.message.includes(path), 'the message names the file');
    assert.match(e.message, /install\.rootfs/, 'the message says what to do');
    return true;
  });
}

test('a gzip archive passes and reports its size', async () => {
  const p = join(dir, 'ok.tgz');
  const gz = gzipSync(Buffer.from('hello'));
  await writeFile(p, gz);
  assert.deepEqual(await checkRootfs(p), { path: p, size: gz.length });
});

test('missing file', () => rejects(join(dir, 'nope.tgz'), /no such file/));
test('a folder', () => rejects(dir, /not a regular file/));
test('empty file', async () => {
  await writeFile(join(dir, 'empty.tgz'), '');
  await rejects(join(dir, 'empty.tgz'), /is empty/);
});
test('a plain tar (no gzip header)', async () => {
  await writeFile(join(dir, 'plain.tar'), Buffer.alloc(1024));
  await rejects(join(dir, 'plain.tar'), /gzip header 1f 8b/);
});
