/**
 * PDU processing of the agent (RFC 3416 4.2; SNMPv1 per RFC 1157 and the
 * error mapping of RFC 2576 4.4): GET, GETNEXT, GETBULK over the MIB view,
 * and SET in phases (access, test, commit), each varbind's access decided
 * by access.ts. Work is linear in the request: at most `maxVarbinds`
 * varbinds are processed (more: tooBig, as no answer could be useful) and a
 * GETBULK answers at most `maxBulkVarbinds` varbinds (snmpd: 100).
 * Pure apart from the providers' handlers it calls.
 */
import type { ObjectTypeCode, VarbindValue } from 'net-snmp';
import { decide, type Principal } from './access.js';
import type { OutVarbind } from './encoder.js';
import { MibView, type MibNode } from './mib-view.js';
import { PDU, TAG, type RequestPdu, type RequestVarbind } from './wire.js';

import { ERR, type ErrorStatus } from './error-status.js';

export { ERR, type ErrorStatus };

export interface Limits {
  /** Varbinds per request (more: tooBig). */
  readonly maxVarbinds: number;
  /** Varbinds in one GETBULK reply. */
  readonly maxBulkVarbinds: number;
  /** Upper bound of GETBULK max-repetitions. */
  readonly maxRepetitions: number;
}

export const DEFAULT_LIMITS: Limits = { maxVarbinds: 128, maxBulkVarbinds: 100, maxRepetitions: 50 };

/** One varbind of a SET that passed the access phase: a writable instance (or a creatable one). */
export interface SetVarbind {
  readonly oid: string;
  readonly address: readonly number[];
  readonly type: ObjectTypeCode;
  readonly value: VarbindValue;
  /** Name of the provider (scalar or table) the instance belongs to. */
  readonly provider: string;
  /** False when the row does not exist (the handler may create it or answer noCreation). */
  readonly exists: boolean;
}

export type SetTest =
  /** Everything validated and reserved: the agent calls exactly one of commit or release. */
  | { readonly ok: true; commit(): Promise<void>; release(): void }
  /** Nothing reserved. `index` is 0-based. */
  | { readonly ok: false; readonly index: number; readonly status: ErrorStatus };

/** The test phase of a SET over every varbind at once (all-or-nothing). */
export type SetHandler = (vbs: readonly SetVarbind[], who: Principal) => SetTest;

export interface ProcessContext {
  readonly view: MibView;
  readonly limits: Limits;
  readonly setHandler: SetHandler | null;
  /** A SET refused for access (snmpInBadCommunityUses for communities). */
  readonly onAccessDenied?: (who: Principal) => void;
  /** A SET whose commit failed. */
  readonly onCommitError?: (e: unknown) => void;
}

export type Outcome =
  /** error-status noError with these varbinds (`echoOids`: response OID i is request OID i). */
  | { readonly kind: 'values'; readonly varbinds: OutVarbind[]; readonly echoOids: boolean }
  /** error-status/index with the request's varbinds echoed (or none: a v2 tooBig). */
  | { readonly kind: 'error'; readonly status: number; readonly index: number; readonly echo: boolean };

const ECHO_OK: Outcome = { kind: 'error', status: ERR.noError, index: 0, echo: true };

/** RFC 2576 4.4: a v2 error-status as SNMPv1 knows it. */
export function v1Status(s: number): number {
  switch (s) {
    case ERR.noError:
    case ERR.tooBig:
    case ERR.noSuchName:
    case ERR.badValue:
    case ERR.readOnly:
    case ERR.genErr:
      return s;
    case ERR.wrongValue:
    case ERR.wrongEncoding:
    case ERR.wrongType:
    case ERR.wrongLength:
    case ERR.inconsistentValue:
      return ERR.badValue;
    case ERR.noAccess:
    case ERR.notWritable:
    case ERR.noCreation:
    case ERR.inconsistentName:
    case 16: // authorizationError
      return ERR.noSuchName;
    default:
      return ERR.genErr;
  }
}

