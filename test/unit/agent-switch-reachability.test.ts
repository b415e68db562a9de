import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SwitchReachability } from '../../src/agent/switch-reachability.js';
import type { PoeSwitch, SwitchStats } from '../../src/switch/types.js';
import { silentLogger } from '../../src/log.js';

function fakeSwitch(answers: { probe: boolean; answering?: boolean }): PoeSwitch {
  const stats = (): SwitchStats => ({ inFlight: 0, queued: 0, requests: 1, retried: 0, timedOut: 0, answering: answers.answering ?? true });
  return {
    name: 'sw1',
    address: '127.0.0.1',
    setPower: async () => undefined,
    getPower: async () => {
      if (!answers.probe) throw new Error('timeout');
      return 'on';
    },
    detection: async () => 'deliveringPower',
    macTable: async () => new Map(),
    ...(answers.answering === undefined ? {} : { stats }),
    close: () => undefined,
  };
}

test('pimanSwitchReachable follows the request queue: a request that gave up on a timeout makes it false before the next probe', async () => {
  const answers = { probe: true, answering: true };
  const r = new SwitchReachability(new Map([[1, fakeSwitch(answers)]]), silentLogger());
  await r.probe();
  assert.equal(r.isReachable(1), true);
  answers.answering = false; // a power SET timed out for good since the last probe
  assert.equal(r.isReachable(1), false);
  answers.answering = true; // the next request was answered
  assert.equal(r.isReachable(1), true);
});

test('pimanSwitchReachable: a failed probe is false; a switch without queue counters goes by the probe alone', async () => {
  const answers: { probe: boolean; answering?: boolean } = { probe: false };
  const r = new SwitchReachability(new Map([[1, fakeSwitch(answers)]]), silentLogger());
  await r.probe();
  assert.equal(r.isReachable(1), false);
  answers.probe = true;
  await r.probe();
  assert.equal(r.isReachable(1), true);
});
