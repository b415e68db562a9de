/**
 * Promise helpers over net-snmp's client Session (typings in src/snmp) and
 * the classification of its errors that the switch client needs.
 */
import snmp, { type Session, type Varbind } from 'net-snmp';
import { ERR } from '../snmp/error-status.js';

export type { Session, Varbind };

/** SNMP error-status values (RFC 3416), shared with the agent. */
export const ErrorStatus = ERR;

export function isTimeout(e: unknown): boolean {
  return e instanceof snmp.RequestTimedOutError;
}

/** SNMPv3 USM rejected us (unknown user, wrong digest, cannot decrypt). */
export function isAuthFailure(e: unknown): boolean {
  return e instanceof snmp.ResponseInvalidError && (e.code === 5 || e.code === 4);
}

/** The SNMP error-status of a failed request, or null when it was not an SNMP error response. */
export function errorStatusOf(e: unknown): number | null {
  if (e instanceof snmp.RequestFailedError && typeof e.status === 'number') return e.status;
  return null;
}

export function isVarbindError(vb: Varbind): boolean {
  return vb.type === snmp.ObjectType.NoSuchObject || vb.type === snmp.ObjectType.NoSuchInstance || vb.type === snmp.ObjectType.EndOfMibView;
}

export function snmpGet(s: Session, oids: string[]): Promise<Varbind[]> {
  return new Promise((resolve, reject) => {
    s.get(oids, (err, vbs) => (err ? reject(err) : resolve(vbs ?? [])));
  });
}

/** One SET PDU carrying several integer varbinds (SNMP applies all or none). */
export function snmpSetInts(s: Session, values: ReadonlyArray<{ oid: string; value: number }>): Promise<Varbind[]> {
  return new Promise((resolve, reject) => {
    s.set(
      values.map(({ oid, value }) => ({ oid, type: snmp.ObjectType.Integer, value })),
      (err, vbs) => (err ? reject(err) : resolve(vbs ?? [])),
    );
  });
}

export function snmpSetInt(s: Session, oid: string, value: number): Promise<Varbind[]> {
  return new Promise((resolve, reject) => {
    s.set([{ oid, type: snmp.ObjectType.Integer, value }], (err, vbs) => (err ? reject(err) : resolve(vbs ?? [])));
  });
}

/** Every varbind under `oid` (GETBULK for v2c/v3). */
export function snmpSubtree(s: Session, oid: string, maxRepetitions = 20): Promise<Varbind[]> {
  return new Promise((resolve, reject) => {
    const out: Varbind[] = [];
    s.subtree(
      oid,
      maxRepetitions,
      (vbs) => {
        for (const vb of vbs) if (!isVarbindError(vb)) out.push(vb);
      },
      (err) => (err ? reject(err) : resolve(out)),
    );
  });
}
