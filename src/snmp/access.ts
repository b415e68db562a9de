/**
 * The agent's one access decision: who may read or write which object.
 * Every request path (v1, v2c, v3; GET, GETNEXT, GETBULK, SET) asks here
 * and nowhere else. A principal exists only after authentication (a known
 * community, or a USM user whose digest and keys matched); its access level
 * comes from configuration. Objects carry their SMI MAX-ACCESS.
 */

export type Access = 'ro' | 'rw';

export interface Principal {
  /** Community (v1/v2c) or USM user name (v3). */
  readonly name: string;
  readonly model: 'community' | 'usm';
  readonly access: Access;
}

/** SMI MAX-ACCESS, numbered as net-snmp's MaxAccess. */
export const MAX_ACCESS = { notAccessible: 0, accessibleForNotify: 1, readOnly: 2, readWrite: 3, readCreate: 4 } as const;

export type Decision = 'ok' | 'noAccess' | 'notWritable';

/**
 * May `who` read (or write) an object of MAX-ACCESS `maxAccess`?
 * Reads need read-only or more; writes need a read-write principal
 * (else noAccess, RFC 3416 4.2.5 step 1) and a writable object (else
 * notWritable; not-accessible objects are noAccess).
 */
export function decide(who: Principal, op: 'read' | 'write', maxAccess: number): Decision {
  if (maxAccess < MAX_ACCESS.readOnly) return 'noAccess';
  if (op === 'read') return 'ok';
  if (who.access !== 'rw') return 'noAccess';
  return maxAccess >= MAX_ACCESS.readWrite ? 'ok' : 'notWritable';
}
