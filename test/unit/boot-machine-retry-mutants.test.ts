// Exact outcomes of the boot machine's self-healing and image steps (a retry,
// its power-on, chooseImage), written to kill the mutants the older tests let
// live once those steps were added (README "Mutation testing").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { at, changed, persist, run, NOW } from '../helpers/boot-steps.js';

test('a retry\'s power-on: power on, and the attempt count and reason stay visible until the Pi makes progress', () => {
  const r = run(at('off', { power: 'off', bootAttempts: 2, lastError: 'retry 2 of 3: stuck' }), { type: 'powerOn', retry: true });
  assert.deepEqual(r.state, { ...at('poweringOn'), power: 'on', bootAttempts: 2, lastError: 'retry 2 of 3: stuck', lastChange: NOW, lastProgress: NOW });
  assert.deepEqual(r.effects, [changed('off', 'poweringOn'), persist]);
});

test('retry: records attempt and reason, says retried and persists; no state move and no progress (a retry is not a sign of life)', () => {
  const r = run(at('netbooting', { power: 'on' }), { type: 'retry', attempt: 2, reason: 'stuck' });
  assert.deepEqual(r.state, { ...at('netbooting'), power: 'on', bootAttempts: 2, lastError: 'stuck' });
  assert.deepEqual(r.effects, [{ type: 'retried', attempt: 2, reason: 'stuck' }, persist]);
});

test('chooseImage: a new choice is stored and persisted, the same one again changes nothing; a running install keeps what it sends', () => {
  const inst = at('installing', { sentImage: 'old', archiveSent: true });
  const r = run(inst, { type: 'chooseImage', name: 'bookworm' });
  assert.deepEqual(r.state, { ...inst, image: 'bookworm' });
  assert.deepEqual(r.effects, [persist]);
  const again = run(r.state, { type: 'chooseImage', name: 'bookworm' });
  assert.equal(again.state, r.state);
  assert.deepEqual(again.effects, []);
  const back = run(r.state, { type: 'chooseImage', name: '' });
  assert.deepEqual(back.state, inst, "'' goes back to hosts.csv's or the default image");
  assert.deepEqual(back.effects, [persist]);
});
