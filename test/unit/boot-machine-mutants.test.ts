// Exact outcomes (whole state, whole effect list) of the boot machine's steps,
// written to kill the mutants the older tests let live (README "Mutation testing").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { step, type BootEvent } from '../../src/cluster/boot-machine.js';
import { at, changed, persist, run, NOW, T0, opts } from '../helpers/boot-steps.js';

test('powerOn: whole new state and effects; clears an old error', () => {
  const r = run(at('off', { lastError: 'old', power: 'off' }), { type: 'powerOn' });
  assert.deepEqual(r.state, { ...at('poweringOn'), power: 'on', lastError: '', lastChange: NOW, lastProgress: NOW });
  assert.deepEqual(r.effects, [changed('off', 'poweringOn'), persist]);
  assert.equal(r.rejected, undefined);
});

test('an event that keeps the state still records progress and persists, without stateChanged', () => {
  const r = run(at('poweringOn', { power: 'on' }), { type: 'powerOn' });
  assert.deepEqual(r.effects, [persist]);
  assert.equal(r.state.lastProgress, NOW);
  assert.equal(r.state.lastChange, T0, 'the state did not change, so neither does lastChange');
});

test('powerOff outside an install: off, archive flag cleared, no failed install, error kept', () => {
  const r = run(at('up', { power: 'on', archiveSent: true, lastError: 'e' }), { type: 'powerOff' });
  assert.deepEqual(r.state, { ...at('off'), power: 'off', archiveSent: false, lastError: 'e', lastChange: NOW, lastProgress: NOW });
  assert.deepEqual(r.effects, [changed('up', 'off'), persist]);
});

test('powerOff during an install: a failed install with the reason first, then off', () => {
  const r = run(at('installing', { archiveSent: true, reinstall: true }), { type: 'powerOff' });
  assert.deepEqual(r.effects, [{ type: 'installFailed', reason: 'power turned off during install' }, changed('installing', 'off'), persist]);
  assert.equal(r.state.lastError, 'power turned off during install');
  assert.equal(r.state.archiveSent, false);
  assert.equal(r.state.reinstall, true);
});

test('PXE dhcp: netbooting with power on; outside an install no failure', () => {
  const r = run(at('poweringOn', { power: 'unknown' }), { type: 'dhcp', pxe: true });
  assert.deepEqual(r.state, { ...at('netbooting'), power: 'on', lastChange: NOW, lastProgress: NOW });
  assert.deepEqual(r.effects, [changed('poweringOn', 'netbooting'), persist]);
});

test('PXE dhcp during an install or while up is refused and changes nothing (anyone can send it with the Pi\'s MAC)', () => {
  for (const state of ['installing', 'up'] as const) {
    const s = at(state, { archiveSent: state === 'installing' });
    const r = run(s, { type: 'dhcp', pxe: true });
    assert.deepEqual(r.state, s);
    assert.deepEqual(r.effects, []);
    assert.equal(r.rejected, `a netboot DHCP does not change a port that is ${state}`);
  }
});

test('non-PXE dhcp only records progress', () => {
  const r = run(at('up'), { type: 'dhcp', pxe: false });
  assert.deepEqual(r.state, { ...at('up'), lastProgress: NOW });
  assert.deepEqual(r.effects, []);
});

test('tftp during an install is refused and changes nothing (its source address is all it proves)', () => {
  const s = at('installing', { archiveSent: true });
  const r = run(s, { type: 'tftp', file: 'start4.elf' });
  assert.deepEqual(r.state, s);
  assert.deepEqual(r.effects, []);
  assert.equal(r.rejected, 'a TFTP request does not change a port that is installing');
});

test('tftp while netbooting records file and progress without a persist', () => {
  const r = run(at('netbooting', { power: 'on' }), { type: 'tftp', file: 'fixup.dat' });
  assert.deepEqual(r.state, { ...at('netbooting'), power: 'on', lastFile: 'fixup.dat', lastProgress: NOW });
  assert.deepEqual(r.effects, []);
});

