import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planSet, INTEGER_TYPE, type SetContext, type SetTarget } from '../../src/agent/set-plan.js';
import { PORT_COL } from '../../src/agent/oids.js';
import { initialPortState, type BootState, type PortKey, type PortView } from '../../src/cluster/types.js';

function view(key: PortKey, state: BootState = 'up'): PortView {
  return { ...key, switchName: 'sw1', mac: null, ip: null, hostname: null, ...initialPortState(0), state };
}

function ctx(opts: { busy?: number[]; states?: Record<number, BootState>; ports?: number; noSwitch?: boolean } = {}): SetContext {
  return {
    canPower: () => !opts.noSwitch,
    port: (k) => (k.switchIndex === 1 && k.port >= 1 && k.port <= (opts.ports ?? 24) ? view(k, opts.states?.[k.port]) : undefined),
    isBusy: (k) => (opts.busy ?? []).includes(k.port),
  };
}

const t = (column: number, port: number, value: unknown, ...type: [number | undefined] | []): SetTarget => ({
  kind: 'port',
  column,
  key: { switchIndex: 1, port },
  type: type.length ? type[0] : INTEGER_TYPE,
  value,
});

test('reinstall true: mark then cycle; false: cancel', () => {
  const r = planSet([t(PORT_COL.pimanPortReinstall, 7, 1)], ctx());
  assert.deepEqual(r, { ok: true, actions: [{ type: 'markReinstall', key: { switchIndex: 1, port: 7 } }, { type: 'cycle', key: { switchIndex: 1, port: 7 } }] });
  const c = planSet([t(PORT_COL.pimanPortReinstall, 7, 2)], ctx());
  assert.deepEqual(c, { ok: true, actions: [{ type: 'cancelReinstall', key: { switchIndex: 1, port: 7 } }] });
});

test('restart true cycles, restart false does nothing, power on/off switches', () => {
  assert.deepEqual(planSet([t(PORT_COL.pimanPortRestart, 3, 1)], ctx()), { ok: true, actions: [{ type: 'cycle', key: { switchIndex: 1, port: 3 } }] });
  assert.deepEqual(planSet([t(PORT_COL.pimanPortRestart, 3, 2)], ctx()), { ok: true, actions: [] });
  assert.deepEqual(planSet([t(PORT_COL.pimanPortPower, 3, 2)], ctx()), { ok: true, actions: [{ type: 'power', key: { switchIndex: 1, port: 3 }, power: 'off' }] });
});

test('errors: wrongValue, wrongType, noCreation, inconsistentValue (busy, installing, conflicts)', () => {
  const status = (targets: SetTarget[], c = ctx()): string => {
    const r = planSet(targets, c);
    return r.ok ? 'ok' : `${r.status}@${r.index}`;
  };
  assert.equal(status([t(PORT_COL.pimanPortReinstall, 7, 3)]), 'wrongValue@0');
  assert.equal(status([t(PORT_COL.pimanPortPower, 7, 3)]), 'wrongValue@0');
  assert.equal(status([t(PORT_COL.pimanPortReinstall, 7, '1', 4)]), 'wrongType@0');
  assert.equal(status([t(PORT_COL.pimanPortReinstall, 999, 1)]), 'noCreation@0');
  assert.equal(status([{ kind: 'other' }, { kind: 'missing' }]), 'noCreation@1');
  assert.equal(status([t(PORT_COL.pimanPortRestart, 7, 1)], ctx({ busy: [7] })), 'inconsistentValue@0');
  assert.equal(status([t(PORT_COL.pimanPortReinstall, 7, 2)], ctx({ states: { 7: 'installing' } })), 'inconsistentValue@0');
  assert.equal(status([t(PORT_COL.pimanPortReinstall, 7, 1), t(PORT_COL.pimanPortRestart, 7, 1)]), 'inconsistentValue@1');
  assert.equal(status([t(PORT_COL.pimanPortReinstall, 7, 1), t(PORT_COL.pimanPortReinstall, 7, 2)]), 'inconsistentValue@1');
  assert.equal(status([t(PORT_COL.pimanPortHostname, 7, 1)]), 'notWritable@0');
  assert.equal(status([t(PORT_COL.pimanPortRestart, 7, 1)], ctx({ noSwitch: true })), 'resourceUnavailable@0');
  assert.equal(status([t(PORT_COL.pimanPortReinstall, 7, 2)], ctx({ noSwitch: true })), 'ok', 'cancel needs no switch');
});

test('property: a plan either fails at one varbind with no actions, or has only actions for valid varbinds', () => {
  const target = fc.record({
    column: fc.constantFrom(PORT_COL.pimanPortReinstall, PORT_COL.pimanPortPower, PORT_COL.pimanPortRestart),
    port: fc.integer({ min: 0, max: 30 }),
    value: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.string()),
    type: fc.constantFrom(INTEGER_TYPE, 4, 66, undefined),
  });
  fc.assert(
    fc.property(fc.array(target, { maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 24 }), { maxLength: 3 }), (ts, busy) => {
      const targets = ts.map((x) => t(x.column, x.port, x.value, x.type));
      const r = planSet(targets, ctx({ busy }));
      if (!r.ok) {
        assert.ok(r.index >= 0 && r.index < targets.length);
        return;
      }
      for (const x of ts) {
        assert.ok(x.port >= 1 && x.port <= 24 && x.type === INTEGER_TYPE && !busy.includes(x.port));
      }
      // at most one power action per port
      const power = r.actions.filter((a) => a.type === 'cycle' || a.type === 'power').map((a) => a.key.port);
      assert.equal(new Set(power).size, power.length);
    }),
  );
});