export function tooBig(v1: boolean): Outcome {
  // v1 (RFC 1157 4.1.2) answers the request's varbinds; v2 (RFC 3416 4.2.1) none
  return { kind: 'error', status: ERR.tooBig, index: 0, echo: v1 };
}

export function processPdu(ctx: ProcessContext, v1: boolean, who: Principal, pdu: RequestPdu): Outcome | Promise<Outcome> {
  if (pdu.varbinds.length > ctx.limits.maxVarbinds) return tooBig(v1);
  switch (pdu.type) {
    case PDU.GET:
      return get(ctx, v1, who, pdu);
    case PDU.GETNEXT:
      return getNext(ctx, v1, who, pdu);
    case PDU.GETBULK:
      return getBulk(ctx, who, pdu);
    case PDU.SET:
      return set(ctx, v1, who, pdu);
  }
}

/** The instance's value when `who` may read it (refreshed by its provider), else null. */
function readable(view: MibView, who: Principal, node: MibNode, op: number): MibNode | null {
  const pn = MibView.providerOf(node);
  if (!pn || decide(who, 'read', view.maxAccess(pn, node.address)) !== 'ok') return null;
  return view.refresh(node, pn, op) ? node : null;
}

function get(ctx: ProcessContext, v1: boolean, who: Principal, pdu: RequestPdu): Outcome {
  const out: OutVarbind[] = [];
  const vbs = pdu.varbinds;
  for (let i = 0; i < vbs.length; i++) {
    const vb = vbs[i]!;
    const { node, provider } = ctx.view.find(vb.address);
    if (node && MibView.isInstance(node) && readable(ctx.view, who, node, pdu.type) && !(v1 && node.valueType === TAG.COUNTER64)) {
      out.push({ oid: node.oid, type: node.valueType, value: node.value });
    } else if (v1) {
      return { kind: 'error', status: ERR.noSuchName, index: i + 1, echo: true };
    } else {
      out.push({ oid: vb.oid, type: provider ? TAG.NO_SUCH_INSTANCE : TAG.NO_SUCH_OBJECT, value: null });
    }
  }
  return { kind: 'values', varbinds: out, echoOids: true };
}

/** The next instance `who` may read after `from` (an OID or an indexed node), or null at the end of the MIB view. */
function next(ctx: ProcessContext, who: Principal, from: readonly number[] | MibNode, op: number, v1: boolean): MibNode | null {
  const view = ctx.view;
  let node = Array.isArray(from) ? view.next(from as readonly number[]) : view.after(from as MibNode);
  while (node) {
    // SNMPv1 has no Counter64: such instances are skipped (RFC 2576 4.1.2.1)
    if (readable(view, who, node, op) && !(v1 && node.valueType === TAG.COUNTER64)) return node;
    node = view.after(node);
  }
  return null;
}

function getNext(ctx: ProcessContext, v1: boolean, who: Principal, pdu: RequestPdu): Outcome {
  const out: OutVarbind[] = [];
  const vbs = pdu.varbinds;
  for (let i = 0; i < vbs.length; i++) {
    const vb = vbs[i]!;
    const node = next(ctx, who, vb.address, pdu.type, v1);
    if (node) out.push({ oid: node.oid, type: node.valueType, value: node.value });
    else if (v1) return { kind: 'error', status: ERR.noSuchName, index: i + 1, echo: true };
    else out.push({ oid: vb.oid, type: TAG.END_OF_MIB_VIEW, value: null });
  }
  return { kind: 'values', varbinds: out, echoOids: false };
}