test('tftp from a resting state moves to netbooting with power on', () => {
  const r = run(at('up', { power: 'unknown' }), { type: 'tftp', file: 'bootcode.bin' });
  assert.deepEqual(r.state, { ...at('netbooting'), power: 'on', lastFile: 'bootcode.bin', lastChange: NOW, lastProgress: NOW });
  assert.deepEqual(r.effects, [changed('up', 'netbooting'), persist]);
});

test('hello: while installing with the archive sent only progress; before it, a failed install', () => {
  const sent = run(at('installing', { archiveSent: true }), { type: 'hello' });
  assert.deepEqual(sent.state, { ...at('installing'), archiveSent: true, lastProgress: NOW });
  assert.deepEqual(sent.effects, []);
  const early = run(at('installing', { archiveSent: false }), { type: 'hello' });
  assert.deepEqual(early.effects, [
    { type: 'installFailed', reason: 'Pi reconnected before the install finished' },
    changed('installing', 'netbooting'),
    persist,
  ]);
  assert.equal(early.state.power, 'on');
});

test('hello while netbooting only records progress; from another state it means a new boot', () => {
  const nb = run(at('netbooting'), { type: 'hello' });
  assert.deepEqual(nb.state, { ...at('netbooting'), lastProgress: NOW });
  assert.deepEqual(nb.effects, []);
  const up = run(at('booting', { power: 'unknown' }), { type: 'hello' });
  assert.deepEqual(up.state, { ...at('netbooting'), power: 'on', lastChange: NOW, lastProgress: NOW });
  assert.deepEqual(up.effects, [changed('booting', 'netbooting'), persist]);
});

test('decision format and boot: whole states, errors cleared', () => {
  const f = run(at('netbooting', { installProgress: 70, archiveSent: true, lastError: 'x' }), { type: 'decision', action: 'format' });
  assert.deepEqual(f.state, { ...at('installing'), installProgress: 0, archiveSent: false, lastError: '', lastChange: NOW, lastProgress: NOW });
  assert.deepEqual(f.effects, [changed('netbooting', 'installing'), persist]);
  const b = run(at('netbooting', { lastError: 'x', installProgress: 70 }), { type: 'decision', action: 'boot' });
  assert.deepEqual(b.state, { ...at('booting'), lastError: '', installProgress: 70, lastChange: NOW, lastProgress: NOW });
});

test('installProgress is clamped to 0..100, whole percent; non-numbers count as 0; no persist', () => {
  const pct = (p: number) => run(at('installing'), { type: 'installProgress', percent: p });
  assert.equal(pct(99.9).state.installProgress, 99);
  assert.equal(pct(100).state.installProgress, 100);
  assert.equal(pct(250).state.installProgress, 100);
  assert.equal(pct(-3).state.installProgress, 0);
  assert.equal(pct(Number.NaN).state.installProgress, 0);
  assert.equal(pct(Number.POSITIVE_INFINITY).state.installProgress, 0);
  assert.equal(pct(12).state.lastProgress, NOW);
  assert.deepEqual(pct(12).effects, []);
});

test('refused events leave the very same state object and no effects', () => {
  const s = at('up');
  for (const e of [{ type: 'installProgress', percent: 5 }, { type: 'archiveSent' }, { type: 'installAborted', reason: 'r' }, { type: 'installReported' }] as BootEvent[]) {
    const r = run(s, e);
    assert.equal(r.state, s, e.type);
    assert.deepEqual(r.effects, [], e.type);
    assert.ok(r.rejected, e.type);
  }
  const inst = at('installing', { reinstall: true });
  const c = run(inst, { type: 'cancelReinstall' });
  assert.equal(c.state, inst);
  assert.deepEqual(c.effects, []);
});

test('archiveSent: progress 100, flag set, persisted', () => {
  const r = run(at('installing', { installProgress: 40 }), { type: 'archiveSent' });
  assert.deepEqual(r.state, { ...at('installing'), installProgress: 100, archiveSent: true, lastProgress: NOW });
  assert.deepEqual(r.effects, [persist]);
});

