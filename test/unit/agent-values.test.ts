import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { displayString, macBytes, portValue, switchValue, timeStamp } from '../../src/agent/values.js';
import { PORT_COL, SWITCH_COL } from '../../src/agent/oids.js';
import { initialPortState, type PortView } from '../../src/cluster/types.js';

const port: PortView = {
  switchIndex: 1,
  port: 7,
  switchName: 'sw1',
  mac: 'dc:a6:32:01:02:07',
  ip: '10.0.0.7',
  hostname: 'pi7',
  ...initialPortState(1_000),
  state: 'installing',
  reinstall: true,
  installProgress: 42,
  power: 'on',
  lastChange: 5_000,
};

test('port columns encode as PIMAN-MIB says', () => {
  assert.deepEqual(portValue(PORT_COL.pimanPortMacAddress, port, 0), { kind: 'bytes', value: Buffer.from([0xdc, 0xa6, 0x32, 1, 2, 7]) });
  assert.deepEqual(portValue(PORT_COL.pimanPortIpAddress, port, 0), { kind: 'ip', value: '10.0.0.7' });
  assert.deepEqual(portValue(PORT_COL.pimanPortBootState, port, 0), { kind: 'int', value: 5 });
  assert.deepEqual(portValue(PORT_COL.pimanPortReinstall, port, 0), { kind: 'int', value: 1 });
  assert.deepEqual(portValue(PORT_COL.pimanPortRestart, port, 0), { kind: 'int', value: 2 });
  assert.deepEqual(portValue(PORT_COL.pimanPortPower, port, 0), { kind: 'int', value: 1 });
  assert.deepEqual(portValue(PORT_COL.pimanPortInstallProgress, port, 0), { kind: 'gauge', value: 42 });
  assert.deepEqual(portValue(PORT_COL.pimanPortLastChange, port, 3_000), { kind: 'ticks', value: 200 });
  const empty = { ...port, mac: null, ip: null, hostname: null };
  assert.deepEqual(portValue(PORT_COL.pimanPortMacAddress, empty, 0).value, Buffer.alloc(6));
  assert.equal(portValue(PORT_COL.pimanPortIpAddress, empty, 0).value, '0.0.0.0');
  assert.equal(portValue(PORT_COL.pimanPortHostname, empty, 0).value, '');
});

test('switch queue columns: gauges and counters from the switch stats, wrapping at 2^32; zero without stats or for nonsense', () => {
  const sw = { index: 1, name: 'sw1', address: '127.0.0.1', ports: 24 };
  const stats = { inFlight: 4, queued: 120, requests: 2 ** 32 + 5, retried: 7, timedOut: Number.NaN, answering: true };
  assert.deepEqual(switchValue(SWITCH_COL.pimanSwitchRequestsInFlight, sw, true, stats), { kind: 'gauge', value: 4 });
  assert.deepEqual(switchValue(SWITCH_COL.pimanSwitchRequestsQueued, sw, true, stats), { kind: 'gauge', value: 120 });
  assert.deepEqual(switchValue(SWITCH_COL.pimanSwitchRequests, sw, true, stats), { kind: 'counter', value: 5 });
  assert.deepEqual(switchValue(SWITCH_COL.pimanSwitchRetries, sw, true, stats), { kind: 'counter', value: 7 });
  assert.deepEqual(switchValue(SWITCH_COL.pimanSwitchTimeouts, sw, true, stats), { kind: 'counter', value: 0 });
  assert.deepEqual(switchValue(SWITCH_COL.pimanSwitchRequestsQueued, sw, true), { kind: 'gauge', value: 0 });
});

test('TimeStamp is 0 for changes before the agent started', () => {
  assert.equal(timeStamp(1_000, 2_000), 0);
  assert.equal(timeStamp(2_015, 2_000), 1);
});

test('property: DisplayString values are printable ASCII of at most 255 octets', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (s) => {
      const d = displayString(s);
      assert.ok(Buffer.byteLength(d) <= 255);
      assert.match(d, /^[\x20-\x7e]*$/);
    }),
  );
});

test('property: macBytes always gives 6 octets', () => {
  fc.assert(fc.property(fc.oneof(fc.string(), fc.constant(null)), (s) => assert.equal(macBytes(s).length, 6)));
});

// The read path's loops must give what the original regex versions gave.
const macRef = (mac: string | null): Buffer => {
  const hex = (mac ?? '').replace(/[^0-9a-fA-F]/g, '');
  return hex.length === 12 ? Buffer.from(hex, 'hex') : Buffer.alloc(6);
};
const displayRef = (s: string | null, max = 255): string => {
  if (!s) return '';
  const flat = s.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e]/g, '?');
  return flat.length > max ? flat.slice(0, max - 3) + '...' : flat;
};

test('property: macBytes and displayString match their regex definitions', () => {
  const hexish = fc.stringMatching(/^[0-9a-fA-F:.\- gz]{0,20}$/);
  fc.assert(fc.property(fc.oneof(hexish, fc.string(), fc.constant(null), fc.constant('DC-A6-32-01-02-0f')), (s) => assert.deepEqual(macBytes(s), macRef(s))), { numRuns: 3000 });
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constant('a'.repeat(255)), fc.constant('a'.repeat(256))), fc.integer({ min: 4, max: 300 }), (s, max) =>
      assert.equal(displayString(s, max), displayRef(s, max)),
    ),
    { numRuns: 3000 },
  );
});
