/**
 * The agent's view of a net-snmp Mib (built through its public API:
 * createMib, registerProvider, addTableRow, setScalarValue): the tree's
 * nodes as far as the agent reads them, lookups that walk the tree once
 * (linear in the OID, never per prefix), the sorted leaf index for
 * GETNEXT, each instance's provider and MAX-ACCESS, and the synchronous
 * refresh of a value by its provider's handler.
 * net-snmp is pinned to an exact version in package.json;
 * test/unit/agent-process.test.ts fails when the tree's shape changes.
 */
import type { Mib, MibRequest, ObjectTypeCode, VarbindValue } from 'net-snmp';
import { LeafIndex, type TreeNode } from './leaf-index.js';
import { compareOid, parseOid } from './oid.js';
import { VirtualTable, type VirtualRows } from './virtual-table.js';

/** net-snmp's MibNode as far as the agent reads it. */
export interface MibNode extends TreeNode {
  readonly oid: string;
  value: VarbindValue;
  readonly valueType: ObjectTypeCode;
  readonly parent: MibNode | null;
  readonly children: Record<string, MibNode>;
  readonly provider?: ProviderDefinition;
  /** Set on an instance of a virtual table (virtual-table.ts), which is no node of the tree. */
  readonly cell?: VirtualCell;
}

/** Where an instance of a virtual table sits in it. */
export interface VirtualCell {
  readonly table: VirtualTable;
  /** Position among the table's instance columns, and among its rows. */
  readonly column: number;
  readonly row: number;
}

interface ProviderDefinition {
  readonly name: string;
  /** 1 scalar, 2 table (MibProviderType). */
  readonly type: number;
  readonly maxAccess?: number;
  readonly tableColumns?: readonly { number: number; maxAccess?: number }[];
  readonly handler?: (req: MibRequest) => void;
}

const TABLE = 2;

export interface Found {
  /** The node at exactly this OID, if any. */
  readonly node: MibNode | null;
  /** The nearest provider node strictly above (or at, for a scalar's instance) the OID. */
  readonly provider: MibNode | null;
}

/** One reusable request object: read handlers only read instanceNode/oid and call done(). */
const stub = {
  operation: 0,
  oid: '',
  instanceNode: null as MibNode | null,
  providerNode: null as MibNode | null,
  answered: false,
  done(): void {
    stub.answered = true;
  },
};

/** The earlier of two instances in OID order (null: none). */
function earlier(a: MibNode | null, b: MibNode | null): MibNode | null {
  if (!a) return b;
  if (!b) return a;
  return compareOid(a.address, b.address) <= 0 ? a : b;
}

export class MibView {
  readonly index: LeafIndex;
  private readonly root: MibNode;
  private readonly tables: VirtualTable[] = [];

  constructor(readonly mib: Mib) {
    this.root = (mib as unknown as { root: MibNode }).root;
    this.index = new LeafIndex(() => this.root);
  }

  /**
   * Serves table provider `name` (registered, with no rows) from `rows`
   * instead of tree nodes; its OID range must hold no other instance.
   */
  addVirtualTable(name: string, rows: VirtualRows): void {
    const provider = this.mib.getProvider(name);
    const entry = provider && provider.type === TABLE ? parseOid(provider.oid) : null;
    if (!provider || !entry) throw new Error(`no table provider ${name} is registered`);
    this.tables.push(new VirtualTable(provider, entry, rows));
  }

  /** Walks the tree along `address` once: O(length). */
  find(address: readonly number[]): Found {
    for (const t of this.tables) if (t.covers(address)) return { node: t.find(address), provider: t.providerNode };
    let node: MibNode | null = this.root;
    let provider: MibNode | null = null;
    for (let i = 0; i < address.length; i++) {
      if (node.provider) provider = node;
      const next: MibNode | undefined = node.children[address[i]!];
      if (!next) return { node: null, provider };
      node = next;
    }
    return { node, provider };
  }

  /** MAX-ACCESS of an instance under provider node `pn` (table: its column's). */
  maxAccess(pn: MibNode, address: readonly number[]): number {
    const p = pn.provider!;
    if (p.type !== TABLE) return p.maxAccess ?? 0;
    const column = address[pn.address.length];
    return p.tableColumns?.find((c) => c.number === column)?.maxAccess ?? 0;
  }

  /** The first instance strictly after `oid` (tree or virtual table), or null at the end of the MIB. */
  next(oid: readonly number[]): MibNode | null {
    let n = this.index.next(oid) as MibNode | null;
    for (const t of this.tables) n = earlier(n, t.next(oid));
    return n;
  }

  /** The instance right after instance `node`: O(1) along a tree's leaves or a virtual table's cells. */
  after(node: MibNode): MibNode | null {
    if (node.cell) return earlier(node.cell.table.after(node.cell), this.index.next(node.address) as MibNode | null);
    let n = this.index.after(node) as MibNode | null;
    for (const t of this.tables) n = earlier(n, t.next(node.address));
    return n;
  }

  /** True when `node` is an instance (a leaf holding a value, or a virtual table's cell). */
  static isInstance(node: MibNode): boolean {
    if (node.cell) return true;
    for (const _ in node.children) return false;
    return node.value !== undefined && node.value !== null;
  }

  /** The provider node that owns an instance (nearest ancestor with a provider). */
  static providerOf(node: MibNode): MibNode | null {
    for (let n = node.parent; n; n = n.parent) if (n.provider) return n;
    return null;
  }

  /** Lets the provider refresh the instance's value; false when it has none afterwards. */
  refresh(node: MibNode, pn: MibNode, operation: number): boolean {
    if (node.cell) return node.cell.table.refresh(node, node.cell);
    const handler = pn.provider!.handler;
    if (handler) {
      stub.operation = operation;
      stub.oid = node.oid;
      stub.instanceNode = node;
      stub.providerNode = pn;
      stub.answered = false;
      handler(stub as unknown as MibRequest);
      if (!stub.answered) throw new Error(`handler of ${node.oid} did not answer a read synchronously`);
    }
    return node.value !== undefined && node.value !== null;
  }
}
