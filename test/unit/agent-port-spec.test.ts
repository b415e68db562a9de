import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parsePortSpecs, portLabel } from '../../src/cli/port-spec.js';
import { PimanError } from '../../src/errors.js';
import type { SwitchInfo } from '../../src/cluster/types.js';

const switches: SwitchInfo[] = [
  { index: 1, name: 'sw1', address: '10.0.0.2', ports: 24 },
  { index: 2, name: 'sw2', address: '10.0.0.3', ports: 8 },
];
const ids = (specs: string[]): string[] => parsePortSpecs(specs, switches).map((k) => portLabel(k, switches));

test('7, sw2:7, 2:7, ranges and lists', () => {
  assert.deepEqual(ids(['7']), ['sw1:7']);
  assert.deepEqual(ids(['sw2:7']), ['sw2:7']);
  assert.deepEqual(ids(['2:7']), ['sw2:7']);
  assert.deepEqual(ids(['1-3']), ['sw1:1', 'sw1:2', 'sw1:3']);
  assert.deepEqual(ids(['sw2:7-8', '1,3']), ['sw2:7', 'sw2:8', 'sw1:1', 'sw1:3']);
  assert.deepEqual(ids(['7', '7', '6-7']), ['sw1:7', 'sw1:6'], 'duplicates once, first order kept');
});

test('malformed specs are usage errors (exit 2); ports that do not exist are operational errors (exit 1)', () => {
  const fails = (spec: string, exitCode: number, re: RegExp): void => {
    assert.throws(
      () => parsePortSpecs([spec], switches),
      (e: unknown) => e instanceof PimanError && e.exitCode === exitCode && re.test(e.message),
    );
  };
  fails('25', 1, /switch sw1 has ports 1-24/);
  fails('sw2:9', 1, /switch sw2 has ports 1-8/);
  fails('sw3:1', 1, /no switch 'sw3'.*sw1, sw2/);
  fails('1-99999', 1, /has ports 1-24/);
  fails('0', 2, /ports start at 1/);
  fails('5-3', 2, /backwards/);
  fails('x', 2, /not a port number/);
  fails('', 2, /empty port/);
});

test('property: any input either parses to valid configured ports or throws a PimanError', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.string(), fc.stringMatching(/^(sw[0-3]:|[0-3]:)?\d{1,3}(-\d{1,3})?$/)), { maxLength: 4 }), (specs) => {
      try {
        for (const k of parsePortSpecs(specs, switches)) {
          const sw = switches.find((s) => s.index === k.switchIndex);
          assert.ok(sw && k.port >= 1 && k.port <= sw.ports);
        }
      } catch (e) {
        assert.ok(e instanceof PimanError, String(e));
      }
    }),
  );
});
