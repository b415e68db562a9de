import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cycleEnded, cycleTimeoutMs, powerEnded, waitFor, type WaitIo } from '../../src/cli/cycle-wait.js';
import type { PortRow } from '../../src/cli/agent-client.js';
import type { PortKey } from '../../src/cluster/types.js';

const row = (p: Partial<PortRow>): PortRow => ({
  switchIndex: 1,
  port: 7,
  mac: null,
  ip: null,
  hostname: 'pi7',
  state: 'up',
  reinstall: false,
  power: 'on',
  progress: 0,
  lastChange: 0,
  lastError: '',
  image: '',
  installedImage: '',
  installedDigest: '',
  health: null,
  attempts: 0,
  ...p,
});

/** Replays one row per poll; a virtual clock advances by the sleeps. */
function io(script: PortRow[][]): WaitIo & { polls: number } {
  let t = 0;
  const s = {
    polls: 0,
    async ports(_k: readonly PortKey[]): Promise<PortRow[]> {
      const r = script[Math.min(s.polls, script.length - 1)]!;
      s.polls++;
      return r;
    },
    async sleep(ms: number): Promise<void> {
      t += ms;
    },
    now: () => t,
  };
  return s;
}

const key = { switchIndex: 1, port: 7 };

test('a cycle ends when the port powers on after the SET', async () => {
  const before = row({ state: 'up', lastChange: 50 });
  const i = io([[before], [row({ state: 'off', lastChange: 120, power: 'off' })], [row({ state: 'poweringOn', lastChange: 130 })]]);
  const [o] = await waitFor(i, [key], [before], 100, cycleEnded, { timeoutMs: 10_000, pollMs: 100 });
  assert.equal(o!.ok, true);
  assert.equal(i.polls, 3);
});

test('a boot state seen after the SET only counts once the port was seen off', async () => {
  const before = row({ state: 'netbooting', lastChange: 50 });
  // an unrelated change (netbooting -> installing) after the SET must not end the wait
  const i = io([[row({ state: 'installing', lastChange: 110 })], [row({ state: 'off', lastChange: 120 })], [row({ state: 'netbooting', lastChange: 140 })]]);
  const [o] = await waitFor(i, [key], [before], 100, cycleEnded, { timeoutMs: 10_000, pollMs: 100 });
  assert.equal(o!.ok, true);
  assert.equal(i.polls, 3);
});

test('a failed switch call ends the wait with the port error', async () => {
  const before = row({ state: 'up', lastChange: 50 });
  const i = io([[row({ state: 'failed', lastChange: 105, lastError: 'switch sw1 (10.0.0.2) did not answer within 5 s' })]]);
  const [o] = await waitFor(i, [key], [before], 100, cycleEnded, { timeoutMs: 10_000, pollMs: 100 });
  assert.deepEqual(o!.ok ? null : o!.error, 'switch sw1 (10.0.0.2) did not answer within 5 s');
});

test('the wait is bounded: no change within the timeout is an error naming the state', async () => {
  const before = row({ state: 'up', lastChange: 50 });
  const i = io([[before]]);
  const [o] = await waitFor(i, [key], [before], 100, cycleEnded, { timeoutMs: 1_000, pollMs: 100 });
  assert.equal(o!.ok, false);
  assert.match(o!.ok ? '' : o!.error, /within 1 s \(state up\)/);
});

test('power off ends when the row shows power off', async () => {
  const before = row({ power: 'on', lastChange: 50 });
  const i = io([[before], [row({ power: 'off', state: 'off', lastChange: 150 })]]);
  const [o] = await waitFor(i, [key], [before], 100, powerEnded('off'), { timeoutMs: 5_000, pollMs: 100 });
  assert.equal(o!.ok, true);
});

test('cycle timeout comes from the switch timeouts, retries, off time and stagger', () => {
  const ms = cycleTimeoutMs({ switches: [{ timeoutMs: 5000, retries: 1 }], power: { offSeconds: 2, staggerSeconds: 1 } }, 3);
  assert.equal(ms, 2 * 10_000 + 2000 + 2000 + 5000);
});
