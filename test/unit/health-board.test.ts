import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HealthBoard } from '../../src/monitor/health-board.js';
import { healthValue, tenths } from '../../src/agent/health-values.js';
import { PORT_COL } from '../../src/agent/oids.js';
import { timeStamp } from '../../src/agent/values.js';
import type { HealthSample } from '../../src/monitor/health.js';

const t = { cpuPercent: 50, memoryPercent: 70, diskPercent: 50, pids: 100, temp: 80 };
const k = { switchIndex: 1, port: 7 };
const fine: HealthSample = { cpuPercent: 10, memoryPercent: 20, diskPercent: 30, pids: 50, temp: 40 };

test('one alert per metric and crossing, one resolve when it drops back, nothing while it stays', () => {
  const b = new HealthBoard();
  assert.equal(b.health(k).status, 'unknown');
  assert.deepEqual(b.record(k, fine, 1000, t), []);
  assert.equal(b.health(k).status, 'ok');
  assert.deepEqual(b.record(k, { ...fine, cpuPercent: 95, temp: 85 }, 2000, t), [
    { kind: 'alert', crossing: { metric: 'cpu', value: 95, threshold: 50 } },
    { kind: 'alert', crossing: { metric: 'temperature', value: 85, threshold: 80 } },
  ]);
  assert.equal(b.health(k).status, 'alert');
  assert.deepEqual(b.record(k, { ...fine, cpuPercent: 99, temp: 85 }, 3000, t), []);
  assert.deepEqual(b.record(k, { ...fine, temp: 85 }, 4000, t), [{ kind: 'resolve', crossing: { metric: 'cpu', value: 10, threshold: 50 } }]);
  assert.equal(b.health(k).status, 'alert');
  assert.deepEqual(b.health(k).last, { kind: 'resolve', crossing: { metric: 'cpu', value: 10, threshold: 50 } });
  // a Pi that stops reporting its temperature resolves that alert (value 0: nothing to show)
  assert.deepEqual(b.record(k, { ...fine, temp: null }, 5000, t), [{ kind: 'resolve', crossing: { metric: 'temperature', value: 0, threshold: 80 } }]);
  assert.equal(b.health(k).status, 'ok');
  assert.equal(b.health(k).sampledAt, 5000);
});

test('unreachable keeps the last sample; forget starts over (a new crossing alerts again)', () => {
  const b = new HealthBoard();
  b.record(k, { ...fine, cpuPercent: 95 }, 1000, t);
  b.unreachable(k);
  assert.equal(b.health(k).status, 'unreachable');
  assert.equal(b.health(k).sample?.cpuPercent, 95);
  b.forget(k);
  assert.equal(b.health(k).status, 'unknown');
  assert.equal(b.record(k, { ...fine, cpuPercent: 95 }, 2000, t).length, 1);
});

