/**
 * A virtual table (src/snmp/virtual-table.ts) answers every request as the
 * same table made of net-snmp tree rows does: two MIBs, one with the rows
 * added to the tree and one served from the model, around the same scalars
 * and a tree table right after it; random GET, GETNEXT, GETBULK and SET
 * requests must get equal outcomes, and walks the same varbinds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import snmp, { type MibProviderDefinition, type VarbindValue } from 'net-snmp';
import type { Principal } from '../../src/snmp/access.js';
import { MibView } from '../../src/snmp/mib-view.js';
import { DEFAULT_LIMITS, processPdu, type Outcome, type ProcessContext, type SetHandler } from '../../src/snmp/process.js';
import { decodeMessage, TAG, type RequestPdu } from '../../src/snmp/wire.js';
import { GET, GETBULK, GETNEXT, SET, communityMessage, int, pdu, type VarbindIn } from '../helpers/snmp-packets.js';

const BASE = [1, 3, 6, 1, 4, 1, 99999];
const ENTRY = [...BASE, 2, 1];
const A = snmp.MaxAccess;
const RO: Principal = { name: 'public', model: 'community', access: 'ro' };
const RW: Principal = { name: 'private', model: 'community', access: 'rw' };

/** A two-part index (like pimanPortTable's switch.port), a not-accessible index column, a writable and a Counter64 column. */
const table = (): MibProviderDefinition => ({
  name: 'tbl',
  type: 2,
  oid: ENTRY.join('.'),
  maxAccess: 0,
  tableColumns: [
    { number: 1, name: 'sw', type: TAG.INTEGER, maxAccess: A['read-only'] },
    { number: 2, name: 'idx', type: TAG.INTEGER, maxAccess: A['not-accessible'] },
    { number: 3, name: 'name', type: TAG.OCTET_STRING, maxAccess: A['read-only'] },
    { number: 5, name: 'val', type: TAG.INTEGER, maxAccess: A['read-write'] },
    { number: 7, name: 'big', type: TAG.COUNTER64, maxAccess: A['read-only'] },
  ],
  tableIndex: [{ columnName: 'sw' }, { columnName: 'idx' }],
});

/** Rows out of OID order on purpose (the virtual table sorts them); sw 2 port 10 sorts after sw 2 port 9. */
const ROWS: number[][] = [];
for (const sw of [2, 1, 10]) for (const port of [10, 1, 9, 2]) ROWS.push([sw, port]);
const cellValue = (column: number, [sw, port]: number[]): VarbindValue => {
  if (column === 1) return sw!;
  if (column === 2) return port!;
  if (column === 3) return `pi-${sw}-${port}`;
  if (column === 5) return sw! * 100 + port!;
  return Buffer.from([0, 0, 0, 1, 0, 0, 0, port!]);
};

function view(virtual: boolean): MibView {
  const m = snmp.createMib();
  const done = (r: { done(): void }): void => r.done();
  m.registerProvider({ name: 'before', type: 1, oid: [...BASE, 1].join('.'), scalarType: TAG.INTEGER, maxAccess: A['read-only'], handler: done });
  m.setScalarValue('before', 1);
  m.registerProvider(table());
  m.registerProvider({
    name: 'next',
    type: 2,
    oid: [...BASE, 3, 1].join('.'),
    maxAccess: 0,
    tableColumns: [
      { number: 1, name: 'n', type: TAG.INTEGER, maxAccess: A['not-accessible'] },
      { number: 2, name: 'v', type: TAG.INTEGER, maxAccess: A['read-only'] },
    ],
    tableIndex: [{ columnName: 'n' }],
    handler: done,
  });
  for (const n of [1, 2]) m.addTableRow('next', [n, n * 7]);
  const v = new MibView(m);
  if (virtual) v.addVirtualTable('tbl', { rows: ROWS, read: (column, row) => cellValue(column, ROWS[row]!) });
  else for (const r of ROWS) m.addTableRow('tbl', [1, 2, 3, 5, 7].map((c) => cellValue(c, r)));
  return v;
}

/** The row of the tree table: index values, then every column but the not-accessible index column. */
test('the tree twin holds the rows the virtual table serves', () => {
  const tree = view(false);
  const found = tree.find([...ENTRY, 3, 2, 10]);
  assert.ok(found.node && MibView.isInstance(found.node));
  assert.equal(found.node.value, 'pi-2-10');
  assert.equal(tree.find([...ENTRY, 2, 2, 10]).node, null, 'no instances in the not-accessible index column');
  assert.equal(tree.find([...ENTRY, 1, 2, 10]).node?.value, 2, 'the readable index column has instances');
});

const ctx = (v: MibView, setHandler: SetHandler | null = null): ProcessContext => ({ view: v, limits: DEFAULT_LIMITS, setHandler });

function req(version: 0 | 1, type: number, vbs: readonly VarbindIn[], a = 0, b = 0): RequestPdu {
  const m = decodeMessage(communityMessage(version, 'c', pdu(type, 1, vbs, a, b)));
  assert.ok(m && m.version !== 3);
  return m.pdu;
}

