import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestQueue, attemptPlan } from '../../src/switch/request-queue.js';
import { SetBatcher, type PowerChange } from '../../src/switch/set-batcher.js';

class Timeout extends Error {}
const isTimeout = (e: unknown): boolean => e instanceof Timeout;
const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('attempts and their pauses fit in timeoutMs', () => {
  assert.deepEqual(attemptPlan(5000, 0), { attemptMs: 5000, pausesMs: [] });
  for (const [t, r] of [[5000, 1], [3000, 2], [3000, 3], [1000, 5]] as const) {
    const p = attemptPlan(t, r);
    assert.equal(p.pausesMs.length, r);
    const total = p.attemptMs * (r + 1) + p.pausesMs.reduce((a, b) => a + b, 0);
    assert.ok(total <= t && total > t - (r + 2) * 2, `${t}/${r}: ${total}`);
    for (let i = 1; i < p.pausesMs.length; i++) assert.ok(p.pausesMs[i]! >= 2 * p.pausesMs[i - 1]! - 1, 'pauses grow');
  }
});

test('never more than maxInFlight requests run; the rest wait in order', async () => {
  const q = new RequestQueue({ maxInFlight: 3, timeoutMs: 1000, retries: 0, isTimeout });
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  let open: () => void = () => undefined;
  const gate = new Promise<void>((r) => (open = r));
  const jobs = Array.from({ length: 20 }, (_, i) =>
    q.run(async () => {
      running++;
      peak = Math.max(peak, running);
      order.push(i);
      await gate;
      await tick(1 + (i % 3));
      running--;
      return i;
    }),
  );
  await tick(1);
  // Held at the gate: three run, seventeen wait.
  assert.deepEqual({ inFlight: q.stats().inFlight, queued: q.stats().queued, started: order.length }, { inFlight: 3, queued: 17, started: 3 });
  open();
  assert.deepEqual(await Promise.all(jobs), Array.from({ length: 20 }, (_, i) => i));
  assert.equal(peak, 3);
  assert.deepEqual(order, [...order].sort((a, b) => a - b), 'started in order');
  assert.deepEqual({ inFlight: q.stats().inFlight, queued: q.stats().queued, requests: q.stats().requests }, { inFlight: 0, queued: 0, requests: 20 });
});

test('a timeout is retried after a pause; the last one is thrown and counted', async () => {
  const pauses: number[] = [];
  const q = new RequestQueue({ maxInFlight: 1, timeoutMs: 3000, retries: 2, isTimeout, sleep: async (ms) => void pauses.push(ms) });
  let n = 0;
  assert.equal(await q.run(async () => (++n < 3 ? Promise.reject(new Timeout()) : 'ok')), 'ok');
  assert.deepEqual(pauses, q.plan.pausesMs);
  assert.deepEqual({ retried: q.stats().retried, timedOut: q.stats().timedOut, answering: q.stats().answering }, { retried: 2, timedOut: 2, answering: true });
  await assert.rejects(q.run(async () => Promise.reject(new Timeout())), Timeout);
  assert.deepEqual({ retried: q.stats().retried, timedOut: q.stats().timedOut, answering: q.stats().answering }, { retried: 4, timedOut: 5, answering: false });
  // Another error is not retried.
  n = 0;
  await assert.rejects(q.run(async () => Promise.reject(new Error(`refused ${++n}`))), /refused 1/);
  assert.equal(q.stats().answering, true);
  assert.equal(q.stats().inFlight, 0);
});

function batcher(maxInFlight: number, maxVarbinds: number, send: (c: readonly PowerChange[]) => Promise<void>) {
  const q = new RequestQueue({ maxInFlight, timeoutMs: 1000, retries: 0, isTimeout });
  const b = new SetBatcher({
    queue: q,
    maxVarbinds,
    send,
    isTimeout,
    tooBig: (e) => e instanceof Error && e.message === 'tooBig',
    single: async (c, e) => new Error(`port ${c.port}: ${(e as Error).message}`),
  });
  return { q, b };
}

test('changes waiting for a slot share one SET, up to maxVarbinds, each port once per PDU', async () => {
  const pdus: string[][] = [];
  const { b } = batcher(1, 4, async (c) => {
    pdus.push(c.map((x) => `${x.port}${x.power}`));
    await tick();
  });
  await Promise.all([b.set({ port: 1, power: 'on' }), ...[2, 3, 4, 5, 6].map((port) => b.set({ port, power: 'off' })), b.set({ port: 7, power: 'on' }), b.set({ port: 7, power: 'off' })]);
  assert.deepEqual(pdus, [['1on'], ['2off', '3off', '4off', '5off'], ['6off', '7on'], ['7off']]);
});

test('a refused shared SET is sent again port by port; tooBig halves the PDU size', async () => {
  const pdus: number[][] = [];
  const { b } = batcher(1, 4, async (c) => {
    pdus.push(c.map((x) => x.port));
    await tick(1);
    if (c.length > 2) throw new Error('tooBig');
    if (c.some((x) => x.port === 3)) throw new Error('noCreation');
  });
  const rs = await Promise.allSettled([1, 2, 3, 4, 5, 6, 7, 8].map((port) => b.set({ port, power: 'on' })));
  assert.deepEqual(rs.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
  assert.match(String((rs[2] as PromiseRejectedResult).reason), /port 3: noCreation/);
  assert.deepEqual(pdus.slice(0, 2), [[1], [2, 3, 4, 5]]);
  // The PDU already queued behind the refused one may still be big; every later one is at most 2.
  const big = pdus.map((p, i) => (p.length > 2 ? i : -1)).filter((i) => i >= 0);
  assert.ok(big.length <= 2 && big.every((i) => i <= 2), JSON.stringify(pdus));
  for (const port of [2, 3, 4, 5]) assert.ok(pdus.some((p) => p.length === 1 && p[0] === port), `port ${port} sent alone: ${JSON.stringify(pdus)}`);
});

test('a shared SET that times out fails each of its ports with the timeout', async () => {
  const { b } = batcher(1, 8, async () => Promise.reject(new Timeout('no answer')));
  const rs = await Promise.allSettled([1, 2, 3].map((port) => b.set({ port, power: 'on' })));
  assert.deepEqual(rs.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')), ['Error: port 1: no answer', 'Error: port 2: no answer', 'Error: port 3: no answer']);
});
