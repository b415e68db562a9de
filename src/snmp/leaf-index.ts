/**
 * A sorted index of the instance (leaf) nodes of a net-snmp Mib tree, so
 * GETNEXT is a binary search instead of net-snmp's walk that sorts every
 * sibling list on every step (slow on a 1000-row table). Rebuilt lazily after
 * the tree changed.
 */
import { compareOid, type OidParts } from './oid.js';

/** The parts of net-snmp's internal MibNode the index reads. */
export interface TreeNode {
  readonly address: number[];
  readonly oid?: string;
  readonly children: Record<string, TreeNode>;
  readonly value?: unknown;
}

export class LeafIndex {
  private leaves: TreeNode[] = [];
  private position = new Map<TreeNode, number>();
  private dirty = true;

  constructor(private readonly root: () => TreeNode) {}

  invalidate(): void {
    this.dirty = true;
  }

  get size(): number {
    this.refresh();
    return this.leaves.length;
  }

  /** The instance right after `node` when `node` is an indexed instance (a walk's cursor); else a search. */
  after(node: TreeNode): TreeNode | null {
    this.refresh();
    const i = this.position.get(node);
    return i === undefined ? this.next(node.address) : (this.leaves[i + 1] ?? null);
  }

  /** The first instance strictly after `oid` in lexicographic order, or null at the end of the MIB. */
  next(oid: OidParts): TreeNode | null {
    this.refresh();
    const a = this.leaves;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareOid(a[mid]!.address, oid) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return a[lo] ?? null;
  }

  private refresh(): void {
    if (!this.dirty) return;
    const out: TreeNode[] = [];
    collect(this.root(), out);
    this.leaves = out;
    this.position = new Map(out.map((n, i) => [n, i]));
    this.dirty = false;
  }
}

/** Depth-first in numeric child order; only leaves holding a value are instances. */
function collect(node: TreeNode, out: TreeNode[]): void {
  const keys = Object.keys(node.children);
  if (keys.length === 0) {
    if (node.value !== undefined && node.value !== null) out.push(node);
    return;
  }
  keys.sort((x, y) => Number(x) - Number(y));
  for (const k of keys) collect(node.children[k]!, out);
}
