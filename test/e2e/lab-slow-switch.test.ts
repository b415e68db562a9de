/**
 * `piman lab --pis 48 --switch-rate 50 --demo`: a slow switch (50 requests/s,
 * drops what its backlog cannot hold) in its own thread. The demo ends with
 * every port up, and the switch's own count shows it never held more than
 * the configured maxInFlight requests at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { runLab } from '../../src/lab/run-lab.js';
import { Lab } from '../../src/lab/lab.js';
import { until } from '../../src/lab/run-lab.js';
import { silentLogger } from '../../src/log.js';

function sink(): { out: Writable; text: () => string } {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { out, text: () => text };
}

test('piman lab --pis 48 --switch-rate 50 --demo exits 0; the switch never held more than maxInFlight requests', { timeout: 240_000 }, async () => {
  const { out, text } = sink();
  const code = await runLab({ pis: 48, model: 4, demo: true, verbose: false, keep: false, out, switchRate: 50 });
  assert.equal(code, 0, text());
  assert.match(text(), /piman: at most 4 requests at once, 8 ports per SET/);
  const seen = [...text().matchAll(/Switch sw1: (\d+) requests, at most (\d+) at once, (\d+) dropped/g)];
  assert.equal(seen.length, 2, text());
  for (const [, requests, peak] of seen) {
    assert.ok(Number(requests) > 0);
    assert.ok(Number(peak) >= 1 && Number(peak) <= 4, `the switch held ${peak} requests at once`);
  }
  assert.match(text(), /Demo finished in [\d.]+ s: every port up/);
});

test('a lab on a slow switch: piman keeps to maxInFlight; its queue drains', { timeout: 240_000 }, async (t) => {
  const lab = await Lab.start({ pis: 24, model: 4, log: silentLogger(), switchRate: 30 });
  t.after(() => lab.stop());
  await lab.powerOnAll();
  await until(lab, () => lab.daemon.ctx.cluster.ports().every((p) => p.state === 'up'), 120_000, 'all up');
  const load = await lab.sim.load();
  assert.ok(load, 'the switch thread answers');
  assert.ok(load.peakInFlight <= lab.config.switches[0]!.maxInFlight, `peak ${load.peakInFlight}`);
  assert.ok(load.received >= 24 / 8 + 24, `${load.received} requests: batched offs, one on per port`);
  const st = lab.daemon.ctx.switches.get(1)!.stats!();
  assert.deepEqual({ inFlight: st.inFlight, queued: st.queued }, { inFlight: 0, queued: 0 });
});
