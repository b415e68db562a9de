import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, readFile, writeFile, readdir, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fsp from 'node:fs/promises';
import { FileStateStore, parseSnapshot } from '../../src/store/state-store.js';
import type { AtomicFs } from '../../src/store/atomic-file.js';
import { PimanError } from '../../src/errors.js';
import { initialPortState, zeroCounters } from '../../src/cluster/types.js';

const writer = new URL('../helpers/store-writer.ts', import.meta.url).pathname;

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'piman-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('save then load round-trips the snapshot', async (t) => {
  const dir = await tempDir(t);
  const store = new FileStateStore(dir);
  const snap = { version: 2 as const, ports: { 'sw1:7': { ...initialPortState(5), reinstall: true } }, counters: zeroCounters(), learned: [{ switch: 'sw1', port: 7, mac: 'b8:27:eb:00:00:07' }] };
  await store.save(() => snap);
  assert.deepEqual(await new FileStateStore(dir).load(), snap);
});

test('no file means no state yet', async (t) => {
  const dir = await tempDir(t);
  assert.equal(await new FileStateStore(dir).load(), null);
});

test('a corrupt file stops loading with a clear error and is kept as it was', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'cluster.json');
  await writeFile(path, '{"version":1,"ports":{');
  await assert.rejects(new FileStateStore(dir).load(), (e: unknown) => e instanceof PimanError && e.code === 'E_STATE_CORRUPT' && e.message.includes(path) && /not valid JSON/.test(e.message));
  assert.equal(await readFile(path, 'utf8'), '{"version":1,"ports":{', 'the file is left untouched');
  await writeFile(path, JSON.stringify({ version: 1, ports: { '1.1': { state: 'flying' } }, counters: zeroCounters(), learned: [] }));
  await assert.rejects(new FileStateStore(dir).load(), (e: unknown) => e instanceof PimanError && /unexpected shape at ports\.1\.1\.state/.test(e.message));
});

test('parseSnapshot rejects a snapshot of another version', () => {
  assert.throws(() => parseSnapshot('{"version":3}', 'f'), /unexpected shape at version/);
});

test('parseSnapshot still reads the position-keyed version 1 (migrated by the cluster), and refuses version 2 keys without a switch name', () => {
  const v1 = parseSnapshot(JSON.stringify({ version: 1, ports: { '1.1': initialPortState(0) }, counters: zeroCounters(), learned: [{ switchIndex: 1, port: 1, mac: 'b8:27:eb:00:00:01' }] }), 'f');
  assert.equal(v1.version, 1);
  assert.throws(() => parseSnapshot(JSON.stringify({ version: 2, ports: { '1.1': initialPortState(0) }, counters: zeroCounters(), learned: [] }), 'f'), /unexpected shape at ports\.1\.1: Invalid key/);
});

test('burst of saves collapses but the last one always lands', async (t) => {
  const dir = await tempDir(t);
  const store = new FileStateStore(dir);
  let n = 0;
  const saves = Array.from({ length: 50 }, () => store.save(() => ({ version: 2, ports: {}, counters: { ...zeroCounters(), installsDone: ++n }, learned: [] })));
  await Promise.all(saves);
  const loaded = await store.load();
  assert.equal(loaded?.counters.installsDone, n);
  assert.ok(n < 50, `writes were coalesced (${n} snapshots for 50 saves)`);
});

test('crash safety: SIGKILL at random moments always leaves the old or the new state', async (t) => {
  const dir = await tempDir(t);
  let lastDone = 0;
  for (let round = 0; round < 12; round++) {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, String(lastDone)], { stdio: ['ignore', 'pipe', 'inherit'] });
    t.after(() => void child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    // Wait until it has written a few versions, then kill it at a random point.
    await waitFor(() => out.split('\n').length > 3, 20_000, 'writer to start writing');
    await new Promise((r) => setTimeout(r, Math.random() * 80));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const confirmed = out.trim().split('\n').map(Number).filter(Number.isFinite);
    const lastConfirmed = confirmed.at(-1)!;
    const loaded = await new FileStateStore(dir).load();
    assert.ok(loaded, 'state file exists');
    const v = loaded.counters.installsDone;
    assert.ok(v >= lastConfirmed && v <= lastConfirmed + 1, `round ${round}: loaded version ${v}, last confirmed ${lastConfirmed}`);
    assert.equal(Object.keys(loaded.ports).length, 400);
    lastDone = v;
  }
  const leftovers = (await readdir(dir)).filter((f) => f !== 'cluster.json');
  // Temp files of killed writers may remain; they are never read as state.
  for (const f of leftovers) assert.match(f, /^\.cluster\.json\.\d+\.\d+\.tmp$/);
});

/** The real file system, with every call the atomic write makes logged (paths relative to `dir`). */
function recordingFs(dir: string, log: string[], failOn?: string): AtomicFs {
  const rel = (p: string): string => (p === dir ? '.' : p.slice(dir.length + 1).replace(/\.\d+\.\d+\.tmp$/, '.tmp'));
  const fail = (op: string): void => {
    if (op === failOn) throw Object.assign(new Error(`injected ${op} failure`), { code: 'EIO' });
  };
  return {
    mkdir: (p, o) => (log.push(`mkdir ${rel(p)}`), fsp.mkdir(p, o)),
    rename: (a, b) => (log.push(`rename ${rel(a)} ${rel(b)}`), fsp.rename(a, b)),
    unlink: (p) => (log.push(`unlink ${rel(p)}`), fsp.unlink(p)),
    async open(p, flags, mode) {
      const fh = await fsp.open(p, flags, mode);
      const name = rel(p);
      log.push(`open ${name} ${flags}`);
      return {
        chmod: (m) => fh.chmod(m),
        chown: (u, g) => fh.chown(u, g),
        writeFile: (d) => (log.push(`write ${name}`), fh.writeFile(d)),
        async sync() {
          log.push(`fsync ${name}`);
          fail(`fsync ${name}`);
          await fh.sync();
        },
        close: () => (log.push(`close ${name}`), fh.close()),
      };
    },
  };
}

