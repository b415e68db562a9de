/**
 * piman server keeps V8's young generation at its starting size
 * (src/young-generation.ts): after a burst of short-lived allocation the
 * new space stays under 8 MB, where the same burst grows it past 16 MB
 * without the call (so the test fails on a Node that drops the flag).
 * An operator's own semi-space flag wins.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('../../src/young-generation.ts', import.meta.url));

/** Runs a child that maybe calls keepYoungGenerationSmall(), churns ~400 MB of small objects, and reports. */
function newSpaceAfterBurst(call: boolean, nodeOptions = ''): Promise<{ applied: boolean | null; newSpaceMb: number }> {
  const script = `
    import v8 from 'node:v8';
    const { keepYoungGenerationSmall } = await import(${JSON.stringify(MODULE)});
    const applied = ${call} ? keepYoungGenerationSmall() : null;
    let keep = [];
    for (let r = 0; r < 200; r++) {
      for (let i = 0; i < 20000; i++) keep.push({ a: i, b: 'x' + i });
      if (keep.length > 200000) keep = keep.slice(100000);
    }
    const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    console.log(JSON.stringify({ applied, newSpaceMb: ns.space_size / 1e6 }));`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, NODE_OPTIONS: nodeOptions }, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as { applied: boolean | null; newSpaceMb: number });
    });
  });
}

test('the young generation stays under 8 MB through a burst that grows it past 16 MB by default', async () => {
  const [kept, grown] = await Promise.all([newSpaceAfterBurst(true), newSpaceAfterBurst(false)]);
  assert.equal(kept.applied, true);
  assert.ok(kept.newSpaceMb < 8, `new space ${kept.newSpaceMb.toFixed(1)} MB with the call`);
  assert.ok(grown.newSpaceMb > 16, `new space ${grown.newSpaceMb.toFixed(1)} MB without it: the burst must grow it for this test to mean anything`);
});

test("an operator's --max-semi-space-size in NODE_OPTIONS is left as it is", async () => {
  const r = await newSpaceAfterBurst(true, '--max-semi-space-size=8');
  assert.equal(r.applied, false);
  assert.ok(r.newSpaceMb > 12, `new space ${r.newSpaceMb.toFixed(1)} MB: the operator's 8 MB semi-spaces`);
});
