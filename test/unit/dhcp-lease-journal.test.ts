/**
 * DHCP leases on disk as a snapshot and a journal (src/store/journal.ts):
 * a lease costs an appended line, not a rewrite of every lease; what was
 * acknowledged survives a crash (a store opened again without close); a
 * torn last line and a journal of another generation are left out; a
 * damaged line in the middle is refused with where it is.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LEASE_FILE, LEASE_JOURNAL, LeaseStore } from '../../src/dhcp/leases.js';
import { PimanError } from '../../src/errors.js';
import fc from 'fast-check';

const mac = (i: number): string => `02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
const ip = (i: number): string => `10.1.${i >> 8}.${i & 255}`;

async function stateDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'piman-journal-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('with 1,000 leases, one more appends one line: the snapshot is not rewritten', async (t) => {
  const dir = await stateDir(t);
  const store = await LeaseStore.open(dir);
  await Promise.all(Array.from({ length: 1000 }, (_, i) => store.bind(mac(i), ip(i), 1000 + i, 'pool')));
  const snap = await stat(join(dir, LEASE_FILE));
  const journal = await stat(join(dir, LEASE_JOURNAL));
  await store.bind(mac(1000), ip(1000), 5000, 'pool');
  const snapAfter = await stat(join(dir, LEASE_FILE));
  assert.equal(snapAfter.ino, snap.ino, 'the snapshot was replaced');
  assert.equal(snapAfter.size, snap.size);
  const grown = (await stat(join(dir, LEASE_JOURNAL))).size - journal.size;
  assert.ok(grown > 0 && grown < 200, `the journal grew by ${grown} bytes`);
  await store.close();
});

test('acknowledged leases, releases and declines survive a crash (opened again without close)', async (t) => {
  const dir = await stateDir(t);
  const a = await LeaseStore.open(dir);
  for (let i = 0; i < 5; i++) await a.bind(mac(i), ip(i), 1000 + i, 'pool');
  await a.bind(mac(9), ip(1), 2000, 'learned'); // takes 10.1.0.1 from mac 1
  await a.release(mac(2), 500);
  await a.decline(ip(3), 9999);
  const b = await LeaseStore.open(dir);
  assert.deepEqual(
    b.list().sort((x, y) => x.mac.localeCompare(y.mac)),
    [
      { mac: mac(0), ip: ip(0), expires: 1000, source: 'pool' },
      { mac: mac(2), ip: ip(2), expires: 500, source: 'pool' },
      { mac: mac(4), ip: ip(4), expires: 1004, source: 'pool' },
      { mac: mac(9), ip: ip(1), expires: 2000, source: 'learned' },
    ],
  );
  assert.equal(b.ownerOf(ip(1)), mac(9));
  assert.equal(b.ownerOf(ip(3)), undefined);
  await a.close();
  await b.close();
});

test('the journal is folded into the snapshot once it is long; what is on disk stays whole', async (t) => {
  const dir = await stateDir(t);
  const a = await LeaseStore.open(dir);
  // 5,000 renewals of 10 leases: past the 4,096 lines a journal may hold.
  for (let r = 0; r < 500; r++) await Promise.all(Array.from({ length: 10 }, (_, i) => a.bind(mac(i), ip(i), r * 10 + i, 'pool')));
  const lines = (await readFile(join(dir, LEASE_JOURNAL), 'utf8')).split('\n').length;
  assert.ok(lines < 4200, `${lines} lines in the journal`);
  const snapshot = JSON.parse(await readFile(join(dir, LEASE_FILE), 'utf8')) as { journal: number; leases: unknown[] };
  assert.ok(snapshot.journal >= 2, `generation ${snapshot.journal}: compacted at the first change and at least once more`);
  const b = await LeaseStore.open(dir);
  assert.deepEqual(b.list().map((l) => l.expires).sort((x, y) => x - y), Array.from({ length: 10 }, (_, i) => 4990 + i));
  await a.close();
  await b.close();
});

test('a torn last line (a crash during an append) is left out; the lines before it count', async (t) => {
  const dir = await stateDir(t);
  const a = await LeaseStore.open(dir);
  await a.bind(mac(1), ip(1), 1000, 'pool');
  await a.bind(mac(2), ip(2), 2000, 'pool');
  await a.close();
  await appendFile(join(dir, LEASE_JOURNAL), '{"mac":"02:00:00:00:00:03","ip":"10.1');
  const b = await LeaseStore.open(dir);
  assert.deepEqual(b.list().map((l) => l.mac).sort(), [mac(1), mac(2)]);
  // Its next change starts a new generation: the torn bytes are never followed by a line.
  await b.bind(mac(4), ip(4), 4000, 'pool');
  const c = await LeaseStore.open(dir);
  assert.deepEqual(c.list().map((l) => l.mac).sort(), [mac(1), mac(2), mac(4)]);
  await b.close();
  await c.close();
});

test('a journal of another generation than the snapshot names is not replayed', async (t) => {
  const dir = await stateDir(t);
  await writeFile(join(dir, LEASE_FILE), JSON.stringify({ version: 1, journal: 5, leases: [{ mac: mac(1), ip: ip(1), expires: 1, source: 'pool' }] }));
  await writeFile(join(dir, LEASE_JOURNAL), `{"journal":4}\n${JSON.stringify({ mac: mac(2), ip: ip(2), expires: 2, source: 'pool' })}\n`);
  const a = await LeaseStore.open(dir);
  assert.deepEqual(a.list().map((l) => l.mac), [mac(1)]);
  await writeFile(join(dir, LEASE_JOURNAL), `{"journal":5}\n${JSON.stringify({ mac: mac(2), ip: ip(2), expires: 2, source: 'pool' })}\n`);
  const b = await LeaseStore.open(dir);
  assert.deepEqual(b.list().map((l) => l.mac).sort(), [mac(1), mac(2)]);
});

test('a lease file from before the journal (no generation) is read as it was', async (t) => {
  const dir = await stateDir(t);
  await writeFile(join(dir, LEASE_FILE), JSON.stringify({ version: 1, leases: [{ mac: mac(1), ip: ip(1), expires: 1, source: 'static' }] }));
  const a = await LeaseStore.open(dir);
  assert.equal(a.get(mac(1))?.source, 'static');
  await a.bind(mac(2), ip(2), 2, 'pool');
  const b = await LeaseStore.open(dir);
  assert.deepEqual(b.list().map((l) => l.mac).sort(), [mac(1), mac(2)]);
});

test('a damaged line inside the journal is refused with the file and line, and what to do', async (t) => {
  const dir = await stateDir(t);
  const a = await LeaseStore.open(dir);
  await a.bind(mac(1), ip(1), 1000, 'pool'); // the first change after opening goes into a new snapshot
  await a.bind(mac(3), ip(3), 3000, 'pool'); // journal line 2 (line 1 names its generation)
  await a.close();
  await appendFile(join(dir, LEASE_JOURNAL), `{"mac":"nope"}\n${JSON.stringify({ mac: mac(2), ip: ip(2), expires: 2, source: 'pool' })}\n`);
  await assert.rejects(
    LeaseStore.open(dir),
    (e: unknown) => e instanceof PimanError && e.code === 'E_STATE_CORRUPT' && e.message.includes(`${LEASE_JOURNAL} line 3: not a piman DHCP lease file (`) && /move it away/.test(e.message),
  );
});

test('property: whatever follows the journal header, opening loads or refuses with E_STATE_CORRUPT', async (t) => {
  const dir = await stateDir(t);
  const line = fc.oneof(
    fc.string(),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.record({ mac: fc.constantFrom(mac(1), 'x'), ip: fc.string(), expires: fc.oneof(fc.double(), fc.integer()), source: fc.constantFrom('pool', 'static', 'nope') }).map((r) => JSON.stringify(r)),
    fc.constantFrom(mac(1), '02:00:00:00:00:zz').map((m) => JSON.stringify({ drop: m })),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(line, { maxLength: 6 }), fc.boolean(), async (lines, newlineAtEnd) => {
      await writeFile(join(dir, LEASE_FILE), JSON.stringify({ version: 1, journal: 1, leases: [] }));
      await writeFile(join(dir, LEASE_JOURNAL), `{"journal":1}\n${lines.join('\n')}${newlineAtEnd ? '\n' : ''}`);
      try {
        const s = await LeaseStore.open(dir);
        for (const l of s.list()) assert.match(l.mac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
      } catch (e) {
        assert.ok(e instanceof PimanError && e.code === 'E_STATE_CORRUPT', String(e));
      }
    }),
    { numRuns: 300 },
  );
});
