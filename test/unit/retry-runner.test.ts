import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, type ClusterEvent } from '../../src/cluster/cluster.js';
import { MemoryStateStore } from '../../src/store/state-store.js';
import type { PortKey, SwitchInfo } from '../../src/cluster/types.js';
import { RetryRunner } from '../../src/switch/retry-runner.js';
import type { RetryPolicy } from '../../src/cluster/boot-retry.js';

const switches: SwitchInfo[] = [
  { index: 1, name: 'sw1', address: '10.0.0.2', ports: 3 },
  { index: 2, name: 'sw2', address: '10.0.0.3', ports: 2 },
];
const policy: RetryPolicy = {
  attempts: 2,
  timeoutMs: { poweringOn: 10_000, netbooting: 10_000, installing: 10_000, booting: 10_000 },
  backoffMs: 5_000,
  backoffFactor: 2,
  maxBackoffMs: 60_000,
};

/** Lets retries whose slot is now (a 0 ms timer) start. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

async function rig(staggerMs = 0) {
  let now = 0;
  const cluster = await Cluster.open({ switches, hosts: [], store: new MemoryStateStore(), timeoutMs: 180_000, now: () => now });
  const cycles: string[] = [];
  const starts: number[] = [];
  const busy = new Set<string>();
  const logs: string[] = [];
  const power = {
    isBusy: (k: PortKey) => busy.has(`${k.switchIndex}.${k.port}`),
    // What the real controller does to the port: off, then on again (a retry's power-on).
    cycle: async (keys: readonly PortKey[], o: { retry?: boolean } = {}) => {
      for (const k of keys) {
        cycles.push(`${k.switchIndex}.${k.port}${o.retry ? ' retry' : ''}`);
        starts.push(Date.now());
        cluster.apply(k, { type: 'powerOff' });
        cluster.apply(k, o.retry ? { type: 'powerOn', retry: true } : { type: 'powerOn' });
      }
    },
  };
  const log = { info: (_o: object, m: string) => void logs.push(m), warn: (_o: object, m: string) => void logs.push(m) };
  const runner = new RetryRunner({ cluster, power, policy, log, now: () => now, staggerMs });
  return { cluster, runner, cycles, starts, busy, logs, setNow: (t: number) => (now = t) };
}

test('a stuck port is power-cycled as a retry, counted on the port and in the counters, and logged', async () => {
  const r = await rig();
  r.cluster.apply({ switchIndex: 2, port: 1 }, { type: 'dhcp', pxe: true });
  r.setNow(9_999);
  assert.deepEqual(r.runner.tick(), []);
  r.setNow(10_000);
  assert.deepEqual(r.runner.tick(), [{ switchIndex: 2, port: 1 }]);
  await settle();
  assert.deepEqual(r.cycles, ['2.1 retry']);
  const p = r.cluster.port({ switchIndex: 2, port: 1 })!;
  assert.equal(p.state, 'poweringOn');
  assert.equal(p.bootAttempts, 1);
  assert.match(p.lastError, /retry 1 of 2: netbooting/);
  assert.equal(r.cluster.getCounters().bootRetries, 1);
  assert.ok(r.logs.some((l) => /boot retry/.test(l)));
});

test('retries run out: the port fails with the reason and a gaveUp event (pimanInstallFailed)', async () => {
  const r = await rig();
  const events: ClusterEvent[] = [];
  r.cluster.on((e) => events.push(e));
  const k = { switchIndex: 1, port: 2 };
  r.cluster.apply(k, { type: 'powerOn' });
  r.setNow(10_000);
  r.runner.tick(); // retry 1, power-on at 10 s
  await settle();
  r.setNow(20_000 + 4_999);
  assert.deepEqual(r.runner.tick(), [], 'the backoff holds the second retry');
  r.setNow(25_000);
  r.runner.tick(); // retry 2, power-on at 25 s
  await settle();
  r.setNow(25_000 + 10_000 + 10_000);
  r.runner.tick(); // out of attempts
  const p = r.cluster.port(k)!;
  assert.equal(p.state, 'failed');
  assert.match(p.lastError, /gave up after 2 retries/);
  assert.ok(events.some((e) => e.effect.type === 'gaveUp'));
  assert.equal(r.cycles.length, 2);
});

test('a port switched off by an operator, or one whose power operation runs, is not retried', async () => {
  const r = await rig();
  r.cluster.apply({ switchIndex: 1, port: 1 }, { type: 'powerOff' });
  r.cluster.apply({ switchIndex: 1, port: 3 }, { type: 'powerOn' });
  r.busy.add('1.3');
  r.setNow(1_000_000);
  assert.deepEqual(r.runner.tick(), []);
  assert.deepEqual(r.cycles, []);
});

test('a port that comes up starts over with a full set of attempts', async () => {
  const r = await rig();
  const k = { switchIndex: 1, port: 1 };
  r.cluster.apply(k, { type: 'powerOn' });
  r.setNow(10_000);
  r.runner.tick();
  await settle();
  r.cluster.apply(k, { type: 'up' });
  assert.equal(r.cluster.port(k)!.bootAttempts, 0);
});

test('retries decided together start staggered, and a port waiting for its slot is not retried twice', async () => {
  let now = 0;
  const cluster = await Cluster.open({ switches, hosts: [], store: new MemoryStateStore(), timeoutMs: 180_000, now: () => now });
  for (const port of [1, 2, 3]) cluster.apply({ switchIndex: 1, port }, { type: 'powerOn' });
  const delays: number[] = [];
  const fns: Array<() => void> = [];
  const cycles: string[] = [];
  const power = { isBusy: () => false, cycle: async (keys: readonly PortKey[]) => void cycles.push(...keys.map((k) => `${k.switchIndex}.${k.port}`)) };
  const log = { info: () => undefined, warn: () => undefined };
  const setTimer = (fn: () => void, ms: number): NodeJS.Timeout => {
    delays.push(ms);
    fns.push(fn);
    return setTimeout(() => undefined, 0);
  };
  const runner = new RetryRunner({ cluster, power, policy, log, now: () => now, staggerMs: 60, setTimer });
  now = 10_000;
  assert.equal(runner.tick().length, 3);
  assert.equal(runner.tick().length, 0, 'pending retries are not decided again');
  assert.deepEqual(delays, [0, 60, 120]);
  // A retry decided once the slots have passed starts at once.
  cluster.apply({ switchIndex: 2, port: 1 }, { type: 'powerOn' });
  now = 20_000;
  assert.equal(runner.tick().length, 1);
  assert.equal(delays.at(-1), 0, 'by then the slots have passed');
  for (const f of fns) f();
  assert.deepEqual(cycles, ['1.1', '1.2', '1.3', '2.1']);
  runner.stop();
});

test('stop() drops retries still waiting for their slot', async () => {
  const r = await rig(10_000);
  for (const port of [1, 2]) r.cluster.apply({ switchIndex: 1, port }, { type: 'powerOn' });
  r.setNow(10_000);
  r.runner.tick();
  await settle();
  r.runner.stop();
  await new Promise((res) => setTimeout(res, 50));
  assert.deepEqual(r.cycles, ['1.1 retry']);
});

test('after piman (re)starts, a port restored in a boot state gets its full state time before a retry', async () => {
  let now = 1_000_000;
  const cluster = await Cluster.open({ switches, hosts: [], store: new MemoryStateStore(), timeoutMs: 180_000, now: () => now });
  // Restored from the state file: netbooting since long before this start.
  now = 0;
  cluster.apply({ switchIndex: 1, port: 1 }, { type: 'dhcp', pxe: true });
  now = 1_000_000;
  const cycles: string[] = [];
  const power = { isBusy: () => false, cycle: async (keys: readonly PortKey[]) => void cycles.push(...keys.map((k) => `${k.switchIndex}.${k.port}`)) };
  const log = { info: () => undefined, warn: () => undefined };
  const runner = new RetryRunner({ cluster, power, policy, log, now: () => now });
  assert.deepEqual(runner.tick(), [], 'not at once: the Pi may be running and only unseen');
  now += 10_000;
  assert.equal(runner.tick().length, 1);
  runner.stop();
});
