/**
 * piman against a slow switch: the simulated switch serves `ratePerSecond`
 * requests, holds a small backlog and drops the rest, and counts the most
 * requests it held at once. Powering a whole 48-port switch must neither
 * flood it (at most maxInFlight requests at once) nor fail a port.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { SimSwitch } from '../../src/lab/sim-switch.js';
import { SimSwitchThread } from '../../src/lab/sim-switch-thread.js';
import { SnmpPoeSwitch, type SnmpSwitchOptions } from '../../src/switch/snmp-switch.js';
import { PowerController } from '../../src/switch/power.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { MemoryStateStore } from '../../src/store/state-store.js';
import { loopbackSwitchOptions } from '../helpers/switch-options.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon } from '../../src/daemon.js';
import { metricsFromConfig } from '../../src/parts.js';
import { validateConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { freeTcpPort } from '../helpers/ports.js';

const PORTS = 48;

async function rig(t: TestContext, rate: number, over: Partial<SnmpSwitchOptions> = {}, backlog?: number) {
  const sim = await SimSwitch.start({ ports: PORTS, port: 0, initialPower: 'off', ratePerSecond: rate, ...(backlog ? { backlog } : {}) });
  t.after(() => sim.stop());
  const sw = new SnmpPoeSwitch(loopbackSwitchOptions(sim.port, { timeoutMs: 3000, retries: 1, ...over }));
  t.after(() => sw.close());
  const cluster = await Cluster.open({
    switches: [{ index: 1, name: 'sw1', address: '127.0.0.1', ports: PORTS }],
    hosts: [],
    store: new MemoryStateStore(),
    timeoutMs: 180_000,
  });
  const power = new PowerController({ cluster, switches: new Map([[1, sw]]), offMs: 50, staggerMs: 5 });
  const keys = Array.from({ length: PORTS }, (_, i) => ({ switchIndex: 1, port: i + 1 }));
  return { sim, sw, cluster, power, keys };
}

test('a 48-port cycle on a 50 requests/s switch: every port on, never more than maxInFlight at the switch', { timeout: 60_000 }, async (t) => {
  const { sim, cluster, power, keys } = await rig(t, 50, { maxInFlight: 4 });
  await power.cycle(keys);
  const states = cluster.ports().map((p) => p.state);
  assert.deepEqual(states, Array(PORTS).fill('poweringOn'), `failed: ${cluster.ports().filter((p) => p.state === 'failed').map((p) => `${p.port} ${p.lastError}`).slice(0, 3).join('; ')}`);
  for (const k of keys) assert.equal(sim.model.getPower(k.port), 'on');
  const load = sim.load();
  assert.ok(load.peakInFlight <= 4, `the switch held ${load.peakInFlight} requests at once`);
  assert.equal(load.dropped, 0, 'nothing was sent that the switch had to drop');
});

test('several power changes share one SET PDU (maxVarbinds)', { timeout: 60_000 }, async (t) => {
  const { sim, sw, keys } = await rig(t, 0, { maxInFlight: 1, maxVarbinds: 16 });
  await Promise.all(keys.map((k) => sw.setPower(k.port, 'on')));
  for (const k of keys) assert.equal(sim.model.getPower(k.port), 'on');
  // 48 changes, one at a time, at most 16 per PDU: the first goes alone, the rest in 3 or 4 PDUs.
  assert.ok(sim.load().received <= 5, `${sim.load().received} requests for 48 changes`);
});

test('a switch that drops requests (backlog 4, 8 in flight): timeouts are retried after a pause, no port fails', { timeout: 90_000 }, async (t) => {
  // 8 one-port SETs arrive at once: the switch keeps 4 and drops 4, which are sent again after a pause, when it is idle.
  const { sim, sw, cluster, power, keys } = await rig(t, 100, { maxInFlight: 8, maxVarbinds: 1, timeoutMs: 4000, retries: 3 }, 4);
  await power.cycle(keys.slice(0, 8));
  assert.ok(sim.load().dropped > 0, 'the switch dropped some requests');
  assert.ok(sw.stats().retried > 0, 'they were retried');
  assert.equal(sw.stats().timedOut, sw.stats().retried, 'every timeout was retried; none gave up');
  for (const k of keys.slice(0, 8)) {
    assert.equal(cluster.port(k)?.state, 'poweringOn');
    assert.equal(sim.model.getPower(k.port), 'on');
  }
  assert.deepEqual({ inFlight: sw.stats().inFlight, queued: sw.stats().queued }, { inFlight: 0, queued: 0 });
});

test("/metrics shows the switch's queue: requests, retries, timeouts, in flight", { timeout: 60_000 }, async (t) => {
  const sim = await SimSwitch.start({ ports: 8, port: 0, initialPower: 'off' });
  t.after(() => sim.stop());
  const dir = await mkdtemp(join(tmpdir(), 'piman-swmetrics-'));
  const mport = await freeTcpPort();
  const config = validateConfig(
    {
      server: { address: '127.0.0.1' },
      switches: [{ name: 'slow1', address: '127.0.0.1', port: sim.port, ports: 8, timeoutMs: 2000, retries: 1, maxInFlight: 2 }],
      state: './state',
      metrics: { enabled: true, port: mport },
    },
    join(dir, 'piman.yaml'),
  );
  const daemon = await Daemon.create({ config, log: silentLogger(), makeSwitch: (s) => new SnmpPoeSwitch(s) }, [metricsFromConfig]);
  await daemon.start();
  t.after(async () => {
    await daemon.stop();
    await rm(dir, { recursive: true, force: true });
  });
  await daemon.ctx.power.cycle([1, 2, 3].map((port) => ({ switchIndex: 1, port })));
  const text = await (await fetch(`http://127.0.0.1:${mport}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const value = (name: string): number => Number(new RegExp(`^${name}\\{switch="slow1"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  assert.ok(value('piman_switch_requests_total') >= 4, text);
  assert.equal(value('piman_switch_requests_in_flight'), 0);
  assert.equal(value('piman_switch_requests_queued'), 0);
  assert.equal(value('piman_switch_retries_total'), 0);
  assert.equal(value('piman_switch_timeouts_total'), 0);
  assert.equal(value('piman_switch_answering'), 1);
});

test('the simulated switch in its worker thread: down drops every request, up again answers; load and rate cross the thread', { timeout: 60_000 }, async (t) => {
  const sim = await SimSwitchThread.start({ ports: 4, address: '127.0.0.1', port: 0, initialPower: 'off', macDelayMs: 100, macs: [null, null, null, null], ratePerSecond: 0, verbose: false });
  t.after(() => sim.stop());
  const powered: string[] = [];
  sim.on('power', (port, power) => powered.push(`${port}:${power}`));
  const sw = new SnmpPoeSwitch(loopbackSwitchOptions(sim.port, { timeoutMs: 800, retries: 1 }));
  t.after(() => sw.close());
  await sw.setPower(2, 'on');
  assert.deepEqual(powered, ['2:on']);
  await sim.setDown(true);
  await assert.rejects(sw.getPower(2), /did not answer within 0\.8 s/);
  assert.equal(sw.stats().answering, false);
  await sim.setDown(false);
  await sim.setRate(20);
  assert.equal(await sw.getPower(2), 'on');
  const load = await sim.load();
  // One SET, two GET attempts dropped while down, one GET served.
  assert.ok(load && load.dropped === 2 && load.received === 4, JSON.stringify(load));
});

test('power-ons keep their stagger through the queue: never two in one SET, each at least staggerMs apart', { timeout: 60_000 }, async (t) => {
  const sim = await SimSwitch.start({ ports: 8, port: 0, initialPower: 'on', ratePerSecond: 50 });
  t.after(() => sim.stop());
  const sw = new SnmpPoeSwitch(loopbackSwitchOptions(sim.port, { timeoutMs: 3000, retries: 1, maxInFlight: 4, maxVarbinds: 8 }));
  t.after(() => sw.close());
  const cluster = await Cluster.open({ switches: [{ index: 1, name: 'sw1', address: '127.0.0.1', ports: 8 }], hosts: [], store: new MemoryStateStore(), timeoutMs: 180_000 });
  const power = new PowerController({ cluster, switches: new Map([[1, sw]]), offMs: 20, staggerMs: 80 });
  const keys = Array.from({ length: 8 }, (_, i) => ({ switchIndex: 1, port: i + 1 }));
  await power.cycle(keys);
  const ons = sim.model.sets.filter((s) => s.power === 'on');
  assert.equal(ons.length, 8);
  for (let i = 1; i < ons.length; i++) assert.ok(ons[i]!.at - ons[i - 1]!.at >= 75, `on ${i}: ${ons[i]!.at - ons[i - 1]!.at} ms after the previous one`);
  // The offs, queued together, shared SETs: fewer requests than changes.
  assert.ok(sim.load().received < 16, `${sim.load().received} requests for 16 changes`);
});
