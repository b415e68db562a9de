import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnknownMacs } from '../../src/dhcp/unknown.js';
import { RateLimiter } from '../../src/dhcp/rate-limit.js';

test('unknown MACs: first sighting reported once, counted, bounded, most recent first', () => {
  const u = new UnknownMacs(3);
  assert.equal(u.record('b8:27:eb:00:00:01', 10, 'PXEClient:Arch:00000:UNDI:002001'), true);
  assert.equal(u.record('b8:27:eb:00:00:01', 20, null), false);
  const first = u.list()[0]!;
  assert.deepEqual(first, { mac: 'b8:27:eb:00:00:01', firstSeen: 10, lastSeen: 20, count: 2, vendorClass: 'PXEClient:Arch:00000:UNDI:002001', raspberryPi: true });
  for (let i = 2; i <= 4; i++) u.record(`02:00:00:00:00:0${i}`, 20 + i, null);
  assert.deepEqual(u.list().map((x) => x.mac), ['02:00:00:00:00:04', '02:00:00:00:00:03', '02:00:00:00:00:02']);
  assert.equal(u.list()[0]!.raspberryPi, false);
});

test('rate limiter lets a few lines per window through and reports what it dropped', () => {
  const r = new RateLimiter(2, 1000);
  assert.equal(r.take('k', 0).ok, true);
  assert.equal(r.take('k', 1).ok, true);
  assert.equal(r.take('k', 2).ok, false);
  assert.equal(r.take('k', 3).ok, false);
  assert.equal(r.take('other', 3).ok, true);
  assert.deepEqual(r.take('k', 1000), { ok: true, suppressed: 2 });
});
