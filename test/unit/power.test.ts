import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../src/cluster/cluster.js';
import { MemoryStateStore } from '../../src/store/state-store.js';
import { PowerController } from '../../src/switch/power.js';
import { PimanError } from '../../src/errors.js';
import { FakePoeSwitch } from '../helpers/fake-switch.js';

async function setup(opts: { offMs?: number; staggerMs?: number } = {}) {
  const cluster = await Cluster.open({ switches: [{ index: 1, name: 'sw1', address: '127.0.0.1', ports: 8 }], hosts: [], store: new MemoryStateStore(), timeoutMs: 180_000 });
  const sw = new FakePoeSwitch();
  const power = new PowerController({ cluster, switches: new Map([[1, sw]]), offMs: opts.offMs ?? 20, staggerMs: opts.staggerMs ?? 0 });
  return { cluster, sw, power };
}

test('cycle turns the port off, waits, then on, and the port moves to poweringOn', async () => {
  const { cluster, sw, power } = await setup({ offMs: 50 });
  await power.cycle([{ switchIndex: 1, port: 7 }]);
  assert.deepEqual(sw.calls.map((c) => `${c.port}:${c.power}`), ['7:off', '7:on']);
  assert.ok(sw.calls[1]!.at - sw.calls[0]!.at >= 45, 'off time respected');
  assert.equal(cluster.port({ switchIndex: 1, port: 7 })?.state, 'poweringOn');
});

test('several ports power on one after another with the stagger gap', async () => {
  const { sw, power } = await setup({ offMs: 10, staggerMs: 60 });
  await power.cycle([1, 2, 3].map((port) => ({ switchIndex: 1, port })));
  const ons = sw.calls.filter((c) => c.power === 'on');
  assert.equal(ons.length, 3);
  for (let i = 1; i < ons.length; i++) assert.ok(ons[i]!.at - ons[i - 1]!.at >= 55, `gap ${ons[i]!.at - ons[i - 1]!.at} ms`);
});

test('a port is never cycled twice at once', async () => {
  const { power } = await setup({ offMs: 100 });
  const k = { switchIndex: 1, port: 2 };
  const first = power.cycle([k]);
  assert.equal(power.isBusy(k), true);
  await assert.rejects(power.cycle([k]), (e: unknown) => e instanceof PimanError && e.code === 'E_PORT_BUSY');
  await first;
  assert.equal(power.isBusy(k), false);
});

test('a switch error fails the port with the reason', async () => {
  const { cluster, sw, power } = await setup();
  sw.failWith = new PimanError('E_SWITCH_TIMEOUT', 'switch sw1 (127.0.0.1) did not answer within 5 s');
  await assert.rejects(power.cycle([{ switchIndex: 1, port: 4 }]), /did not answer/);
  const p = cluster.port({ switchIndex: 1, port: 4 });
  assert.equal(p?.state, 'failed');
  assert.equal(p?.lastError, 'switch sw1 (127.0.0.1) did not answer within 5 s');
  assert.equal(power.isBusy({ switchIndex: 1, port: 4 }), false);
});

test('unknown ports are refused before touching the switch', async () => {
  const { sw, power } = await setup();
  await assert.rejects(power.setPower({ switchIndex: 1, port: 99 }, 'on'), (e: unknown) => e instanceof PimanError && e.code === 'E_UNKNOWN_PORT');
  assert.equal(sw.calls.length, 0);
});

test('setPower on/off drives the boot state', async () => {
  const { cluster, power } = await setup();
  const k = { switchIndex: 1, port: 5 };
  await power.setPower(k, 'off');
  assert.equal(cluster.port(k)?.state, 'off');
  await power.setPower(k, 'on');
  assert.equal(cluster.port(k)?.power, 'on');
});

test('idle resolves once running cycles are done, and gives up after its timeout', async () => {
  const { sw, power } = await setup({ offMs: 80 });
  const cycling = power.cycle([{ switchIndex: 1, port: 1 }]);
  await power.idle(5_000);
  assert.deepEqual(sw.calls.map((c) => c.power), ['off', 'on'], 'the cycle finished before idle resolved');
  await cycling;
  sw.delayMs = 2_000;
  const slow = power.setPower({ switchIndex: 1, port: 2 }, 'on');
  const t0 = Date.now();
  await power.idle(100);
  assert.ok(Date.now() - t0 < 1_500, 'bounded by its timeout');
  await slow;
});

test('an unknown port whose first SET timed out while the switch answered others is cycled again, never failed', async () => {
  const { cluster, sw, power } = await setup({ offMs: 10 });
  const original = sw.setPower.bind(sw);
  let dropped = 0;
  sw.setPower = async (port, p) => {
    if (port === 3 && p === 'off' && dropped++ === 0) throw new PimanError('E_SWITCH_TIMEOUT', 'switch sw1 (127.0.0.1) did not answer within 5 s');
    return original(port, p);
  };
  const seen: string[] = [];
  cluster.on(({ port, effect }) => {
    if (effect.type === 'stateChanged' && port.port === 3) seen.push(effect.to);
  });
  await power.cycle([1, 2, 3, 4].map((port) => ({ switchIndex: 1, port })));
  assert.equal(cluster.port({ switchIndex: 1, port: 3 })?.state, 'poweringOn');
  assert.ok(!seen.includes('failed'), `port 3 went ${seen.join(' -> ')}`);
  assert.deepEqual(sw.calls.filter((c) => c.port === 3).map((c) => c.power), ['off', 'on']);
});

test('when no port of a cycle gets an answer, every port fails with the timeout', async () => {
  const { cluster, sw, power } = await setup();
  sw.failWith = new PimanError('E_SWITCH_TIMEOUT', 'switch sw1 (127.0.0.1) did not answer within 5 s');
  await assert.rejects(power.cycle([1, 2].map((port) => ({ switchIndex: 1, port }))), /did not answer/);
  for (const port of [1, 2]) assert.equal(cluster.port({ switchIndex: 1, port })?.state, 'failed');
});
