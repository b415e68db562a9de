/**
 * SETs on PIMAN-MIB. net-snmp runs a SET in two passes over all varbinds:
 * the test pass (validate everything: planSet) and, only when no varbind
 * failed, the commit pass (act). Acting means: persist reinstall marks, then
 * answer, then start the power operations (their errors land in the port's
 * lastError through the PowerController).
 */
import snmp, { type BulkSetHandler, type ErrorStatusCode, type MibHandler, type MibRequest } from 'net-snmp';
import type { Cluster } from '../cluster/cluster.js';
import { portId, type PortKey } from '../cluster/types.js';
import type { AgentHost } from '../snmp/agent-host.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { PORT_TABLE, portKeyOfOid } from './mib-providers.js';
import { planSet, type SetAction, type SetErrorStatus, type SetPlan, type SetTarget } from './set-plan.js';

/** The part of PowerController the agent drives. */
export interface PowerControl {
  isBusy(key: PortKey): boolean;
  cycle(keys: readonly PortKey[]): Promise<void>;
  setPower(key: PortKey, power: 'on' | 'off'): Promise<void>;
}

export interface SetHandlerDeps {
  readonly cluster: Cluster;
  readonly power: PowerControl;
  readonly host: AgentHost;
  readonly log: Logger;
  /** Switch indexes piman has a switch client for. */
  readonly canPower: (switchIndex: number) => boolean;
}

const STATUS: Record<SetErrorStatus, ErrorStatusCode> = {
  wrongType: snmp.ErrorStatus.WrongType,
  wrongValue: snmp.ErrorStatus.WrongValue,
  noCreation: snmp.ErrorStatus.NoCreation,
  inconsistentValue: snmp.ErrorStatus.InconsistentValue,
  notWritable: snmp.ErrorStatus.NotWritable,
  resourceUnavailable: snmp.ErrorStatus.ResourceUnavailable,
};

export interface SetHandlers {
  readonly bulk: BulkSetHandler;
  readonly port: MibHandler;
}

export function createSetHandlers(deps: SetHandlerDeps): SetHandlers {
  const { cluster, power, host, log } = deps;
  /** Plans that passed the test pass, by request (net-snmp passes the same array to both passes). */
  const plans = new WeakMap<MibRequest[], SetPlan & { ok: true }>();
  /** Commit work each port varbind waits for before it answers. */
  const commits = new WeakMap<MibRequest, Promise<void>>();
  /** Ports with an accepted power action that has not started yet (closes the gap to isBusy). */
  const reserved = new Set<string>();

  const ctx = {
    port: (k: PortKey) => cluster.port(k),
    isBusy: (k: PortKey) => power.isBusy(k) || reserved.has(portId(k)),
    canPower: (k: PortKey) => deps.canPower(k.switchIndex),
  };

  const bulk: BulkSetHandler = (requests, mib, testSet) => {
    if (!testSet) {
      const plan = plans.get(requests);
      if (!plan) return undefined;
      const work = commit(plan.actions);
      for (const r of requests) commits.set(r, work);
      return undefined;
    }
    const info = host.currentSet();
    if (!info || info.access !== 'rw') {
      // net-snmp answers noAccess for every varbind; count it like snmpd does.
      host.stats.badCommunityUses++;
      return undefined;
    }
    const targets: SetTarget[] = requests.map((r, i) => classify(r, mib.lookup(r.oid) !== null, info.types[i]));
    const plan = planSet(targets, ctx);
    if (!plan.ok) {
      // An earlier varbind net-snmp refuses itself reports first; either way nothing is committed.
      if (targets.slice(0, plan.index).some((t) => t.kind === 'other')) return undefined;
      log.debug({ oid: requests[plan.index]?.oid, status: plan.status, reason: plan.reason }, 'SNMP SET refused');
      requests[plan.index]!.done({ errorStatus: STATUS[plan.status] });
      return undefined;
    }
    plans.set(requests, plan);
    for (const a of plan.actions) if (a.type !== 'markReinstall' && a.type !== 'cancelReinstall') reserved.add(portId(a.key));
    return undefined;
  };

  const commit = async (actions: readonly SetAction[]): Promise<void> => {
    const marked: PortKey[] = [];
    try {
      const persisted: Promise<void>[] = [];
      for (const a of actions) {
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
      for (const k of marked) {
        cluster.apply(k, { type: 'cancelReinstall' }).persisted.catch((err: unknown) => log.error({ port: portId(k), err: describeError(err) }, 'cannot store the state'));
      }
      for (const a of actions) reserved.delete(portId(a.key));
      throw e;
    }
    for (const a of actions) {
      if (a.type !== 'cycle' && a.type !== 'power') continue;
      reserved.delete(portId(a.key));
      const run = a.type === 'cycle' ? power.cycle([a.key]) : power.setPower(a.key, a.power);
      run.catch((e: unknown) => log.warn({ port: portId(a.key), err: describeError(e) }, `power ${a.type === 'cycle' ? 'cycle' : a.power} failed`));
    }
  };

  const port: MibHandler = (req) => {
    if (req.testSet) {
      req.done();
      return;
    }
    const work = commits.get(req) ?? Promise.resolve();
    work.then(
      () => req.done(),
      (e: unknown) => {
        log.error({ oid: req.oid, err: describeError(e) }, 'SNMP SET could not be stored');
        req.done({ errorStatus: snmp.ErrorStatus.CommitFailed });
      },
    );
  };

  return { bulk, port };
}

function classify(r: MibRequest, instanceExists: boolean, wireType: number | undefined): SetTarget {
  if (!r.instanceNode) return instanceExists ? { kind: 'other' } : { kind: 'missing' };
  if (r.providerNode?.provider.name !== PORT_TABLE) return { kind: 'other' };
  const at = portKeyOfOid(r.oid);
  if (!at) return { kind: 'missing' };
  return { kind: 'port', column: at.column, key: at.key, type: wireType, value: r.setValue };
}
