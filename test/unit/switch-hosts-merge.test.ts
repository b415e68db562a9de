import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mergeLearned, type LearnedPort } from '../../src/switch/hosts-merge.js';
import { parseHostsText, formatHostsHeaded } from '../../src/config/hosts.js';
import type { HostBinding, SwitchInfo } from '../../src/cluster/types.js';

const SW: SwitchInfo[] = [
  { index: 1, name: 'sw1', address: '10.0.0.2', ports: 24 },
  { index: 2, name: 'sw2', address: '10.0.0.3', ports: 24 },
];
const h = (port: number, mac: string, ip: string | null = null, hostname: string | null = null, switchIndex = 1): HostBinding => ({
  switchIndex,
  port,
  mac,
  ip,
  hostname,
});
const l = (port: number, mac: string, switchIndex = 1): LearnedPort => ({ switchIndex, port, mac });

test('new ports are added, a changed MAC is updated keeping IP and hostname, other rows stay', () => {
  const r = mergeLearned(
    [h(1, 'b8:27:eb:00:00:01', '10.0.0.101', 'pi1'), h(2, 'b8:27:eb:00:00:99', '10.0.0.102', 'pi2'), h(5, 'b8:27:eb:00:00:05', null, null, 2)],
    [l(1, 'b8:27:eb:00:00:01'), l(2, 'b8:27:eb:00:00:02'), l(3, 'b8:27:eb:00:00:03')],
    (x) => `10.0.0.${100 + x.port}`,
  );
  assert.equal(r.changed, true);
  assert.deepEqual(r.added, [l(3, 'b8:27:eb:00:00:03')]);
  assert.deepEqual(r.updated, [{ ...l(2, 'b8:27:eb:00:00:02'), oldMac: 'b8:27:eb:00:00:99' }]);
  assert.deepEqual(r.hosts, [
    h(1, 'b8:27:eb:00:00:01', '10.0.0.101', 'pi1'),
    h(2, 'b8:27:eb:00:00:02', '10.0.0.102', 'pi2'),
    h(3, 'b8:27:eb:00:00:03', '10.0.0.103'),
    h(5, 'b8:27:eb:00:00:05', null, null, 2),
  ]);
});

test('a Pi that moved: its old row goes, its hostname follows, no duplicate MAC', () => {
  const r = mergeLearned([h(4, 'b8:27:eb:00:00:04', '10.0.0.104', 'pi4')], [l(9, 'b8:27:eb:00:00:04')]);
  assert.deepEqual(r.moved, [{ ...l(9, 'b8:27:eb:00:00:04'), fromPort: 4, fromSwitch: 1 }]);
  assert.deepEqual(r.hosts, [h(9, 'b8:27:eb:00:00:04', null, 'pi4')]);
});

test('a second merge of the same result changes nothing', () => {
  const first = mergeLearned([h(2, 'b8:27:eb:00:00:99', '10.0.0.2')], [l(1, 'b8:27:eb:00:00:01'), l(2, 'b8:27:eb:00:00:02')]);
  const second = mergeLearned(first.hosts, [l(1, 'b8:27:eb:00:00:01'), l(2, 'b8:27:eb:00:00:02')]);
  assert.equal(second.changed, false);
  assert.deepEqual(second.hosts, first.hosts);
});

test('an IP already taken is not handed to a new row', () => {
  const r = mergeLearned([h(1, 'b8:27:eb:00:00:01', '10.0.0.7')], [l(7, 'b8:27:eb:00:00:07')], () => '10.0.0.7');
  assert.equal(r.hosts.find((x) => x.port === 7)?.ip, null);
});

test('property: no lost port, no duplicate port or MAC, idempotent, and the result parses back', () => {
  const mac = fc.integer({ min: 0, max: 40 }).map((n) => `b8:27:eb:00:00:${n.toString(16).padStart(2, '0')}`);
  const port = fc.integer({ min: 1, max: 24 });
  const sw = fc.integer({ min: 1, max: 2 });
  const existingArb = fc
    .uniqueArray(fc.tuple(sw, port, mac), { selector: (x) => `${x[0]}.${x[1]}`, maxLength: 20, size: 'max' })
    .map((rows) => {
      const seen = new Set<string>();
      return rows.filter(([, , m]) => !seen.has(m) && seen.add(m)).map(([s, p, m]) => h(p, m, null, `h${s}-${p}`, s));
    });
  const learnedArb = fc
    .uniqueArray(fc.tuple(sw, port, mac), { selector: (x) => `${x[0]}.${x[1]}`, maxLength: 20, size: 'max' })
    .map((rows) => {
      const seen = new Set<string>();
      return rows.filter(([, , m]) => !seen.has(m) && seen.add(m)).map(([s, p, m]) => l(p, m, s));
    });
  fc.assert(
    fc.property(existingArb, learnedArb, (existing, learned) => {
      const r = mergeLearned(existing, learned);
      const ports = r.hosts.map((x) => `${x.switchIndex}.${x.port}`);
      assert.equal(new Set(ports).size, ports.length, 'no duplicate port');
      assert.equal(new Set(r.hosts.map((x) => x.mac)).size, r.hosts.length, 'no duplicate MAC');
      for (const x of learned) assert.ok(r.hosts.some((y) => y.switchIndex === x.switchIndex && y.port === x.port && y.mac === x.mac));
      const learnedMacs = new Set(learned.map((x) => x.mac));
      for (const e of existing) {
        // A row only disappears when its MAC was learned on another port.
        if (!r.hosts.some((y) => y.switchIndex === e.switchIndex && y.port === e.port)) assert.ok(learnedMacs.has(e.mac));
      }
      assert.equal(mergeLearned(r.hosts, learned).changed, false, 'idempotent');
      const text = formatHostsHeaded(r.hosts, SW);
      assert.deepEqual(parseHostsText(text, 'hosts.csv', SW), r.hosts);
    }),
  );
});
