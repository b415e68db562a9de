/**
 * pimanUnknownMacTable over the cluster's unknown-MAC registry. Unlike the
 * port table its rows come and go while piman runs: the registry tells us
 * synchronously about every row added or removed, and the table's instances
 * follow (each change invalidates the host's leaf index). A repeat
 * sighting changes only values, which the handler refreshes from the
 * registry right before each read (it answers synchronously, so the fast
 * read path applies).
 */
import snmp, { type MibHandler, type MibTableColumn, type ObjectTypeCode, type VarbindValue } from 'net-snmp';
import type { UnknownMacView } from '../cluster/ports.js';
import type { Logger } from '../log.js';
import { describeError } from '../errors.js';
import type { AgentHost } from '../snmp/agent-host.js';
import { parseOid } from '../snmp/oid.js';
import { PIMAN_UNKNOWN_MAC_ENTRY, UNKNOWN_MAC_COL, type UnknownMacColumn } from './oids.js';
import { unknownMacValue, type UnknownMacValue } from './unknown-mac-values.js';

export const UNKNOWN_MAC_TABLE = 'pimanUnknownMacTable';

/** The part of net-snmp's Mib tree a row removal touches (untyped upstream). */
interface TableTree {
  getProviderNodeForTable(table: string): { children: Record<string, { children: Record<string, unknown> }> };
}

const T = snmp.ObjectType;
const RO = snmp.MaxAccess['read-only'];
const NA = snmp.MaxAccess['not-accessible'];

const TYPES: Record<UnknownMacValue['kind'], ObjectTypeCode> = {
  unsigned: T.Gauge,
  int: T.Integer,
  counter: T.Counter,
  string: T.OctetString,
  bytes: T.OctetString,
};

const COLUMNS: readonly { number: UnknownMacColumn; name: string; kind: UnknownMacValue['kind'] }[] = [
  { number: UNKNOWN_MAC_COL.pimanUnknownMacIndex, name: 'pimanUnknownMacIndex', kind: 'unsigned' },
  { number: UNKNOWN_MAC_COL.pimanUnknownMacAddress, name: 'pimanUnknownMacAddress', kind: 'bytes' },
  { number: UNKNOWN_MAC_COL.pimanUnknownMacRaspberryPi, name: 'pimanUnknownMacRaspberryPi', kind: 'int' },
  { number: UNKNOWN_MAC_COL.pimanUnknownMacVendorClass, name: 'pimanUnknownMacVendorClass', kind: 'string' },
  { number: UNKNOWN_MAC_COL.pimanUnknownMacFirstSeen, name: 'pimanUnknownMacFirstSeen', kind: 'bytes' },
  { number: UNKNOWN_MAC_COL.pimanUnknownMacLastSeen, name: 'pimanUnknownMacLastSeen', kind: 'bytes' },
  { number: UNKNOWN_MAC_COL.pimanUnknownMacRequests, name: 'pimanUnknownMacRequests', kind: 'counter' },
];

/** Registers the table and keeps its rows in step with `registry`; returns the function that stops following it. */
export function registerUnknownMacTable(host: AgentHost, registry: UnknownMacView, log: Logger): () => void {
  const entryLen = parseOid(PIMAN_UNKNOWN_MAC_ENTRY)!.length;
  const columns: MibTableColumn[] = COLUMNS.map((c) => ({
    number: c.number,
    name: c.name,
    type: TYPES[c.kind],
    maxAccess: c.number === UNKNOWN_MAC_COL.pimanUnknownMacIndex ? NA : RO,
  }));
  const handler: MibHandler = (req) => {
    const addr = req.instanceNode?.address ?? parseOid(req.oid);
    if (!req.setType && req.instanceNode && addr && addr.length === entryLen + 2) {
      const e = registry.byIndex(Number(addr[entryLen + 1]));
      if (e) req.instanceNode.value = unknownMacValue(Number(addr[entryLen]) as UnknownMacColumn, e).value;
    }
    req.done();
  };
  host.mib.registerProvider({
    name: UNKNOWN_MAC_TABLE,
    type: snmp.MibProviderType.Table,
    oid: PIMAN_UNKNOWN_MAC_ENTRY,
    maxAccess: NA,
    tableColumns: columns,
    tableIndex: [{ columnName: 'pimanUnknownMacIndex' }],
    handler,
  });

  const rows = new Set<number>();
  const add = (index: number): void => {
    const e = registry.byIndex(index);
    if (!e || rows.has(index)) return;
    const row: VarbindValue[] = COLUMNS.map((c) => unknownMacValue(c.number, e).value);
    host.mib.addTableRow(UNKNOWN_MAC_TABLE, row);
    host.invalidateIndex();
    rows.add(index);
  };
  const remove = (index: number): void => {
    if (!rows.delete(index)) return;
    // Not mib.deleteTableRow: it scans every sibling of each cell (Object.keys
    // per column, twice), ~0.2 ms per row at 1,024 rows, which a flood of random
    // chaddrs would pay on the DHCP path. Dropping the instance nodes is O(1);
    // empty column nodes stay and hold no instance.
    const entry = (host.mib as unknown as TableTree).getProviderNodeForTable(UNKNOWN_MAC_TABLE);
    for (const column of Object.values(entry.children)) delete column.children[String(index)];
    host.invalidateIndex();
  };
  for (const e of [...registry.list()].sort((a, b) => a.index - b.index)) add(e.index);
  return registry.on((change) => {
    // Called from the DHCP server's request path: a failure here must not cost it the request.
    try {
      if (change.type === 'added') add(change.entry.index);
      else remove(change.entry.index);
    } catch (e) {
      log.warn({ mac: change.entry.mac, err: describeError(e) }, 'pimanUnknownMacTable not updated');
    }
  });
}
