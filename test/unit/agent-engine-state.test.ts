/** snmpEngineID and snmpEngineBoots across restarts (engine-state.ts), and the start-up checks of communities. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE_FILE, newEngineId, parseEngineId, startEngine } from '../../src/snmp/engine-state.js';
import { communityWarnings, isLoopback } from '../../src/agent/community-check.js';
import { PimanError } from '../../src/errors.js';

async function dir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'piman-engine-'));
  t.after(() => rm(d, { recursive: true, force: true }));
  return d;
}

test('made once, kept, boots counted per start', async (t) => {
  const d = await dir(t);
  const a = await startEngine(d);
  assert.equal(a.engineBoots, 1);
  assert.equal(a.engineID.length, 17);
  assert.equal(a.engineID.subarray(0, 5).toString('hex'), '80001f8805', 'RFC 3411 format: enterprise 8072, octets');
  const b = await startEngine(d);
  assert.deepEqual(b.engineID, a.engineID);
  assert.equal(b.engineBoots, 2);
  assert.deepEqual(JSON.parse(await readFile(join(d, ENGINE_FILE), 'utf8')), { engineID: a.engineID.toString('hex'), engineBoots: 2 });
});

test('a configured engine ID wins; boots start again when the ID changes', async (t) => {
  const d = await dir(t);
  await startEngine(d);
  await startEngine(d);
  const id = parseEngineId('0x80001f8805c0ffee0001');
  const c = await startEngine(d, id);
  assert.deepEqual(c.engineID, id);
  assert.equal(c.engineBoots, 1);
  assert.equal((await startEngine(d, id)).engineBoots, 2);
});

test('a damaged file is one clear error, not a silent new identity', async (t) => {
  const d = await dir(t);
  await writeFile(join(d, ENGINE_FILE), '{"engineID": 3}');
  await assert.rejects(startEngine(d), (e: unknown) => e instanceof PimanError && e.code === 'E_STATE_CORRUPT' && /remove it/.test(e.message));
});

test('engine IDs: fresh ones differ; the config form is 5 to 32 octets of hex', () => {
  assert.notDeepEqual(newEngineId(), newEngineId());
  assert.equal(parseEngineId('80:00:1f:88:05').length, 5);
  assert.throws(() => parseEngineId('80001f88'), /5 to 32 octets/);
  assert.throws(() => parseEngineId('zz001f8805'), /5 to 32 octets/);
});

test('well-known communities: a warning each when the agent listens beyond loopback', () => {
  assert.ok(isLoopback('127.0.0.1'));
  assert.ok(!isLoopback('0.0.0.0'));
  assert.deepEqual(communityWarnings('127.0.0.1', 'public', 'private'), []);
  const w = communityWarnings('0.0.0.0', 'public', 'private');
  assert.equal(w.length, 2);
  assert.match(w[0]!, /agent\.readCommunity is the well-known "public"/);
  assert.match(w[1]!, /agent\.writeCommunity is the well-known "private".*wipe/);
  assert.deepEqual(communityWarnings('10.0.0.1', 'rack-ro-7f3a', 'rack-rw-99c1'), []);
});
