/**
 * pimanImageTable over the image catalog (src/images/catalog.ts): one row per
 * image of install.images, in piman.yaml order (index 1..n). Rows change only
 * when a reload changes the list; values (size, digest, ports using the
 * image) are read from the catalog and the cluster right before each answer.
 */
import snmp, { type MibHandler, type MibTableColumn, type ObjectTypeCode, type VarbindValue } from 'net-snmp';
import type { PortList } from '../cluster/ports.js';
import type { ImageCatalog } from '../images/catalog.js';
import type { AgentHost } from '../snmp/agent-host.js';
import { parseOid } from '../snmp/oid.js';
import { IMAGE_COL, PIMAN_IMAGE_ENTRY, type ImageColumn } from './oids.js';
import { imageValue, type ImageRow, type MibValue } from './values.js';

export const IMAGE_TABLE = 'pimanImageTable';

/** The part of net-snmp's Mib tree a row removal touches (untyped upstream). */
interface TableTree {
  getProviderNodeForTable(table: string): { children: Record<string, { children: Record<string, unknown> }> };
}

const T = snmp.ObjectType;
const TYPES: Record<MibValue['kind'], ObjectTypeCode> = {
  int: T.Integer,
  gauge: T.Gauge,
  counter: T.Counter,
  ticks: T.TimeTicks,
  string: T.OctetString,
  bytes: T.OctetString,
  ip: T.IpAddress,
};

const COLUMNS: readonly { number: ImageColumn; name: string }[] = [
  { number: IMAGE_COL.pimanImageIndex, name: 'pimanImageIndex' },
  { number: IMAGE_COL.pimanImageName, name: 'pimanImageName' },
  { number: IMAGE_COL.pimanImageSize, name: 'pimanImageSize' },
  { number: IMAGE_COL.pimanImageSha256, name: 'pimanImageSha256' },
  { number: IMAGE_COL.pimanImageLastModified, name: 'pimanImageLastModified' },
  { number: IMAGE_COL.pimanImagePorts, name: 'pimanImagePorts' },
  { number: IMAGE_COL.pimanImageProblem, name: 'pimanImageProblem' },
];

/** Rows of the table as pure data: each image with the number of bound ports whose next install uses it. */
export function imageRows(images: ImageCatalog, cluster: PortList): ImageRow[] {
  const counts = new Map<string, number>();
  for (const p of cluster.ports()) {
    if (p.mac === null) continue; // a port without a Pi installs nothing
    const n = images.imageFor(p);
    counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  return images.list().map((i, k) => ({ index: k + 1, name: i.name, size: i.size, sha256: i.sha256, mtimeMs: i.mtimeMs, problem: i.problem, ports: counts.get(i.name) ?? 0 }));
}

/** Registers the table and follows the catalog's list; returns the function that stops following it. */
export function registerImageTable(host: AgentHost, images: ImageCatalog, cluster: PortList): () => void {
  const entryLen = parseOid(PIMAN_IMAGE_ENTRY)!.length;
  const sample: ImageRow = { index: 1, name: '', size: 0, sha256: '', mtimeMs: 0, problem: null, ports: 0 };
  const columns: MibTableColumn[] = COLUMNS.map((c) => ({
    number: c.number,
    name: c.name,
    type: TYPES[imageValue(c.number, sample).kind],
    maxAccess: c.number === IMAGE_COL.pimanImageIndex ? snmp.MaxAccess['not-accessible'] : snmp.MaxAccess['read-only'],
  }));
  // The port counts walk every port: computed once per request burst, not per cell.
  let cache: { at: number; rows: ImageRow[] } | null = null;
  const rows = (): ImageRow[] => {
    const now = Date.now();
    if (!cache || now - cache.at > 200) cache = { at: now, rows: imageRows(images, cluster) };
    return cache.rows;
  };
  const handler: MibHandler = (req) => {
    const addr = req.instanceNode?.address ?? parseOid(req.oid);
    if (!req.setType && req.instanceNode && addr && addr.length === entryLen + 2) {
      const r = rows()[Number(addr[entryLen + 1]) - 1];
      if (r) req.instanceNode.value = imageValue(Number(addr[entryLen]) as ImageColumn, r).value;
    }
    req.done();
  };
  host.mib.registerProvider({
    name: IMAGE_TABLE,
    type: snmp.MibProviderType.Table,
    oid: PIMAN_IMAGE_ENTRY,
    maxAccess: snmp.MaxAccess['not-accessible'],
    tableColumns: columns,
    tableIndex: [{ columnName: 'pimanImageIndex' }],
    handler,
  });
  let present = 0;
  const sync = (): void => {
    cache = null;
    const now = imageRows(images, cluster);
    if (present > 0) {
      // The table's node exists once a row was added.
      const entry = (host.mib as unknown as TableTree).getProviderNodeForTable(IMAGE_TABLE);
      for (let i = 1; i <= present; i++) for (const column of Object.values(entry.children)) delete column.children[String(i)];
    }
    for (const r of now) {
      const row: VarbindValue[] = COLUMNS.map((c) => imageValue(c.number, r).value);
      host.mib.addTableRow(IMAGE_TABLE, row);
    }
    present = now.length;
    host.invalidateIndex();
  };
  sync();
  return images.on(sync);
}
