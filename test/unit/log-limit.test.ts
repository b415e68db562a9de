import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogLimiter } from '../../src/log-limit.js';

test('a burst per key per window, then silence; the next window reports what was dropped', () => {
  let t = 0;
  const l = new LogLimiter(2, 1000, () => t);
  assert.equal(l.allow('a'), 0);
  assert.equal(l.allow('a'), 0);
  assert.equal(l.allow('a'), null);
  assert.equal(l.allow('a'), null);
  assert.equal(l.allow('b'), 0, 'keys are independent');
  t = 1000;
  assert.equal(l.allow('a'), 2);
  assert.equal(l.allow('a'), 0);
});