/** OIDs near and inside the table: prefixes, every column number around the real ones, rows that exist and do not. */
const oidNearTable = fc.oneof(
  fc.constantFrom([...BASE], [...BASE, 2], ENTRY, [...BASE, 1, 0], [...BASE, 3], [1, 3, 6], [...BASE, 4]),
  fc.tuple(fc.integer({ min: 0, max: 9 }), fc.array(fc.integer({ min: 0, max: 11 }), { maxLength: 3 })).map(([c, rest]) => [...ENTRY, c, ...rest]),
  fc.tuple(fc.integer({ min: 0, max: 9 }), fc.constantFrom(...ROWS)).map(([c, r]) => [...ENTRY, c, ...r]),
);

const readablePdu = fc.tuple(
  fc.constantFrom(GET, GETNEXT, GETBULK),
  fc.constantFrom<0 | 1>(0, 1),
  fc.array(oidNearTable, { minLength: 1, maxLength: 4 }),
  fc.integer({ min: 0, max: 2 }),
  fc.integer({ min: 0, max: 60 }),
);

test('property: GET, GETNEXT and GETBULK get the same outcome from the virtual table as from tree rows', async () => {
  const tree = ctx(view(false));
  const virtual = ctx(view(true));
  await fc.assert(
    fc.asyncProperty(readablePdu, async ([type, version, oids, nonRepeaters, reps]) => {
      const v = type === GETBULK ? 1 : version;
      const r = req(v, type, oids.map((o) => [o] as const), type === GETBULK ? nonRepeaters : 0, type === GETBULK ? reps : 0);
      assert.deepEqual(await processPdu(virtual, v === 0, RO, r), await processPdu(tree, v === 0, RO, r));
    }),
    { numRuns: 2000 },
  );
});

test('a walk of the whole MIB gives the same varbinds, the table in column-then-row order between its neighbours', async () => {
  const walk = async (c: ProcessContext): Promise<string[]> => {
    const out: string[] = [];
    let at = [0];
    for (let i = 0; i < 200; i++) {
      const o: Outcome = await processPdu(c, false, RO, req(1, GETNEXT, [[at]]));
      assert.equal(o.kind, 'values');
      if (o.kind !== 'values' || o.varbinds[0]!.type === TAG.END_OF_MIB_VIEW) return out;
      const vb = o.varbinds[0]!;
      out.push(`${vb.oid}=${Buffer.isBuffer(vb.value) ? vb.value.toString('hex') : String(vb.value)}`);
      at = vb.oid.split('.').map(Number);
    }
    throw new Error('the walk did not end');
  };
  const fromTree = await walk(ctx(view(false)));
  assert.deepEqual(await walk(ctx(view(true))), fromTree);
  // 1 scalar, 4 instance columns x 12 rows, 2 rows of the next table
  assert.equal(fromTree.length, 1 + 4 * 12 + 2);
  const e = ENTRY.join('.');
  assert.deepEqual(fromTree.slice(1, 5), [`${e}.1.1.1=1`, `${e}.1.1.2=1`, `${e}.1.1.9=1`, `${e}.1.1.10=1`]);
});

test('property: SET finds the same instances, access and errors through the virtual table', async () => {
  const seen = (into: string[]): SetHandler => (vbs) => {
    into.push(vbs.map((v) => `${v.provider}:${v.oid}:${v.exists}`).join(','));
    return { ok: true, commit: () => Promise.resolve(), release: () => undefined };
  };
  await fc.assert(
    fc.asyncProperty(fc.array(oidNearTable, { minLength: 1, maxLength: 3 }), fc.constantFrom(RO, RW), fc.constantFrom<0 | 1>(0, 1), async (oids, who, version) => {
      const a: string[] = [];
      const b: string[] = [];
      const r = req(version, SET, oids.map((o) => [o, int(5)] as const));
      assert.deepEqual(await processPdu(ctx(view(true), seen(a)), version === 0, who, r), await processPdu(ctx(view(false), seen(b)), version === 0, who, r));
      assert.deepEqual(a, b);
    }),
    { numRuns: 500 },
  );
});

test('a virtual table needs its provider registered as a table', () => {
  const v = view(false);
  assert.throws(() => v.addVirtualTable('nope', { rows: [], read: () => null }), /no table provider nope/);
  assert.throws(() => v.addVirtualTable('before', { rows: [], read: () => null }), /no table provider before/);
});

test('a cell whose row has no value now reads as no instance, and a walk skips it', async () => {
  const m = snmp.createMib();
  m.registerProvider(table());
  const v = new MibView(m);
  v.addVirtualTable('tbl', { rows: [[1, 1], [1, 2]], read: (column, row) => (row === 0 ? null : column) });
  const c = ctx(v);
  const e = ENTRY.join('.');
  const o = await processPdu(c, false, RO, req(1, GET, [[`${e}.3.1.1`], [`${e}.3.1.2`]]));
  assert.deepEqual(o.kind === 'values' ? o.varbinds.map((x) => [x.oid, x.type, x.value]) : o, [
    [`${e}.3.1.1`, TAG.NO_SUCH_INSTANCE, null],
    [`${e}.3.1.2`, TAG.OCTET_STRING, 3],
  ]);
  const n = await processPdu(c, false, RO, req(1, GETNEXT, [[`${e}.1`]]));
  assert.deepEqual(n.kind === 'values' ? n.varbinds.map((x) => x.oid) : n, [`${e}.1.1.2`]);
});
