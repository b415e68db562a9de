import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { SimSwitchModel, defaultPiMac } from '../../src/lab/sim-switch-model.js';
import { detectionFromNumber, detectionToNumber, truthToPower } from '../../src/switch/oids.js';

test('default Pi MACs use the Raspberry Pi OUI and the port number', () => {
  assert.equal(defaultPiMac(7), 'b8:27:eb:00:00:07');
  assert.equal(defaultPiMac(300), 'b8:27:eb:00:01:2c');
});

test('a MAC appears after the delay when the port powers on and vanishes at power-off; SETs are recorded', async (t) => {
  const m = new SimSwitchModel({ ports: 4, macDelayMs: 30, initialPower: 'off' });
  t.after(() => m.stop());
  assert.equal(m.fdb().size, 0);
  assert.equal(m.detection(2), 'disabled');
  const events: string[] = [];
  m.on('power', (p: number, w: string) => events.push(`${p}:${w}`));
  m.recordSet('1.3.6.1.2.1.105.1.1.1.3.1.2', 1, 2, 'on');
  assert.equal(m.detection(2), 'deliveringPower');
  assert.equal(m.fdb().get(2), undefined);
  const [port, mac, present] = (await once(m, 'fdb')) as [number, string, boolean];
  assert.deepEqual([port, mac, present], [2, 'b8:27:eb:00:00:02', true]);
  m.setPower(2, 'off');
  assert.equal(m.fdb().get(2), undefined);
  assert.deepEqual(events, ['2:on', '2:off']);
  assert.equal(m.sets.length, 1);
  assert.equal(m.sets[0]!.power, 'on');
});

test('power-off before the delay: the MAC never appears', async (t) => {
  const m = new SimSwitchModel({ ports: 1, macDelayMs: 20, initialPower: 'off' });
  t.after(() => m.stop());
  let appeared = false;
  m.on('fdb', () => (appeared = true));
  m.setPower(1, 'on');
  m.setPower(1, 'off');
  await new Promise((r) => setTimeout(r, 60)); // longer than the delay: nothing may come
  assert.equal(appeared, false);
});

test('an empty port: searching, no MAC', () => {
  const m = new SimSwitchModel({ ports: 2, macFor: () => null });
  assert.equal(m.detection(1), 'searching');
  assert.equal(m.fdb().size, 0);
});

test('OID value helpers', () => {
  assert.equal(truthToPower(1), 'on');
  assert.equal(truthToPower(2), 'off');
  assert.equal(truthToPower(3), null);
  for (const s of ['disabled', 'searching', 'deliveringPower', 'fault', 'test', 'otherFault'] as const) assert.equal(detectionFromNumber(detectionToNumber(s)), s);
  assert.equal(detectionFromNumber(0), 'unknown');
  assert.equal(detectionFromNumber(99), 'unknown');
});

test('learn(): a virtual Pi that sends a frame shows at once, only while powered', (t) => {
  const m = new SimSwitchModel({ ports: 2, macDelayMs: 60_000, initialPower: 'off' });
  t.after(() => m.stop());
  m.learn(1);
  assert.equal(m.fdb().get(1), undefined, 'unpowered');
  m.setPower(1, 'on');
  m.learn(1);
  assert.equal(m.fdb().get(1), 'b8:27:eb:00:00:01');
});
