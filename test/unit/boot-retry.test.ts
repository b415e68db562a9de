import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs, planRetries, planRetry, type RetryPolicy } from '../../src/cluster/boot-retry.js';
import { step } from '../../src/cluster/boot-machine.js';
import { initialPortState, type BootState, type PortState } from '../../src/cluster/types.js';

const policy: RetryPolicy = {
  attempts: 3,
  timeoutMs: { poweringOn: 60_000, netbooting: 30_000, installing: 120_000, booting: 90_000 },
  backoffMs: 10_000,
  backoffFactor: 2,
  maxBackoffMs: 25_000,
};
const at = (state: BootState, patch: Partial<PortState> = {}): PortState => ({ ...initialPortState(0), state, power: 'on', ...patch });

test('a port within its state timeout is left alone', () => {
  assert.deepEqual(planRetry(at('netbooting'), 29_999, policy), { type: 'none' });
  assert.deepEqual(planRetry(at('poweringOn'), 59_999, policy), { type: 'none' });
});

test('a port past its state timeout is retried, attempt 1, with the state and time in the reason', () => {
  const d = planRetry(at('netbooting'), 30_000, policy);
  assert.equal(d.type, 'retry');
  assert.equal(d.type === 'retry' && d.attempt, 1);
  assert.match(d.type === 'retry' ? d.reason : '', /netbooting.*30 s/);
});

test('each state has its own timeout, measured from the state change', () => {
  assert.equal(planRetry(at('booting', { lastChange: 10_000, lastProgress: 10_000 }), 99_999, policy).type, 'none');
  assert.equal(planRetry(at('booting', { lastChange: 10_000, lastProgress: 10_000 }), 100_000, policy).type, 'retry');
  // A netbooting port that keeps fetching files but never reaches the next state is still stuck.
  assert.equal(planRetry(at('netbooting', { lastChange: 0, lastProgress: 29_000 }), 30_000, policy).type, 'retry');
});

test('installing is judged by progress: a slow install that moves is not retried', () => {
  assert.equal(planRetry(at('installing', { lastChange: 0, lastProgress: 100_000 }), 200_000, policy).type, 'none');
  assert.equal(planRetry(at('installing', { lastChange: 0, lastProgress: 100_000 }), 220_000, policy).type, 'retry');
});

test('states that are not on the way up are never retried: off (an operator switched it off), up, failed, unknown', () => {
  for (const s of ['off', 'up', 'failed', 'unknown'] as const) {
    assert.deepEqual(planRetry(at(s), 10_000_000, policy), { type: 'none' }, s);
  }
  // Power known off, whatever the state says: never powered on again by a retry.
  assert.deepEqual(planRetry(at('poweringOn', { power: 'off' }), 10_000_000, policy), { type: 'none' });
});

test('backoff grows by the factor from the second retry on, up to its maximum', () => {
  assert.equal(backoffMs(0, policy), 0);
  assert.equal(backoffMs(1, policy), 10_000);
  assert.equal(backoffMs(2, policy), 20_000);
  assert.equal(backoffMs(3, policy), 25_000);
  assert.equal(backoffMs(50, policy), 25_000);
});

test('after a retry the next one waits the state timeout plus the backoff', () => {
  const p = at('netbooting', { bootAttempts: 1 });
  assert.equal(planRetry(p, 39_999, policy).type, 'none');
  const d = planRetry(p, 40_000, policy);
  assert.equal(d.type === 'retry' && d.attempt, 2);
});

test('with every attempt used the port gives up, with the reason and the number of retries', () => {
  const d = planRetry(at('netbooting', { bootAttempts: 3 }), 30_000 + 25_000, policy);
  assert.equal(d.type, 'giveUp');
  assert.match(d.type === 'giveUp' ? d.reason : '', /after 3 retries.*netbooting/);
});

test('attempts 0 turns self-healing off: a stuck port is never retried and never given up here', () => {
  assert.deepEqual(planRetry(at('netbooting'), 10_000_000, { ...policy, attempts: 0 }), { type: 'none' });
});

test('planRetries lists due ports oldest first and skips ports whose power operation runs', () => {
  const ports = [
    { key: { switchIndex: 1, port: 1 }, st: at('netbooting', { lastChange: 5_000 }) },
    { key: { switchIndex: 2, port: 7 }, st: at('netbooting', { lastChange: 1_000 }) },
    { key: { switchIndex: 1, port: 3 }, st: at('netbooting', { lastChange: 0 }) },
    { key: { switchIndex: 1, port: 4 }, st: at('up') },
  ];
  const due = planRetries(ports, 40_000, policy, (k) => k.port === 3);
  assert.deepEqual(
    due.map((d) => `${d.key.switchIndex}.${d.key.port}`),
    ['2.7', '1.1'],
  );
});

test('boot machine: a retry counts an attempt and records the reason; the power-on of a retry keeps the count', () => {
  const o = { timeoutMs: 180_000 };
  const r = step(at('netbooting'), { type: 'retry', attempt: 1, reason: 'retry 1 of 3: stuck' }, 1000, o);
  assert.equal(r.state.bootAttempts, 1);
  assert.equal(r.state.lastError, 'retry 1 of 3: stuck');
  assert.ok(r.effects.some((e) => e.type === 'retried'));
  const on = step({ ...r.state, state: 'off' }, { type: 'powerOn', retry: true }, 2000, o);
  assert.equal(on.state.bootAttempts, 1);
  assert.equal(on.state.state, 'poweringOn');
});

test('boot machine: an operator power-on and up reset the attempts', () => {
  const o = { timeoutMs: 180_000 };
  assert.equal(step(at('off', { bootAttempts: 2 }), { type: 'powerOn' }, 1, o).state.bootAttempts, 0);
  assert.equal(step(at('booting', { bootAttempts: 2 }), { type: 'up' }, 1, o).state.bootAttempts, 0);
});

test('boot machine: giving up fails the port with the reason and a gaveUp effect (pimanInstallFailed)', () => {
  const r = step(at('netbooting', { bootAttempts: 3 }), { type: 'giveUp', reason: 'gave up after 3 retries' }, 1000, { timeoutMs: 180_000 });
  assert.equal(r.state.state, 'failed');
  assert.equal(r.state.lastError, 'gave up after 3 retries');
  assert.ok(r.effects.some((e) => e.type === 'gaveUp'));
});
