/**
 * GET, GETNEXT and GETBULK answered without net-snmp's generic request
 * machinery (per-varbind MibRequest objects, row re-reads, a second pass):
 * instances come from the sorted leaf index, each provider's handler
 * refreshes the value synchronously, and the response goes out through
 * net-snmp's own sendResponse (versions, v3 security). Used only when the
 * providers' handlers answer reads synchronously (AgentHostOptions.syncReadHandlers).
 */
import snmp, { type MibRequest, type ObjectTypeCode, type VarbindValue } from 'net-snmp';
import type { LeafIndex, TreeNode } from './leaf-index.js';
import { parseOid } from './oid.js';

export interface WireVarbind {
  oid: string;
  type?: ObjectTypeCode;
  value?: VarbindValue;
  /** The OID as numbers when the decoder already has them (saves a parse). */
  address?: readonly number[];
}

export interface ReadPdu {
  type: number;
  varbinds: WireVarbind[];
  nonRepeaters?: number;
  maxRepetitions?: number;
  getResponsePduForRequest(): ResponsePdu;
}

export interface ResponsePdu {
  varbinds: WireVarbind[];
  errorStatus?: number;
  errorIndex?: number;
}

/** net-snmp's MibNode as far as reads need it. */
interface InstanceNode extends TreeNode {
  oid: string;
  value: VarbindValue;
  valueType: ObjectTypeCode;
  parent?: InstanceNode | null;
  provider?: { type: number; handler?: (req: MibRequest) => void; maxAccess?: number; tableColumns?: { number: number; maxAccess?: number }[] };
}

export interface FastReadContext {
  readonly index: LeafIndex;
  lookup(oid: string): InstanceNode | null;
  /** Same as lookup, for an OID already split into numbers. */
  lookupAddress(address: readonly number[]): InstanceNode | null;
  hasAncestorProvider(oid: string): boolean;
  readonly maxRepetitions: number;
  readonly maxResponseBytes: number;
}

const READ_ONLY = snmp.MaxAccess['read-only'];

/** The provider that owns an instance node (nearest ancestor carrying one). */
function providerOf(node: InstanceNode): InstanceNode | null {
  for (let n = node.parent ?? null; n; n = n.parent ?? null) if (n.provider) return n;
  return null;
}

/** One reusable request object: handlers only read instanceNode and call done(). */
const stub = {
  operation: 0,
  oid: '',
  instanceNode: null as InstanceNode | null,
  providerNode: null as InstanceNode | null,
  answered: false,
  done(): void {
    stub.answered = true;
  },
};

/** True when the instance is readable, with its value refreshed by its provider's handler. */
function refresh(node: InstanceNode, op: number): boolean {
  const pn = providerOf(node);
  const p = pn?.provider;
  if (!pn || !p) return false;
  let access = p.maxAccess ?? 0;
  if (p.type === snmp.MibProviderType.Table) {
    const column = node.address[pn.address.length];
    access = p.tableColumns?.find((c) => c.number === column)?.maxAccess ?? 0;
  }
  if (access < READ_ONLY) return false;
  if (p.handler) {
    stub.operation = op;
    stub.oid = node.oid;
    stub.instanceNode = node;
    stub.providerNode = pn;
    stub.answered = false;
    p.handler(stub as unknown as MibRequest);
    if (!stub.answered) throw new Error(`handler of ${node.oid} did not answer a read synchronously`);
  }
  return node.value !== undefined && node.value !== null;
}

function valueSize(v: unknown): number {
  if (typeof v === 'string' || Buffer.isBuffer(v)) return v.length;
  return 8;
}

/** The next readable instance after `oid`, as a response varbind (endOfMibView at the end). */
function next(ctx: FastReadContext, oid: string, from: readonly number[] | InstanceNode, op: number): { vb: WireVarbind; node: InstanceNode | null } {
  let node = (Array.isArray(from) ? ctx.index.next(from as readonly number[]) : ctx.index.after(from as InstanceNode)) as InstanceNode | null;
  for (;;) {
    if (!node) return { vb: { oid, type: snmp.ObjectType.EndOfMibView, value: null }, node: null };
    if (refresh(node, op)) return { vb: { oid: node.oid, type: node.valueType, value: node.value }, node };
    node = ctx.index.after(node) as InstanceNode | null;
  }
}

const addressOf = (vb: WireVarbind): readonly number[] => vb.address ?? parseOid(vb.oid) ?? [];

function isLeaf(node: InstanceNode): boolean {
  for (const _ in node.children) return false;
  return true;
}

export function answerRead(ctx: FastReadContext, pdu: ReadPdu): ResponsePdu {
  const resp = pdu.getResponsePduForRequest();
  resp.errorStatus = 0;
  resp.errorIndex = 0;
  const out: WireVarbind[] = [];
  const vbs = pdu.varbinds;
  if (pdu.type === snmp.PduType.GetRequest) {
    for (const vb of vbs) {
      const node = vb.address ? ctx.lookupAddress(vb.address) : ctx.lookup(vb.oid);
      if (node && isLeaf(node) && refresh(node, pdu.type)) {
        out.push({ oid: node.oid, type: node.valueType, value: node.value });
      } else {
        const type = ctx.hasAncestorProvider(vb.oid) ? snmp.ObjectType.NoSuchInstance : snmp.ObjectType.NoSuchObject;
        out.push({ oid: vb.oid, type, value: null });
      }
    }
  } else if (pdu.type === snmp.PduType.GetNextRequest) {
    for (const vb of vbs) out.push(next(ctx, vb.oid, addressOf(vb), pdu.type).vb);
  } else {
    // GETBULK (RFC 3416 4.2.3), repetitions clamped and the response bounded in size
    const n = Math.min(Math.max(0, pdu.nonRepeaters ?? 0), vbs.length);
    const reps = Math.min(Math.max(0, pdu.maxRepetitions ?? 0), ctx.maxRepetitions);
    let bytes = 0;
    const add = (vb: WireVarbind): void => {
      out.push(vb);
      bytes += vb.oid.length + 16 + valueSize(vb.value);
    };
    for (let i = 0; i < n; i++) add(next(ctx, vbs[i]!.oid, addressOf(vbs[i]!), pdu.type).vb);
    const cursors: { oid: string; at: readonly number[] | InstanceNode }[] = vbs.slice(n).map((v) => ({ oid: v.oid, at: addressOf(v) }));
    for (let r = 0; r < reps && cursors.length > 0 && bytes < ctx.maxResponseBytes; r++) {
      let ended = 0;
      for (const c of cursors) {
        const { vb, node } = next(ctx, c.oid, c.at, pdu.type);
        add(vb);
        if (!node) ended++;
        else {
          c.oid = node.oid;
          c.at = node;
        }
      }
      if (ended === cursors.length) break;
    }
  }
  resp.varbinds = out;
  return resp;
}