test('MIB values: tenths, percent clamped to 0..1000, enums, TimeStamp; zeros without a sample', () => {
  const b = new HealthBoard();
  const start = 1_000_000;
  assert.deepEqual(healthValue(PORT_COL.pimanPortHealthStatus, b.health(k), start), { kind: 'int', value: 4 });
  assert.deepEqual(healthValue(PORT_COL.pimanPortCpuPercent, b.health(k), start), { kind: 'int', value: 0 });
  assert.deepEqual(healthValue(PORT_COL.pimanPortHealthMetric, b.health(k), start), { kind: 'int', value: 1 });
  assert.deepEqual(healthValue(PORT_COL.pimanPortHealthTime, b.health(k), start), { kind: 'ticks', value: 0 });
  b.record(k, { cpuPercent: 93.44, memoryPercent: 250, diskPercent: 30, pids: 120, temp: -5.25 }, start + 12_340, t);
  const h = b.health(k);
  assert.deepEqual(healthValue(PORT_COL.pimanPortHealthStatus, h, start), { kind: 'int', value: 2 });
  assert.deepEqual(healthValue(PORT_COL.pimanPortCpuPercent, h, start), { kind: 'int', value: 934 });
  assert.deepEqual(healthValue(PORT_COL.pimanPortMemoryPercent, h, start), { kind: 'int', value: 1000 });
  assert.deepEqual(healthValue(PORT_COL.pimanPortTemperature, h, start), { kind: 'int', value: -52 });
  assert.deepEqual(healthValue(PORT_COL.pimanPortProcesses, h, start), { kind: 'gauge', value: 120 });
  assert.deepEqual(healthValue(PORT_COL.pimanPortHealthTime, h, start), { kind: 'ticks', value: timeStamp(start + 12_340, start) });
  // the last change is the processes alert (memory came first, in HEALTH_METRICS order)
  assert.deepEqual(healthValue(PORT_COL.pimanPortHealthMetric, h, start), { kind: 'int', value: 5 });
  assert.deepEqual(healthValue(PORT_COL.pimanPortHealthValue, h, start), { kind: 'int', value: 1200 });
  assert.deepEqual(healthValue(PORT_COL.pimanPortHealthThreshold, h, start), { kind: 'int', value: 1000 });
  assert.equal(tenths(Number.NaN), 0);
  assert.equal(tenths(1e12), 0x7fffffff);
  assert.equal(tenths(-1e12), -0x80000000);
});

/** A cluster of 8 ports with pi7 on port 7, and what a monitor over it needs. */
async function pi7Cluster() {
  const { Cluster } = await import('../../src/cluster/cluster.js');
  const { MemoryStateStore } = await import('../../src/store/state-store.js');
  const { HealthMonitor } = await import('../../src/monitor/monitor.js');
  const { silentLogger } = await import('../../src/log.js');
  const c = await Cluster.open({
    switches: [{ index: 1, name: 'sw1', address: '127.0.0.1', ports: 8 }],
    hosts: [{ switchIndex: 1, port: 7, mac: 'b8:27:eb:00:00:07', ip: '127.0.1.7', hostname: 'pi7' }],
    store: new MemoryStateStore(),
    timeoutMs: 180_000,
  });
  return { c, HealthMonitor, silentLogger };
}

test('the monitor turns board changes into cluster alerts and resolves with their crossing; a silent up Pi reads unreachable', async () => {
  const { c, HealthMonitor, silentLogger } = await pi7Cluster();
  c.apply(k, { type: 'up' });
  const seen: string[] = [];
  c.on((e) => {
    if (e.effect.type === 'healthAlert' || e.effect.type === 'healthResolved') seen.push(`${e.effect.type} ${e.effect.crossing?.metric} ${e.effect.message}`);
  });
  let sample: HealthSample | null = { ...fine, cpuPercent: 95 };
  let now = 0;
  const m = new HealthMonitor({
    cluster: c, log: silentLogger(), port: 3000, alerts: true, intervalMs: 10, thresholds: t, now: () => now,
    probe: async () => {
      if (!sample) throw new Error('ECONNREFUSED');
      return sample;
    },
  });
  await m.round();
  sample = fine;
  now += 20;
  await m.round();
  assert.deepEqual(seen, ['healthAlert cpu pi7: cpu 95.0 % > 50 %', 'healthResolved cpu pi7: cpu 10.0 % <= 50 %']);
  sample = null;
  now += 20;
  await m.round();
  assert.equal(m.board.health(k).status, 'unreachable');
  c.apply(k, { type: 'powerOff' });
  now += 20;
  await m.round();
  assert.equal(m.board.health(k).status, 'unknown');
});

test('without monitor.enabled the boot probe moves a Pi up but keeps no sample (it would go stale): status unknown', async () => {
  const { c, HealthMonitor, silentLogger } = await pi7Cluster();
  c.apply(k, { type: 'decision', action: 'boot' });
  const m = new HealthMonitor({ cluster: c, log: silentLogger(), port: 3000, alerts: false, intervalMs: 10, thresholds: t, probe: async () => fine });
  await m.round();
  assert.equal(c.port(k)?.state, 'up');
  assert.equal(m.board.health(k).status, 'unknown');
});