test('installReported after the archive: installDone, booting, mark and flag cleared', () => {
  const r = run(at('installing', { archiveSent: true, reinstall: true, installProgress: 100 }), { type: 'installReported' });
  assert.deepEqual(r.effects, [{ type: 'installDone' }, changed('installing', 'booting'), persist]);
  assert.deepEqual(r.state, { ...at('booting'), installProgress: 100, lastChange: NOW, lastProgress: NOW });
  const notInstalling = run(at('booting', { archiveSent: true }), { type: 'installReported' });
  assert.equal(notInstalling.rejected, 'no complete install to confirm');
});

test('installAborted: failed install with the reason, failed state', () => {
  const r = run(at('installing', { archiveSent: true }), { type: 'installAborted', reason: 'gone' });
  assert.deepEqual(r.effects, [{ type: 'installFailed', reason: 'gone' }, changed('installing', 'failed'), persist]);
  assert.deepEqual(r.state, { ...at('failed'), lastError: 'gone', lastChange: NOW, lastProgress: NOW });
});

test('up clears the error', () => {
  const r = run(at('booting', { lastError: 'x' }), { type: 'up' });
  assert.deepEqual(r.state, { ...at('up'), lastChange: NOW, lastProgress: NOW });
  assert.deepEqual(r.effects, [changed('booting', 'up'), persist]);
});

test('markReinstall twice persists once; cancel without a mark does nothing', () => {
  const once = run(at('up'), { type: 'markReinstall' });
  assert.deepEqual(once.state, { ...at('up'), reinstall: true });
  assert.deepEqual(once.effects, [persist]);
  const twice = run(once.state, { type: 'markReinstall' });
  assert.deepEqual(twice.effects, []);
  assert.equal(twice.state.reinstall, true);
  const cancel = run(once.state, { type: 'cancelReinstall' });
  assert.deepEqual(cancel.state, at('up'));
  assert.deepEqual(cancel.effects, [persist]);
  const none = run(at('up'), { type: 'cancelReinstall' });
  assert.deepEqual(none.effects, []);
  assert.equal(none.state.reinstall, false);
});

test('fail outside an install: no failed install, reason kept, archive flag cleared', () => {
  const r = run(at('booting', { archiveSent: true }), { type: 'fail', reason: 'boom' });
  assert.deepEqual(r.effects, [changed('booting', 'failed'), persist]);
  assert.deepEqual(r.state, { ...at('failed'), lastError: 'boom', lastChange: NOW, lastProgress: NOW });
  const inst = run(at('installing'), { type: 'fail', reason: 'boom' });
  assert.deepEqual(inst.effects, [{ type: 'installFailed', reason: 'boom' }, changed('installing', 'failed'), persist]);
});

test('tick: the reason rounds the silent time to whole seconds', () => {
  const r = step(at('booting', { lastProgress: 0 }), { type: 'tick' }, 61_600, opts);
  assert.equal(r.state.lastError, 'no progress for 62 s while booting');
  const quiet = step(at('booting', { lastProgress: 0 }), { type: 'tick' }, 59_999, opts);
  assert.deepEqual(quiet.effects, []);
  assert.deepEqual(quiet.state, at('booting', { lastProgress: 0 }));
});

test('hello outside an install with a stale archive flag is a new boot; timeouts count from the last progress', () => {
  const stale = run(at('booting', { archiveSent: true }), { type: 'hello' });
  assert.equal(stale.state.state, 'netbooting');
  const s = at('booting', { lastProgress: 100_000 });
  assert.deepEqual(step(s, { type: 'tick' }, 150_000, opts).effects, [], '50 s of silence is below the 60 s timeout');
  assert.equal(step(at('booting', { lastProgress: 10_000 }), { type: 'tick' }, 71_600, opts).state.lastError, 'no progress for 62 s while booting');
});
