/**
 * A table whose instances are not nodes of net-snmp's tree: each is made
 * when a request reaches it and its value read from the model then. Its
 * provider is registered with net-snmp as usual (columns, index, access)
 * but gets no rows. Why: PIMAN-MIB's port table (24 columns x 1,000 ports)
 * held ~24,000 tree nodes, ~9.8 MB of the daemon's idle heap, for values
 * that were recomputed on every read anyway (README "Where the memory goes").
 *
 * The instances are what net-snmp's addTableRow would have made: every
 * column except a not-accessible (or accessible-for-notify) index column,
 * at entry.<column>.<row index>, in OID order: column, then row.
 */
import type { MibProviderDefinition, ObjectTypeCode, VarbindValue } from 'net-snmp';
import { compareOid, type OidParts } from './oid.js';
import type { MibNode, VirtualCell } from './mib-view.js';

export interface VirtualRows {
  /** Every row's index (the sub-identifiers after entry.column), in any order; fixed for the table's life. */
  readonly rows: readonly OidParts[];
  /** The value of column `column` in rows[row] (this array's position) now, or null when it has none. */
  read(column: number, row: number): VarbindValue | null;
}

/** MaxAccess values net-snmp's addTableRow makes no instances for in an index column. */
const NOT_AN_INSTANCE = new Set([0, 1]);
const NO_CHILDREN: Record<string, MibNode> = Object.freeze({}) as Record<string, MibNode>;

export class VirtualTable {
  /** Stands for the provider's node (net-snmp adds one only with a first row). */
  readonly providerNode: MibNode;
  private readonly entry: OidParts;
  private readonly columns: readonly { readonly number: number; readonly type: ObjectTypeCode }[];
  /** Row indexes in OID order, and where each is in source.rows. */
  private readonly rows: readonly OidParts[];
  private readonly sourceRow: readonly number[];
  private readonly rowAt = new Map<string, number>();

  constructor(
    provider: MibProviderDefinition,
    entry: OidParts,
    private readonly source: VirtualRows,
  ) {
    this.entry = entry;
    const index = new Set((provider.tableIndex ?? []).map((ix) => ix.columnNumber));
    this.columns = (provider.tableColumns ?? [])
      .filter((c) => !(index.has(c.number) && NOT_AN_INSTANCE.has(c.maxAccess)))
      .map((c) => ({ number: c.number, type: c.type }))
      .sort((a, b) => a.number - b.number);
    this.sourceRow = source.rows.map((_, i) => i).sort((a, b) => compareOid(source.rows[a]!, source.rows[b]!));
    this.rows = this.sourceRow.map((i) => source.rows[i]!);
    this.rows.forEach((r, i) => this.rowAt.set(r.join('.'), i));
    this.providerNode = { oid: entry.join('.'), address: [...entry], value: null, valueType: 0 as ObjectTypeCode, parent: null, children: NO_CHILDREN, provider };
  }

  /** True when `address` lies strictly below the table's entry. */
  covers(address: OidParts): boolean {
    const e = this.entry;
    if (address.length <= e.length) return false;
    for (let i = 0; i < e.length; i++) if (address[i] !== e[i]) return false;
    return true;
  }

  /** The instance at `address` (which `covers`), or null when the table has none there. */
  find(address: OidParts): MibNode | null {
    const column = this.columns.findIndex((c) => c.number === address[this.entry.length]);
    const row = column < 0 ? undefined : this.rowAt.get(address.slice(this.entry.length + 1).join('.'));
    return row === undefined ? null : this.cell(column, row);
  }

  /** The first instance strictly after `oid`, or null when none is. */
  next(oid: OidParts): MibNode | null {
    const e = this.entry;
    for (let i = 0; i < e.length; i++) {
      if (i >= oid.length || oid[i]! < e[i]!) return this.cell(0, 0);
      if (oid[i]! > e[i]!) return null;
    }
    if (oid.length === e.length) return this.cell(0, 0);
    const col = oid[e.length]!;
    let c = 0;
    while (c < this.columns.length && this.columns[c]!.number < col) c++;
    if (c === this.columns.length) return null;
    if (this.columns[c]!.number > col) return this.cell(c, 0);
    const rest = oid.slice(e.length + 1);
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareOid(this.rows[mid]!, rest) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.rows.length ? this.cell(c, lo) : this.cell(c + 1, 0);
  }

  /** The instance right after one of this table's: O(1), a walk's cursor. */
  after(cell: VirtualCell): MibNode | null {
    return cell.row + 1 < this.rows.length ? this.cell(cell.column, cell.row + 1) : this.cell(cell.column + 1, 0);
  }

  /** Reads the instance's value from the model into it; false when it has none now. */
  refresh(node: MibNode, cell: VirtualCell): boolean {
    node.value = this.source.read(this.columns[cell.column]!.number, this.sourceRow[cell.row]!);
    return node.value !== null && node.value !== undefined;
  }

  private cell(column: number, row: number): MibNode | null {
    const c = this.columns[column];
    const r = this.rows[row];
    if (!c || !r) return null;
    const address = [...this.entry, c.number, ...r];
    return {
      oid: address.join('.'),
      address,
      value: null,
      valueType: c.type,
      parent: this.providerNode,
      children: NO_CHILDREN,
      cell: { table: this, column, row },
    };
  }
}
