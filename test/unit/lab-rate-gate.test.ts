import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateGate } from '../../src/lab/rate-gate.js';
import { eventually } from '../helpers/eventually.js';

test('a rate-limited gate serves one at a time at its rate, holds its backlog and drops the rest', async (t) => {
  const g = new RateGate({ ratePerSecond: 100, backlog: 3 });
  t.after(() => g.stop());
  const served: number[] = [];
  const t0 = Date.now();
  for (let i = 0; i < 5; i++) g.offer(() => served.push(i));
  assert.deepEqual({ ...g.load(), served: served.length }, { received: 5, served: 0, dropped: 2, inFlight: 3, peakInFlight: 3 });
  await eventually(() => served.length === 3, 'three served', 5000);
  assert.deepEqual(served, [0, 1, 2]);
  assert.ok(Date.now() - t0 >= 25, 'three services of 10 ms');
  assert.deepEqual(g.load(), { received: 5, served: 3, dropped: 2, inFlight: 0, peakInFlight: 3 });
});

test('unlimited serves at once; down drops everything; the rate can change', async (t) => {
  const g = new RateGate({ ratePerSecond: 0 });
  t.after(() => g.stop());
  let n = 0;
  g.offer(() => n++);
  assert.equal(n, 1);
  g.setDown(true);
  g.offer(() => n++);
  assert.deepEqual({ n, dropped: g.load().dropped }, { n: 1, dropped: 1 });
  g.setDown(false);
  g.setRate(50);
  g.offer(() => n++);
  assert.equal(n, 1, 'queued for 20 ms');
  await eventually(() => n === 2, 'served after the pause', 5000);
  assert.throws(() => g.setRate(-1), RangeError);
});
