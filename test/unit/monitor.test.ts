import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { parseHealth, checkThresholds, type HealthSample } from '../../src/monitor/health.js';
import { probeHealth } from '../../src/monitor/probe.js';
import { HealthMonitor } from '../../src/monitor/monitor.js';
import { Cluster, type ClusterEvent } from '../../src/cluster/cluster.js';
import { MemoryStateStore } from '../../src/store/state-store.js';
import { DecodeError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';

// The old monitoring agent's answer, as psutil formats it.
const OLD_AGENT_BODY = '{"time": "Mon Dec  9 10:00:00 2019", "cpu_percent": 12.5, "memory_percent": 33.1, "disk_percent": 41.0, "num_pids": 87, "temp": 48.3}';
const thresholds = { cpuPercent: 50, memoryPercent: 70, diskPercent: 50, pids: 100, temp: 80 };

test('parses the old monitoring agent body', () => {
  assert.deepEqual(parseHealth(OLD_AGENT_BODY), { cpuPercent: 12.5, memoryPercent: 33.1, diskPercent: 41, pids: 87, temp: 48.3 });
});

test('a missing temperature is allowed, a missing or negative field is not', () => {
  assert.equal(parseHealth('{"cpu_percent":1,"memory_percent":1,"disk_percent":1,"num_pids":1}').temp, null);
  assert.throws(() => parseHealth('{"cpu_percent":1,"memory_percent":1,"disk_percent":1}'), /num_pids must be a non-negative number/);
  assert.throws(() => parseHealth('{"cpu_percent":-1,"memory_percent":1,"disk_percent":1,"num_pids":1}'), /cpu_percent/);
  assert.throws(() => parseHealth('[]'), /not a JSON object/);
});

test('fuzz: any body parses or fails with DecodeError', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.json()), (body) => {
      try {
        parseHealth(body);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
      }
    }),
    { numRuns: 3000 },
  );
});

test('thresholds: each exceeded value gives one line', () => {
  const s: HealthSample = { cpuPercent: 93, memoryPercent: 71, diskPercent: 10, pids: 101, temp: 85 };
  assert.deepEqual(checkThresholds(s, thresholds), ['cpu 93.0 % > 50 %', 'memory 71.0 % > 70 %', 'pids 101 > 100', 'temp 85.0 C > 80 C']);
  assert.deepEqual(checkThresholds({ ...s, cpuPercent: 50, memoryPercent: 70, pids: 100, temp: null }, thresholds), []);
});

test('probeHealth reads a real HTTP endpoint and times out on a silent one', async (t) => {
  const server = createServer((req, res) => {
    if (req.url === '/event/') res.end(OLD_AGENT_BODY);
    // anything else: never answer
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as AddressInfo;
  assert.equal((await probeHealth('127.0.0.1', port, 2000)).pids, 87);
  const silent = createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.after(() => {
    silent.closeAllConnections();
    silent.close();
  });
  await assert.rejects(probeHealth('127.0.0.1', (silent.address() as AddressInfo).port, 200), /did not answer within 200 ms/);
});

async function cluster() {
  return Cluster.open({
    switches: [{ index: 1, name: 'sw1', address: '127.0.0.1', ports: 3 }],
    hosts: [
      { switchIndex: 1, port: 1, mac: 'b8:27:eb:00:00:01', ip: '127.0.1.1', hostname: 'pi1' },
      { switchIndex: 1, port: 2, mac: 'b8:27:eb:00:00:02', ip: '127.0.1.2', hostname: 'pi2' },
    ],
    store: new MemoryStateStore(),
    timeoutMs: 180_000,
  });
}

test('a booting Pi whose health endpoint answers moves to up; one that does not stays booting', async () => {
  const c = await cluster();
  c.apply({ switchIndex: 1, port: 1 }, { type: 'decision', action: 'boot' });
  c.apply({ switchIndex: 1, port: 2 }, { type: 'decision', action: 'boot' });
  const m = new HealthMonitor({
    cluster: c, log: silentLogger(), port: 3000, alerts: false, intervalMs: 30_000, thresholds,
    probe: async (ip) => {
      if (ip === '127.0.1.1') return parseHealth(OLD_AGENT_BODY);
      throw new Error('ECONNREFUSED');
    },
  });
  await m.round();
  assert.equal(c.port({ switchIndex: 1, port: 1 })?.state, 'up');
  assert.equal(c.port({ switchIndex: 1, port: 2 })?.state, 'booting');
});

test('alerts fire once per crossing and again after recovery', async () => {
  const c = await cluster();
  c.apply({ switchIndex: 1, port: 1 }, { type: 'up' });
  const events: ClusterEvent[] = [];
  c.on((e) => events.push(e));
  let cpu = 95;
  let now = 0;
  const m = new HealthMonitor({
    cluster: c, log: silentLogger(), port: 3000, alerts: true, intervalMs: 10, thresholds, now: () => now,
    probe: async () => ({ cpuPercent: cpu, memoryPercent: 1, diskPercent: 1, pids: 1, temp: null }),
  });
  const alerts = () => events.filter((e) => e.effect.type === 'healthAlert').map((e) => (e.effect as { message: string }).message);
  await m.round();
  now += 20;
  await m.round();
  assert.deepEqual(alerts(), ['pi1: cpu 95.0 % > 50 %']);
  cpu = 10;
  now += 20;
  await m.round();
  cpu = 99;
  now += 20;
  await m.round();
  assert.equal(alerts().length, 2);
});

test('running Pis are not polled when alerts are off, nor before the interval', async () => {
  const c = await cluster();
  c.apply({ switchIndex: 1, port: 1 }, { type: 'up' });
  let calls = 0;
  const probe = async () => (calls++, parseHealth(OLD_AGENT_BODY));
  await new HealthMonitor({ cluster: c, log: silentLogger(), port: 3000, alerts: false, intervalMs: 10, thresholds, probe }).round();
  assert.equal(calls, 0);
  let now = 1000;
  const m = new HealthMonitor({ cluster: c, log: silentLogger(), port: 3000, alerts: true, intervalMs: 30_000, thresholds, probe, now: () => now });
  await m.round();
  now += 1000;
  await m.round();
  assert.equal(calls, 1);
});
