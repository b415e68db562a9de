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

/** net-snmp's MibNode as far as the agent reads it. */
export interface MibNode extends TreeNode {
  readonly oid: string;
  value: VarbindValue;
  readonly valueType: ObjectTypeCode;
  readonly parent: MibNode | null;
  readonly children: Record<string, MibNode>;
  readonly provider?: ProviderDefinition;
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

export class MibView {
  readonly index: LeafIndex;
  private readonly root: MibNode;

  constructor(readonly mib: Mib) {
    this.root = (mib as unknown as { root: MibNode }).root;
    this.index = new LeafIndex(() => this.root);
  }

  /** Walks the tree along `address` once: O(length). */
  find(address: readonly number[]): Found {
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

  /** True when `node` is an instance (a leaf holding a value). */
  static isInstance(node: MibNode): boolean {
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
