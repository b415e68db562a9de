// Behaviour of the crash-safe writer and the coalescing writer on a real
// temporary folder, written to kill the mutants the older tests let live
// (README "Mutation testing").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, CoalescingWriter } from '../../src/store/atomic-file.js';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'piman-atomic-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const openFds = (): number => readdirSync('/proc/self/fd').length;

test('writeFileAtomic creates missing folders, replaces the target, leaves no temp file', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'a', 'b', 'state.json');
  await writeFileAtomic(path, 'one');
  assert.equal(await readFile(path, 'utf8'), 'one');
  await writeFileAtomic(path, new Uint8Array([0x74, 0x77, 0x6f]));
  assert.equal(await readFile(path, 'utf8'), 'two');
  assert.deepEqual(await readdir(join(dir, 'a', 'b')), ['state.json']);
});

test('writeFileAtomic closes every file handle it opens', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'x.json');
  await writeFileAtomic(path, 'warm-up');
  const before = openFds();
  for (let i = 0; i < 20; i++) await writeFileAtomic(path, `v${i}`);
  // At most as many as before: the runtime may close one of its own meanwhile.
  assert.ok(openFds() <= before, `${openFds()} descriptors open after 20 writes, ${before} before`);
  assert.equal(await readFile(path, 'utf8'), 'v19');
});

test('a failed write removes its temp file, closes it, keeps the old content and reports the error', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'x.json');
  await writeFile(path, 'old');
  const before = openFds();
  // Not a string nor bytes: FileHandle.writeFile throws after the temp file was opened.
  await assert.rejects(writeFileAtomic(path, 42 as unknown as string), TypeError);
  assert.equal(openFds(), before);
  assert.deepEqual(await readdir(dir), ['x.json']);
  assert.equal(await readFile(path, 'utf8'), 'old');
});

test('a folder that cannot be made is an error, and nothing is written', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'file'), 'f');
  await assert.rejects(writeFileAtomic(join(dir, 'file', 'x.json'), 'v'), (e: NodeJS.ErrnoException) => e.code === 'EEXIST' || e.code === 'ENOTDIR');
});

test('CoalescingWriter: a burst is written at most twice and the last snapshot lands; every caller resolves', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 's.json');
  const w = new CoalescingWriter(path);
  const taken: number[] = [];
  const saves: Promise<void>[] = [];
  for (let i = 0; i < 10; i++) {
    saves.push(
      w.save(() => {
        taken.push(i);
        return `v${i}`;
      }),
    );
  }
  await Promise.all(saves);
  assert.deepEqual(taken, [0, 9], 'the first save runs at once, the rest collapse into the newest');
  assert.equal(await readFile(path, 'utf8'), 'v9');
});

test('CoalescingWriter: a caller resolves only once a write with its snapshot is on disk', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 's.json');
  const w = new CoalescingWriter(path);
  const first = w.save(() => 'a');
  const second = w.save(() => 'b');
  await first;
  await second;
  assert.equal(await readFile(path, 'utf8'), 'b');
  await w.idle();
  await w.save(() => 'c');
  assert.equal(await readFile(path, 'utf8'), 'c', 'a save after the queue drained is written again');
});

test('CoalescingWriter: idle waits for queued writes; with nothing queued it resolves at once', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 's.json');
  const w = new CoalescingWriter(path);
  await w.idle();
  void w.save(() => 'one');
  void w.save(() => 'two');
  await w.idle();
  assert.equal(await readFile(path, 'utf8'), 'two');
});

test('CoalescingWriter: a failed write rejects its callers, and the writer still works afterwards', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'blocked'));
  await writeFile(join(dir, 'blocked', 'f'), 'x');
  const bad = new CoalescingWriter(join(dir, 'blocked', 'f', 's.json'));
  const a = bad.save(() => 'a');
  const b = bad.save(() => 'b');
  await assert.rejects(a);
  await assert.rejects(b);
  await bad.idle();
  const w = new CoalescingWriter(join(dir, 'ok.json'));
  await assert.rejects(w.save(() => 42 as unknown as string), TypeError);
  await w.save(() => 'fine');
  assert.equal(await readFile(join(dir, 'ok.json'), 'utf8'), 'fine');
});
