/**
 * SETs on PIMAN-MIB, in the agent's phases (src/snmp/process.ts): after the
 * access phase, the test phase validates every varbind at once (planSet)
 * and reserves the ports it will power-cycle; the commit phase persists
 * image choices and reinstall marks (one write), answers, then starts the power operations (their errors
 * land in the port's lastError through the PowerController). Whatever
 * happens after the test, its reservations are released exactly once.
 */
import type { BootEvents, PortLookup } from '../cluster/ports.js';
import { portId, type PortKey } from '../cluster/types.js';
import type { Principal } from '../snmp/access.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { ERR, type ErrorStatus, type SetHandler, type SetVarbind } from '../snmp/process.js';
import { PORT_TABLE, portKeyOfOid } from './mib-providers.js';
import { planSet, type SetAction, type SetErrorStatus, type SetTarget } from './set-plan.js';

/** The part of PowerController the agent drives. */
export interface PowerControl {
  isBusy(key: PortKey): boolean;
  cycle(keys: readonly PortKey[]): Promise<void>;
  setPower(key: PortKey, power: 'on' | 'off'): Promise<void>;
}

export interface SetHandlerDeps {
  /** A port's state before a SET; marks, image choices and their undo as events. */
  readonly cluster: PortLookup & BootEvents;
  readonly power: PowerControl;
  readonly log: Logger;
  /** Switch indexes piman has a switch client for. */
  readonly canPower: (switchIndex: number) => boolean;
  /** Why an image cannot be chosen ('unknown' when not configured), or null (set-plan.ts SetContext). */
  readonly imageProblem?: (name: string) => string | null;
}

const STATUS: Record<SetErrorStatus, ErrorStatus> = {
  wrongType: ERR.wrongType,
  wrongValue: ERR.wrongValue,
  noCreation: ERR.noCreation,
  inconsistentValue: ERR.inconsistentValue,
  notWritable: ERR.notWritable,
  resourceUnavailable: ERR.resourceUnavailable,
};

export interface PimanSetHandler {
  readonly handle: SetHandler;
  /** Ports reserved by a SET between its test and the start of its power action (for tests). */
  readonly reserved: ReadonlySet<string>;
}

export function createSetHandler(deps: SetHandlerDeps): PimanSetHandler {
  const { cluster, power, log } = deps;
  /** Ports with an accepted power action that has not started yet (closes the gap to isBusy). */
  const reserved = new Set<string>();
  const ctx = {
    port: (k: PortKey) => cluster.port(k),
    isBusy: (k: PortKey) => power.isBusy(k) || reserved.has(portId(k)),
    canPower: (k: PortKey) => deps.canPower(k.switchIndex),
    ...(deps.imageProblem ? { imageProblem: deps.imageProblem } : {}),
  };

  const handle: SetHandler = (vbs: readonly SetVarbind[], _who: Principal) => {
    const targets: SetTarget[] = [];
    for (let i = 0; i < vbs.length; i++) {
      const vb = vbs[i]!;
      // Only the port table has writable columns.
      if (vb.provider !== PORT_TABLE) return { ok: false, index: i, status: ERR.notWritable };
      const at = vb.exists ? portKeyOfOid(vb.oid) : null;
      targets.push(at ? { kind: 'port', column: at.column, key: at.key, type: vb.type, value: vb.value } : { kind: 'missing' });
    }
    const plan = planSet(targets, ctx);
    if (!plan.ok) {
      log.debug({ oid: vbs[plan.index]?.oid, status: plan.status, reason: plan.reason }, 'SNMP SET refused');
      return { ok: false, index: plan.index, status: STATUS[plan.status] };
    }
    const ids = plan.actions.filter((a) => a.type === 'cycle' || a.type === 'power').map((a) => portId(a.key));
    for (const id of ids) reserved.add(id);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      for (const id of ids) reserved.delete(id);
    };
    return { ok: true, release, commit: () => commit(plan.actions, release) };
  };

  const commit = async (actions: readonly SetAction[], release: () => void): Promise<void> => {
    const marked: PortKey[] = [];
    /** Ports whose image changed, with the choice before (put back when the write fails). */
    const chosen: Array<{ key: PortKey; before: string }> = [];
    try {
      const persisted: Promise<void>[] = [];
      for (const a of actions) {
        if (a.type === 'chooseImage') {
          // Stored with the mark in the same write: a restart sees both or neither.
          const before = cluster.port(a.key)?.image ?? '';
          const r = cluster.apply(a.key, { type: 'chooseImage', name: a.name });
          if (r.ok) chosen.push({ key: a.key, before });
          persisted.push(r.persisted);
          continue;
        }
        if (a.type !== 'markReinstall' && a.type !== 'cancelReinstall') continue;
        const wasMarked = cluster.port(a.key)?.reinstall ?? false;
        const r = cluster.apply(a.key, { type: a.type });
        if (!r.ok) log.warn({ port: portId(a.key), reason: r.reason }, `${a.type} refused`);
        if (a.type === 'markReinstall' && !wasMarked) marked.push(a.key);
        persisted.push(r.persisted);
      }
      // The mark must be on disk before the manager hears "done".
      await Promise.all(persisted);
    } catch (e) {
      // Not stored: undo the new marks and start nothing (the manager gets commitFailed).
      // A write of these undos that fails is reported by the cluster (onPersistError), once.
      for (const k of marked) cluster.apply(k, { type: 'cancelReinstall' });
      for (const c of chosen) cluster.apply(c.key, { type: 'chooseImage', name: c.before });
      release();
      log.error({ err: describeError(e) }, 'SNMP SET could not be stored');
      throw e;
    }
    for (const a of actions) {
      if (a.type !== 'cycle' && a.type !== 'power') continue;
      const run = a.type === 'cycle' ? power.cycle([a.key]) : power.setPower(a.key, a.power);
      run.catch((e: unknown) => log.warn({ port: portId(a.key), err: describeError(e) }, `power ${a.type === 'cycle' ? 'cycle' : a.power} failed`));
    }
    // The power operations are running: isBusy covers the ports from here on.
    release();
  };

  return { handle, reserved };
}