/** RFC 3416 4.2.3, with max-repetitions clamped and at most maxBulkVarbinds varbinds. */
function getBulk(ctx: ProcessContext, who: Principal, pdu: RequestPdu): Outcome {
  const { maxBulkVarbinds, maxRepetitions } = ctx.limits;
  const vbs = pdu.varbinds;
  const n = Math.min(Math.max(0, pdu.nonRepeaters), vbs.length);
  const reps = Math.min(Math.max(0, pdu.maxRepetitions), maxRepetitions);
  const out: OutVarbind[] = [];
  const step = (vb: RequestVarbind | { oid: string }, from: readonly number[] | MibNode): MibNode | null => {
    const node = next(ctx, who, from, pdu.type, false);
    out.push(node ? { oid: node.oid, type: node.valueType, value: node.value } : { oid: vb.oid, type: TAG.END_OF_MIB_VIEW, value: null });
    return node;
  };
  for (let i = 0; i < n && out.length < maxBulkVarbinds; i++) step(vbs[i]!, vbs[i]!.address);
  const cursors: { oid: string; at: readonly number[] | MibNode }[] = [];
  for (let i = n; i < vbs.length; i++) cursors.push({ oid: vbs[i]!.oid, at: vbs[i]!.address });
  for (let r = 0; r < reps && cursors.length > 0; r++) {
    let ended = 0;
    for (const c of cursors) {
      if (out.length >= maxBulkVarbinds) return { kind: 'values', varbinds: out, echoOids: false };
      const node = step(c, c.at);
      if (!node) ended++;
      else {
        c.oid = node.oid;
        c.at = node;
      }
    }
    if (ended === cursors.length) break;
  }
  return { kind: 'values', varbinds: out, echoOids: false };
}

/** RFC 3416 4.2.5: access phase, then the handler's test, then commit (or release). */
function set(ctx: ProcessContext, v1: boolean, who: Principal, pdu: RequestPdu): Outcome | Promise<Outcome> {
  const fail = (status: number, index: number): Outcome => ({ kind: 'error', status: v1 ? v1Status(status) : status, index, echo: true });
  const targets: SetVarbind[] = [];
  const vbs = pdu.varbinds;
  // Phase 1: access (nothing is reserved yet)
  for (let i = 0; i < vbs.length; i++) {
    const vb = vbs[i]!;
    const { node, provider } = ctx.view.find(vb.address);
    const pn = node && MibView.isInstance(node) ? MibView.providerOf(node) : provider;
    if (!pn) {
      if (who.access !== 'rw') ctx.onAccessDenied?.(who);
      return fail(who.access === 'rw' ? ERR.notWritable : ERR.noAccess, i + 1);
    }
    const exists = node !== null && MibView.isInstance(node);
    const decision = decide(who, 'write', ctx.view.maxAccess(pn, vb.address));
    if (decision === 'noAccess') {
      if (who.access !== 'rw') ctx.onAccessDenied?.(who);
      return fail(exists || who.access !== 'rw' ? ERR.noAccess : ERR.notWritable, i + 1);
    }
    if (decision === 'notWritable') return fail(ERR.notWritable, i + 1);
    // A missing scalar instance, or a table cell whose index is not in the table's shape
    if (!exists && pn.provider!.type !== 2) return fail(ERR.noCreation, i + 1);
    targets.push({ oid: vb.oid, address: vb.address, type: vb.type, value: vb.value, provider: pn.provider!.name, exists });
  }
  if (targets.length === 0) return ECHO_OK;
  if (!ctx.setHandler) return fail(ERR.notWritable, 1);
  // Phase 2: test (the handler validates every varbind and reserves only when all pass)
  const test = ctx.setHandler(targets, who);
  if (!test.ok) return fail(test.status, test.index + 1);
  // Phase 3: commit; its failure releases what the test reserved (the handler's commit does)
  let committing: Promise<void>;
  try {
    committing = test.commit();
  } catch (e) {
    test.release();
    ctx.onCommitError?.(e);
    return fail(ERR.commitFailed, 1);
  }
  return committing.then(
    () => ECHO_OK,
    (e: unknown) => {
      ctx.onCommitError?.(e);
      return fail(ERR.commitFailed, 1);
    },
  );
}