test('a save writes a temp file, fsyncs and closes it, renames it over the state, then fsyncs the folder, in that order', async (t) => {
  const dir = await tempDir(t);
  const log: string[] = [];
  const store = new FileStateStore(dir, recordingFs(dir, log));
  const snap = { version: 2 as const, ports: {}, counters: { ...zeroCounters(), installsDone: 3 }, learned: [] };
  await store.save(() => snap);
  assert.deepEqual(log, [
    'mkdir .',
    'open .cluster.json.tmp w',
    'write .cluster.json.tmp',
    'fsync .cluster.json.tmp', // the data is on disk before the name points at it
    'close .cluster.json.tmp',
    'rename .cluster.json.tmp cluster.json',
    'open . r',
    'fsync .', // the rename itself is on disk before save() resolves
    'close .',
  ]);
  assert.deepEqual(await new FileStateStore(dir).load(), snap);
});

test('a failed fsync of the temp file removes it, leaves the old state and rejects the save', async (t) => {
  const dir = await tempDir(t);
  const old = { version: 2 as const, ports: {}, counters: zeroCounters(), learned: [] };
  await new FileStateStore(dir).save(() => old);
  const log: string[] = [];
  const store = new FileStateStore(dir, recordingFs(dir, log, 'fsync .cluster.json.tmp'));
  await assert.rejects(store.save(() => ({ ...old, counters: { ...zeroCounters(), installsDone: 9 } })), (e: unknown) => e instanceof PimanError && e.code === 'E_STATE_IO' && /injected fsync/.test(e.message));
  assert.deepEqual(log.slice(-3), ['fsync .cluster.json.tmp', 'close .cluster.json.tmp', 'unlink .cluster.json.tmp']);
  assert.ok(!log.some((l) => l.startsWith('rename')));
  assert.deepEqual(await new FileStateStore(dir).load(), old);
  assert.deepEqual(await readdir(dir), ['cluster.json']);
});

test('state folder is created when missing', async (t) => {
  const dir = await tempDir(t);
  const nested = join(dir, 'a', 'b');
  await new FileStateStore(nested).save(() => ({ version: 2, ports: {}, counters: zeroCounters(), learned: [] }));
  await mkdir(nested, { recursive: true });
  assert.ok((await readdir(nested)).includes('cluster.json'));
});

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('an atomic rewrite keeps the mode and owner of the file it replaces and writes through a symlink', async (t) => {
  const { writeFileAtomic } = await import('../../src/store/atomic-file.js');
  const { chmod, chown, lstat, stat, symlink } = await import('node:fs/promises');
  const dir = await tempDir(t);
  const real = join(dir, 'real.csv');
  await writeFile(real, 'old\n');
  await chmod(real, 0o600);
  const root = process.getuid?.() === 0;
  if (root) await chown(real, 1234, 4321);
  await symlink('real.csv', join(dir, 'link.csv'));
  await writeFileAtomic(join(dir, 'link.csv'), 'new\n');
  assert.ok((await lstat(join(dir, 'link.csv'))).isSymbolicLink());
  assert.equal(await readFile(real, 'utf8'), 'new\n');
  const st = await stat(real);
  assert.equal(st.mode & 0o7777, 0o600);
  if (root) assert.deepEqual([st.uid, st.gid], [1234, 4321]);
  // A dangling link: the file it names is created.
  await symlink('made.csv', join(dir, 'dangling.csv'));
  await writeFileAtomic(join(dir, 'dangling.csv'), 'x');
  assert.equal(await readFile(join(dir, 'made.csv'), 'utf8'), 'x');
  assert.ok((await lstat(join(dir, 'dangling.csv'))).isSymbolicLink());
  assert.deepEqual((await readdir(dir)).sort(), ['dangling.csv', 'link.csv', 'made.csv', 'real.csv'], 'no temp file left');
});

test('stale temp files of a crashed writer are removed at start; a live writer\'s are kept', async (t) => {
  const { removeStaleTemps } = await import('../../src/store/atomic-file.js');
  const dir = await tempDir(t);
  const dead = `.cluster.json.${2 ** 22 + 1}.1700000000000.tmp`;
  const live = `.cluster.json.${process.ppid}.${Date.now()}.tmp`;
  for (const f of [dead, live, 'cluster.json', '.other.json.1.1.tmp']) await writeFile(join(dir, f), '');
  assert.deepEqual(await removeStaleTemps(join(dir, 'cluster.json')), [dead]);
  assert.deepEqual((await readdir(dir)).sort(), [live, '.other.json.1.1.tmp', 'cluster.json'].sort());
  // The state store does it when it loads.
  await writeFile(join(dir, dead), '');
  await rm(join(dir, 'cluster.json'));
  assert.equal(await new FileStateStore(dir).load(), null);
  assert.ok(!(await readdir(dir)).includes(dead));
});
