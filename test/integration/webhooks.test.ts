/**
 * Health that reaches people: virtual Pis with scripted health (the lab's
 * health endpoint), a webhook receiver on 127.0.0.1 and Debian snmptrapd.
 * A CPU spike gives exactly one Slack alert and one pimanHealthAlert trap
 * (with metric, value, threshold); the drop back one resolve of each. A
 * receiver that never answers does not delay the polling of 100 Pis. The
 * webhook URL's secret path never reaches the log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { piIp, startMonitorDaemon, until } from '../helpers/monitor-daemon.js';
import { startReceiver } from '../helpers/webhook-receiver.js';
import { startTrapd, waitForOutput } from '../helpers/trapd.js';
import { runTool } from '../helpers/snmp-tools.js';
import { skipOrFail } from '../helpers/require-env.js';
import { agentFromConfig, metricsFromConfig, monitorFromConfig, webhookFromConfig } from '../../src/parts.js';

const parts = [webhookFromConfig, monitorFromConfig, metricsFromConfig, agentFromConfig];

/** A logger that keeps every line (warn and up included), to look for secrets. */
function capturingLogger(): { log: pino.Logger; text: () => string } {
  let text = '';
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, dest), text: () => text };
}

const count = (out: string, re: RegExp): number => out.match(new RegExp(re.source, 'g'))?.length ?? 0;

test('a CPU spike: one Slack alert and one trap; the drop back: one resolve of each', async (t) => {
  if ((await runTool('snmptrapd', ['--version'])).code !== 0 && (await runTool('/usr/sbin/snmptrapd', ['--version'])).code !== 0) {
    return skipOrFail(t, 'snmptrapd (Debian package snmptrapd) is not installed');
  }
  const trapd = await startTrapd(t);
  const rx = await startReceiver(t);
  const logs = capturingLogger();
  const m = await startMonitorDaemon(t, {
    pis: 2,
    parts,
    log: logs.log,
    config: (p) => ({
      monitor: { enabled: true, port: p.health, intervalSeconds: 0.2, webhooks: [{ url: rx.url, format: 'slack' }] },
      agent: { address: '127.0.0.1', port: p.agent, switchPollSeconds: 0, traps: { enabled: true, receivers: [{ address: '127.0.0.1', port: trapd.port }] } },
    }),
  });
  // Pis settle first: several polls under every threshold send nothing.
  await until(async () => m.pis[0]!.requests >= 3, 'three polls of Pi 1');
  assert.deepEqual(rx.bodies, []);

  m.pis[0]!.override = { ...m.pis[0]!.override, cpu_percent: 95.5 };
  await until(async () => rx.bodies.length >= 1, 'the alert at the receiver');
  await waitForOutput(trapd.output, /OID: PIMAN-MIB::pimanHealthAlert/, 20_000, 'the pimanHealthAlert trap');
  // The spike lasts several more polls: still one alert.
  const polled = m.pis[0]!.requests;
  await until(async () => m.pis[0]!.requests >= polled + 3, 'three more polls during the spike');
  assert.deepEqual(rx.bodies, [{ text: 'health alert on pi1 (sw1:1): cpu 95.5 % > 50 %' }]);
  const out = trapd.output();
  assert.equal(count(out, /OID: PIMAN-MIB::pimanHealthAlert/), 1, out);
  assert.match(out, /PIMAN-MIB::pimanPortHostname\.1\.1 = STRING: "?pi1"?/);
  assert.match(out, /PIMAN-MIB::pimanPortHealthMetric\.1\.1 = INTEGER: cpu\(2\)/);
  assert.match(out, /PIMAN-MIB::pimanPortHealthValue\.1\.1 = INTEGER: 95\.5/);
  assert.match(out, /PIMAN-MIB::pimanPortHealthThreshold\.1\.1 = INTEGER: 50\.0/);

  m.pis[0]!.override = { ...m.pis[0]!.override, cpu_percent: 12 };
  await until(async () => rx.bodies.length >= 2, 'the resolve at the receiver');
  await waitForOutput(trapd.output, /OID: PIMAN-MIB::pimanHealthResolved/, 20_000, 'the pimanHealthResolved trap');
  const after = m.pis[0]!.requests;
  await until(async () => m.pis[0]!.requests >= after + 3, 'three more polls after the drop');
  assert.deepEqual(rx.bodies, [{ text: 'health alert on pi1 (sw1:1): cpu 95.5 % > 50 %' }, { text: 'health resolved on pi1 (sw1:1): cpu 12.0 % <= 50 %' }]);
  const out2 = trapd.output();
  assert.equal(count(out2, /OID: PIMAN-MIB::pimanHealthAlert/), 1, out2);
  assert.equal(count(out2, /OID: PIMAN-MIB::pimanHealthResolved/), 1, out2);
  assert.match(out2, /pimanHealthResolved[\s\S]*PIMAN-MIB::pimanPortHealthValue\.1\.1 = INTEGER: 12\.0/);
  // Pi 2 never crossed anything (its only traps are its state changes).
  assert.doesNotMatch(out2, /pimanPortHealthMetric\.1\.2/);
  assert.match(logs.text(), /health alert/);
  assert.doesNotMatch(logs.text(), /s3cr3t-token|services\/T0/);
});

test('a webhook receiver that never answers does not delay the polling of 100 Pis', async (t) => {
  const rx = await startReceiver(t, 'hang');
  const logs = capturingLogger();
  const m = await startMonitorDaemon(t, {
    pis: 100,
    parts,
    log: logs.log,
    config: (p) => ({
      monitor: { enabled: true, port: p.health, intervalSeconds: 0.2, webhooks: [{ url: rx.url, format: 'slack', timeoutSeconds: 30, maxQueued: 20 }] },
    }),
  });
  await until(async () => m.pis.every((p) => p.requests >= 1), 'a first poll of every Pi', 20_000);
  // Every Pi spikes: 100 alerts for a receiver that holds the first one forever.
  for (const p of m.pis) p.override = { ...p.override, cpu_percent: 99 };
  await until(async () => rx.bodies.length === 1, 'the first alert at the stuck receiver', 20_000);
  const before = m.pis.map((p) => p.requests);
  const t0 = Date.now();
  // The poller runs one round a second: three more rounds reach every Pi in about 3 s.
  await until(async () => m.pis.every((p, i) => p.requests >= before[i]! + 3), 'three more polls of every Pi', 15_000);
  const took = Date.now() - t0;
  assert.ok(took < 8000, `three rounds of 100 Pis took ${took} ms`);
  assert.equal(rx.bodies.length, 1, 'one delivery in flight at a time');
  assert.equal(rx.maxOpen(), 1);
  assert.equal(m.daemon.ctx.health.health({ switchIndex: 1, port: 100 }).status, 'alert');
  const text = await (await fetch(m.metricsUrl, { signal: AbortSignal.timeout(5000) })).text();
  assert.match(text, /^piman_webhook_queued\{webhook="1"\} 20$/m);
  assert.match(text, /^piman_webhook_notices_total\{webhook="1",result="dropped"\} 80$/m);
  assert.match(logs.text(), /webhook queue full/);
  assert.doesNotMatch(logs.text(), /s3cr3t-token|services\/T0/);
  assert.equal(piIp(100), '127.0.1.100');
});
