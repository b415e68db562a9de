import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeFdb, basePortMap, macIndex, type FdbRow } from '../../src/switch/fdb.js';
import { DOT1D_BASE_PORT_IFINDEX, DOT1D_TP_FDB_PORT, DOT1Q_TP_FDB_PORT } from '../../src/switch/oids.js';

const d = (mac: string, port: unknown): FdbRow => ({ oid: `${DOT1D_TP_FDB_PORT}.${macIndex(mac)}`, value: port });
const q = (fdb: number, mac: string, port: unknown): FdbRow => ({ oid: `${DOT1Q_TP_FDB_PORT}.${fdb}.${macIndex(mac)}`, value: port });
const bp = (bridgePort: number, ifIndex: unknown): FdbRow => ({ oid: `${DOT1D_BASE_PORT_IFINDEX}.${bridgePort}`, value: ifIndex });

test('macIndex: MAC bytes as decimal sub-identifiers (RFC 4188 index of dot1dTpFdbAddress)', () => {
  assert.equal(macIndex('b8:27:eb:00:00:07'), '184.39.235.0.0.7');
});

test('dot1d rows: port -> MACs, sorted and distinct; bridge ports mapped to ifIndex', () => {
  const table = decodeFdb({
    dot1d: [d('b8:27:eb:00:00:07', 107), d('02:00:5e:00:00:02', 125), d('02:00:5e:00:00:01', 125)],
    dot1q: [q(1, 'b8:27:eb:00:00:07', 107), q(10, 'dc:a6:32:01:36:c2', 3)],
    basePortIfIndex: [bp(107, 7), bp(125, 25)],
  });
  assert.deepEqual([...table], [
    [3, ['dc:a6:32:01:36:c2']],
    [7, ['b8:27:eb:00:00:07']],
    [25, ['02:00:5e:00:00:01', '02:00:5e:00:00:02']],
  ]);
});

test('rows that do not parse are skipped: port 0, non-integers, short index, sub-ids > 255, foreign OIDs', () => {
  const table = decodeFdb({
    dot1d: [
      d('b8:27:eb:00:00:01', 0),
      d('b8:27:eb:00:00:02', Buffer.from([1])),
      { oid: `${DOT1D_TP_FDB_PORT}.1.2.3`, value: 4 },
      { oid: `${DOT1D_TP_FDB_PORT}.300.2.3.4.5.6`, value: 4 },
      { oid: '1.3.6.1.2.1.1.1.0', value: 4 },
      { oid: `${DOT1D_TP_FDB_PORT}.1.2.3.4.5.x`, value: 4 },
    ],
    dot1q: [{ oid: `${DOT1Q_TP_FDB_PORT}.184.39.235.0.0.1`, value: 4 }],
    basePortIfIndex: [bp(4, -1), { oid: `${DOT1D_BASE_PORT_IFINDEX}.4.1`, value: 9 }],
  });
  assert.deepEqual([...table], []);
  assert.deepEqual([...basePortMap([bp(4, 0), bp(5, 'x')])], []);
});

test('fuzz: decodeFdb never throws and only returns positive ports and well-formed MACs', () => {
  const row = fc.record({
    oid: fc.oneof(
      fc.array(fc.nat(400), { maxLength: 9 }).map((a) => [DOT1D_TP_FDB_PORT, ...a].join('.')),
      fc.array(fc.nat(400), { maxLength: 9 }).map((a) => [DOT1Q_TP_FDB_PORT, ...a].join('.')),
      fc.array(fc.nat(400), { maxLength: 3 }).map((a) => [DOT1D_BASE_PORT_IFINDEX, ...a].join('.')),
      fc.string(),
    ),
    value: fc.oneof(fc.integer({ min: -5, max: 300 }), fc.string(), fc.constant(null), fc.double()),
  });
  fc.assert(
    fc.property(fc.array(row), fc.array(row), fc.array(row), (dot1d, dot1q, basePortIfIndex) => {
      const t = decodeFdb({ dot1d, dot1q, basePortIfIndex });
      for (const [port, macs] of t) {
        assert.ok(Number.isInteger(port) && port > 0);
        for (const m of macs) assert.match(m, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
        assert.equal(new Set(macs).size, macs.length);
      }
    }),
  );
});

test('property: every MAC written as a dot1d row comes back on its port', () => {
  const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':'));
  fc.assert(
    fc.property(fc.array(fc.tuple(mac, fc.integer({ min: 1, max: 4096 })), { maxLength: 50, size: 'max' }), (entries) => {
      const last = new Map<string, number>();
      for (const [m, p] of entries) last.set(m, p);
      const t = decodeFdb({ dot1d: [...last].map(([m, p]) => d(m, p)), dot1q: [], basePortIfIndex: [] });
      for (const [m, p] of last) assert.ok(t.get(p)?.includes(m));
    }),
  );
});
