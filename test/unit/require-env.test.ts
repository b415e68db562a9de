import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipOrFail, mustRun } from '../helpers/require-env.js';

function fakeContext(): { skipped: string[]; skip(m?: string): void } {
  const skipped: string[] = [];
  return { skipped, skip: (m?: string) => void skipped.push(m ?? '') };
}

test('skipOrFail skips with the reason when CI is not set', () => {
  const t = fakeContext();
  skipOrFail(t, 'needs root (ip netns)', {});
  assert.deepEqual(t.skipped, ['needs root (ip netns)']);
  assert.equal(mustRun({ CI: 'false' }), false);
});

test('skipOrFail fails with a clear message under CI=true', () => {
  const t = fakeContext();
  assert.throws(() => skipOrFail(t, 'busybox udhcpc not installed', { CI: 'true' }), /cannot run: busybox udhcpc not installed \(CI=true, so this fails instead of skipping/);
  assert.deepEqual(t.skipped, []);
});
