import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter } from '../../src/dhcp/rate-limit.js';

test('rate limiter lets a few lines per window through and reports what it dropped', () => {
  const r = new RateLimiter(2, 1000);
  assert.equal(r.take('k', 0).ok, true);
  assert.equal(r.take('k', 1).ok, true);
  assert.equal(r.take('k', 2).ok, false);
  assert.equal(r.take('k', 3).ok, false);
  assert.equal(r.take('other', 3).ok, true);
  assert.deepEqual(r.take('k', 1000), { ok: true, suppressed: 2 });
});
