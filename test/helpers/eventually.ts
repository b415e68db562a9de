import assert from 'node:assert/strict';

/** Polls `check` every 10 ms until it holds; fails the test after `ms`, saying `what` was awaited. */
export async function eventually(check: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
