import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { HealthEndpoint, sampleHealth } from '../../src/lab/health-endpoint.js';
import { parseHealth, checkThresholds } from '../../src/monitor/health.js';

const ep = new HealthEndpoint(7);
after(() => ep.stop());

async function get(path: string): Promise<{ status: number; body: string }> {
  const r = await fetch(`http://127.0.0.1:${ep.port}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: r.status, body: await r.text() };
}

test('GET /event/ answers the old monitoring agent JSON; other paths 404', async () => {
  await ep.start('127.0.0.1', 0);
  const r = await get('/event/');
  assert.equal(r.status, 200);
  const o = JSON.parse(r.body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(o).sort(), ['cpu_percent', 'disk_percent', 'memory_percent', 'num_pids', 'temp']);
  // piman's monitor parses it, and the lab's numbers stay under the old tool's default thresholds.
  const s = parseHealth(r.body);
  assert.deepEqual(checkThresholds(s, { cpuPercent: 50, memoryPercent: 70, diskPercent: 50, pids: 100, temp: 80 }), []);
  assert.equal((await get('/nope')).status, 404);
  assert.equal(ep.requests, 2);
});

test('override pins fields (e.g. an overheating Pi for alert tests); stop frees the port', async () => {
  ep.override = { temp: 91.5 };
  const s = parseHealth((await get('/event')).body);
  assert.equal(s.temp, 91.5);
  await ep.stop();
  assert.equal(ep.listening, false);
  assert.equal(ep.port, 0);
});

test('samples stay in plausible ranges over time and differ between Pis', () => {
  for (let t = 0; t < 120_000; t += 7_000) {
    for (const seed of [1, 2, 99]) {
      const s = sampleHealth(seed, t);
      assert.ok(s.cpu_percent >= 0 && s.cpu_percent <= 100);
      assert.ok(s.memory_percent > 0 && s.memory_percent < 100);
      assert.ok(s.num_pids > 0 && s.num_pids < 100);
    }
  }
  assert.notDeepEqual(sampleHealth(1, 0), sampleHealth(2, 0));
});
