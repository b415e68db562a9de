import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LeafIndex, type TreeNode } from '../../src/snmp/leaf-index.js';
import { compareOid, formatOid, parseOid, isUnder } from '../../src/snmp/oid.js';

interface Node extends TreeNode {
  children: Record<string, Node>;
  value?: unknown;
}

function tree(oids: number[][]): Node {
  const root: Node = { address: [], children: {} };
  for (const oid of oids) {
    let n = root;
    for (let i = 0; i < oid.length; i++) {
      const k = String(oid[i]);
      n.children[k] ??= { address: oid.slice(0, i + 1), children: {} };
      n = n.children[k]!;
    }
    n.value = 1;
  }
  return root;
}

const oidArb = fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 5 });

test('property: next() is the smallest leaf strictly after the start, like a linear scan', () => {
  fc.assert(
    fc.property(fc.array(oidArb, { maxLength: 40 }), oidArb, (oids, start) => {
      const root = tree(oids);
      const idx = new LeafIndex(() => root);
      // leaves: nodes with a value and no children
      const leaves: number[][] = [];
      const walk = (n: Node): void => {
        const ks = Object.keys(n.children);
        if (ks.length === 0 && n.value !== undefined) leaves.push(n.address);
        for (const k of ks) walk(n.children[k]!);
      };
      walk(root);
      leaves.sort(compareOid);
      const expected = leaves.find((l) => compareOid(l, start) > 0) ?? null;
      const got = idx.next(start);
      assert.deepEqual(got?.address ?? null, expected);
    }),
  );
});

test('invalidate() picks up new leaves', () => {
  const root = tree([[1, 1]]);
  const idx = new LeafIndex(() => root);
  assert.equal(idx.next([1, 1]), null);
  root.children['1']!.children['2'] = { address: [1, 2], children: {}, value: 5 };
  idx.invalidate();
  assert.deepEqual(idx.next([1, 1])?.address, [1, 2]);
});

test('OIDs: parse/format round trip, order, prefix', () => {
  fc.assert(fc.property(fc.array(fc.nat(0xffffffff), { maxLength: 20 }), (a) => assert.deepEqual(parseOid(formatOid(a)), a)));
  assert.deepEqual(parseOid('.1.3.6'), [1, 3, 6]);
  assert.equal(parseOid('1..3'), null);
  assert.equal(parseOid('1.4294967296'), null);
  assert.ok(compareOid([1, 3], [1, 3, 0]) < 0);
  assert.ok(compareOid([1, 10], [1, 9]) > 0);
  assert.ok(isUnder([1, 3, 6], [1, 3]));
  assert.ok(!isUnder([1, 3], [1, 3]));
});
