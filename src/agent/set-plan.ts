/**
 * Validation of an SNMP SET against PIMAN-MIB, as a pure function: the
 * varbinds of one request in, either the actions to take or the first error
 * (status + varbind position) out. Nothing is acted on unless every varbind
 * passes, so a multi-varbind SET is all-or-nothing.
 */
import { portId, type PortKey, type PortView } from '../cluster/types.js';
import { FALSE, PORT_COL, POWER, TRUE } from './oids.js';

/** ASN.1 tag of INTEGER as net-snmp reports it (ObjectType.Integer). */
export const INTEGER_TYPE = 2;
/** ASN.1 tag of OCTET STRING (ObjectType.OctetString). */
export const OCTET_STRING_TYPE = 4;
/** pimanPortImage values: an image name (IMAGE_NAME in src/config/schema.ts) or '' for the default. */
const IMAGE_SYNTAX = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,31})?$/;

export type SetTarget =
  /** A writable column of an existing port row. */
  | { readonly kind: 'port'; readonly column: number; readonly key: PortKey; readonly type: number | undefined; readonly value: unknown }
  /** No such instance and none can be created. */
  | { readonly kind: 'missing' }
  /** Something net-snmp answers itself (read-only object, access denied). */
  | { readonly kind: 'other' };

export type SetErrorStatus = 'wrongType' | 'wrongValue' | 'noCreation' | 'inconsistentValue' | 'notWritable' | 'resourceUnavailable';

export type SetAction =
  | { readonly type: 'markReinstall'; readonly key: PortKey }
  | { readonly type: 'cancelReinstall'; readonly key: PortKey }
  | { readonly type: 'cycle'; readonly key: PortKey }
  | { readonly type: 'power'; readonly key: PortKey; readonly power: 'on' | 'off' }
  | { readonly type: 'chooseImage'; readonly key: PortKey; readonly name: string };

export interface SetContext {
  port(key: PortKey): PortView | undefined;
  isBusy(key: PortKey): boolean;
  /** False when piman has no switch client for the port's switch (power actions impossible). */
  canPower(key: PortKey): boolean;
  /**
   * Why the image cannot be chosen: 'unknown' (not in install.images) or the
   * reason it cannot be installed now; null when it can. Absent: only '' is accepted.
   */
  imageProblem?(name: string): string | null;
}

export type SetPlan =
  | { readonly ok: true; readonly actions: readonly SetAction[] }
  | { readonly ok: false; readonly index: number; readonly status: SetErrorStatus; readonly reason: string };

export function planSet(targets: readonly SetTarget[], ctx: SetContext): SetPlan {
  const actions: SetAction[] = [];
  /** Ports that already got a power action (or a reinstall mark change) in this SET. */
  const powerTouched = new Set<string>();
  const markTouched = new Set<string>();
  const imageTouched = new Set<string>();
  /** chooseImage actions go first: a reinstall in the same SET installs the new image. */
  const choices: SetAction[] = [];
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i]!;
    if (t.kind === 'other') continue;
    const fail = (status: SetErrorStatus, reason: string): SetPlan => ({ ok: false, index: i, status, reason });
    if (t.kind === 'missing') return fail('noCreation', 'no such port; rows cannot be created');
    const port = ctx.port(t.key);
    if (!port) return fail('noCreation', `no port ${portId(t.key)}`);
    if (t.column === PORT_COL.pimanPortImage) {
      if (t.type !== OCTET_STRING_TYPE || !(Buffer.isBuffer(t.value) || typeof t.value === 'string')) return fail('wrongType', 'expects an OCTET STRING');
      const name = Buffer.isBuffer(t.value) ? t.value.toString('latin1') : t.value;
      // RFC 3416: wrongValue for a value the object can never hold; inconsistentValue for one it could hold in another configuration.
      if (!IMAGE_SYNTAX.test(name)) return fail('wrongValue', 'not an image name (1-32 letters, digits, _ . -)');
      const problem = name === '' ? null : ctx.imageProblem ? ctx.imageProblem(name) : 'unknown';
      if (problem !== null) return fail('inconsistentValue', problem === 'unknown' ? `no image '${name}' in install.images` : problem);
      const id = portId(t.key);
      if (imageTouched.has(id)) return fail('inconsistentValue', 'image set twice for one port');
      imageTouched.add(id);
      choices.push({ type: 'chooseImage', key: t.key, name });
      continue;
    }
    if (t.column !== PORT_COL.pimanPortReinstall && t.column !== PORT_COL.pimanPortRestart && t.column !== PORT_COL.pimanPortPower) {
      return fail('notWritable', 'column is read-only');
    }
    if (t.type !== INTEGER_TYPE || typeof t.value !== 'number' || !Number.isInteger(t.value)) {
      return fail('wrongType', 'expects an INTEGER');
    }
    const v = t.value;
    const id = portId(t.key);
    const allowed = t.column === PORT_COL.pimanPortPower ? [POWER.on, POWER.off] : [TRUE, FALSE];
    if (!allowed.includes(v)) return fail('wrongValue', `value ${v} is not one of ${allowed.join(', ')}`);
    if (ctx.isBusy(t.key)) return fail('inconsistentValue', `port ${id} is being power-cycled`);

    let action: SetAction | null = null;
    let touchesPower = false;
    if (t.column === PORT_COL.pimanPortReinstall) {
      if (markTouched.has(id)) return fail('inconsistentValue', 'reinstall set twice for one port');
      markTouched.add(id);
      if (v === TRUE) {
        actions.push({ type: 'markReinstall', key: t.key });
        action = { type: 'cycle', key: t.key };
        touchesPower = true;
      } else {
        if (port.state === 'installing') return fail('inconsistentValue', 'the install already runs; it cannot be cancelled');
        action = { type: 'cancelReinstall', key: t.key };
      }
    } else if (t.column === PORT_COL.pimanPortRestart) {
      if (v === TRUE) {
        action = { type: 'cycle', key: t.key };
        touchesPower = true;
      }
    } else {
      action = { type: 'power', key: t.key, power: v === POWER.on ? 'on' : 'off' };
      touchesPower = true;
    }
    if (touchesPower) {
      if (!ctx.canPower(t.key)) return fail('resourceUnavailable', `no switch client for port ${id}`);
      if (powerTouched.has(id)) return fail('inconsistentValue', `two power actions for port ${id} in one request`);
      powerTouched.add(id);
    }
    if (action) actions.push(action);
  }
  return { ok: true, actions: [...choices, ...actions] };
}
