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

test('a global budget per window across all keys, then one summary of what it dropped', () => {
  let t = 0;
  const summaries: number[] = [];
  const l = new LogLimiter(5, 10_000, () => t, { globalBurst: 3, onSummary: (n) => summaries.push(n) });
  // Spoofed sources: a new key per message. Only the budget gets through.
  const let_through = Array.from({ length: 1000 }, (_, i) => l.allow(`src ${i}`)).filter((s) => s !== null).length;
  assert.equal(let_through, 3);
  assert.deepEqual(summaries, [], 'no summary while the window lasts');
  t = 9_999;
  assert.equal(l.allow('src 5000'), null);
  t = 10_000;
  assert.equal(l.allow('src 0'), 0, 'a new window lets lines through again');
  assert.deepEqual(summaries, [998], 'one summary line: 997 + 1 dropped over the budget');
  t = 20_000;
  l.allow('x');
  assert.deepEqual(summaries, [998], 'nothing dropped in the last window, no summary');
});

test('a key dropped by the global budget reports its own count with its next line', () => {
  let t = 0;
  const l = new LogLimiter(5, 1000, () => t, { globalBurst: 1 });
  assert.equal(l.allow('a'), 0);
  assert.equal(l.allow('b'), null);
  assert.equal(l.allow('b'), null);
  t = 1000;
  assert.equal(l.allow('b'), 2);
});

test('the key table is bounded: a flood of new keys cannot grow it, and stays fast', () => {
  let t = 0;
  const l = new LogLimiter(1, 60_000, () => t, { maxKeys: 100 });
  for (let i = 0; i < 10_000; i++) l.allow(`k${i}`);
  assert.ok(l.size <= 100, `${l.size} keys kept`);
  // O(1) per call: 50,000 new keys take milliseconds (a walk of the whole table per new
  // key, as before, took seconds for this).
  const big = new LogLimiter(5, 60_000, () => t);
  const start = performance.now();
  for (let i = 0; i < 50_000; i++) {
    t = i; // every window still open: nothing to prune, the old walk found nothing to drop
    big.allow(`spoofed ${i}`);
  }
  const ms = performance.now() - start;
  assert.ok(big.size <= 1024, `${big.size} keys kept by default`);
  assert.ok(ms < 1500, `50,000 new keys took ${ms.toFixed(0)} ms`);
});

test('the least recently started key is forgotten first; a forgotten key starts afresh', () => {
  let t = 0;
  const l = new LogLimiter(1, 1000, () => t, { maxKeys: 2 });
  assert.equal(l.allow('a'), 0);
  assert.equal(l.allow('a'), null);
  assert.equal(l.allow('b'), 0);
  t = 1000;
  assert.equal(l.allow('a'), 1, "a's window restarts: it is now the most recent");
  assert.equal(l.allow('c'), 0, 'c pushes out b, not a');
  assert.equal(l.allow('a'), null, 'a is still limited');
  assert.equal(l.size, 2);
});

test("the agent's limiter (5 a minute per sender) under spoofed senders: a bounded number of lines and keys", () => {
  let t = 0;
  const l = new LogLimiter(5, 60_000, () => t);
  let lines = 0;
  for (let i = 0; i < 10_000; i++) if (l.allow(`badCommunity:10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`) !== null) lines++;
  assert.equal(lines, 25, 'the default global budget is 5 x burst per window');
  assert.ok(l.size <= 1024);
});
