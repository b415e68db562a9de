// Request-name handling and the MASTER rewrite, written to kill the mutants
// the older tests let live (README "Mutation testing").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestCandidates, isPrefixFolder, isRewritten, rewriteMaster } from '../../src/tftp/paths.js';

test('a name of nothing but dots and slashes names no file (code 1, with a message)', () => {
  for (const name of ['', '.', './.', './/.', './/']) {
    const r = requestCandidates(name, null);
    assert.equal(r.ok, false, name);
    assert.equal(!r.ok && r.code, 1, name);
    assert.match(!r.ok ? r.message : '', /no file name/, name);
  }
});

test('refusals are access violations (code 2) that say why', () => {
  const abs = requestCandidates('/etc/passwd', null);
  assert.equal(!abs.ok && abs.code, 2);
  assert.match(!abs.ok ? abs.message : '', /absolute/);
  const back = requestCandidates('\\boot\\x', null);
  assert.equal(!back.ok && back.code, 2);
  const dots = requestCandidates('a/../b', null);
  assert.equal(!dots.ok && dots.code, 2);
  assert.match(!dots.ok ? dots.message : '', /'\.\.'/);
});

test('a single segment that looks like a serial or MAC folder is a plain file', () => {
  assert.deepEqual(requestCandidates('1a2b3c4d', null), { ok: true, name: '1a2b3c4d', paths: ['1a2b3c4d'] });
  assert.deepEqual(requestCandidates('dc-a6-32-01-36-c2', null), { ok: true, name: 'dc-a6-32-01-36-c2', paths: ['dc-a6-32-01-36-c2'] });
});

test('the prefix folder keeps the rest of the path, folders included', () => {
  assert.deepEqual(requestCandidates('1a2b3c4d/overlays/x.dtbo', null), {
    ok: true,
    name: '1a2b3c4d/overlays/x.dtbo',
    paths: ['1a2b3c4d/overlays/x.dtbo', 'overlays/x.dtbo'],
  });
});

test('only whole serials and dashed MACs are prefix folders', () => {
  for (const yes of ['1a2b3c4d', '1A2B3C4D', 'dc-a6-32-01-36-c2', 'DC-A6-32-01-36-C2']) assert.equal(isPrefixFolder(yes), true, yes);
  for (const no of ['1a2b3c4d5', 'x1a2b3c4d', '1a2b3c4g', '1a2b3c4', 'dc-a6-32-01-36-c2-ff', 'xdc-a6-32-01-36-c2', 'dc-a6-32-01-36-c2x', 'dc:a6:32:01:36:c2', 'overlays']) {
    assert.equal(isPrefixFolder(no), false, no);
  }
  assert.deepEqual(requestCandidates('1a2b3c4d5/start.elf', null), { ok: true, name: '1a2b3c4d5/start.elf', paths: ['1a2b3c4d5/start.elf'] });
});

test('names arrive as Latin-1 bytes and are read as UTF-8', () => {
  const wire = Buffer.from('café/x.txt', 'utf8').toString('latin1');
  assert.deepEqual(requestCandidates(wire, null), { ok: true, name: 'café/x.txt', paths: ['café/x.txt'] });
});

test('isRewritten: cmdline.txt in any folder, nothing else', () => {
  assert.equal(isRewritten('cmdline.txt'), true);
  assert.equal(isRewritten('1a2b3c4d/cmdline.txt'), true);
  assert.equal(isRewritten('a/b/cmdline.txt'), true);
  for (const no of ['config.txt', 'cmdline.txt.bak', 'xcmdline.txt', 'cmdline.txt/x', 'a/mycmdline.txt']) assert.equal(isRewritten(no), false, no);
});

test('rewriteMaster leaves content without MASTER untouched (same buffer) and keeps every other byte', () => {
  const plain = Buffer.from([0x72, 0x6f, 0x6f, 0x74, 0xff, 0x00, 0xe9]);
  assert.equal(rewriteMaster(plain, '10.0.0.1'), plain);
  const mixed = Buffer.concat([Buffer.from([0xff, 0xe9, 0x20]), Buffer.from('nfsroot=MASTER:/x'), Buffer.from([0x80])]);
  const out = rewriteMaster(mixed, '10.0.0.1');
  assert.deepEqual([...out], [...Buffer.concat([Buffer.from([0xff, 0xe9, 0x20]), Buffer.from('nfsroot=10.0.0.1:/x'), Buffer.from([0x80])])]);
  const noWord = Buffer.from('MASTERS');
  assert.deepEqual(rewriteMaster(noWord, '10.0.0.1').toString(), 'MASTERS');
});
