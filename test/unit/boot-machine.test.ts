import { test } from 'node:test';
import assert from 'node:assert/strict';
import { step, type BootEvent } from '../../src/cluster/boot-machine.js';
import { initialPortState, type BootState, type PortState } from '../../src/cluster/types.js';

const opts = { timeoutMs: 180_000 };
const at = (state: BootState, patch: Partial<PortState> = {}): PortState => ({ ...initialPortState(0), state, ...patch });
const run = (s: PortState, e: BootEvent, now = 1000) => step(s, e, now, opts);
const kinds = (r: ReturnType<typeof run>) => r.effects.map((e) => e.type);

test('off -> poweringOn on power on, with a stateChanged effect and persist', () => {
  const r = run(at('off', { lastError: 'old' }), { type: 'powerOn' });
  assert.equal(r.state.state, 'poweringOn');
  assert.equal(r.state.power, 'on');
  assert.equal(r.state.lastError, '');
  assert.equal(r.state.lastChange, 1000);
  assert.deepEqual(r.effects[0], { type: 'stateChanged', from: 'off', to: 'poweringOn' });
  assert.ok(kinds(r).includes('persist'));
});

test('poweringOn -> netbooting on a PXE DHCP reply; an OS lease renewal changes nothing', () => {
  assert.equal(run(at('poweringOn'), { type: 'dhcp', pxe: true }).state.state, 'netbooting');
  const renew = run(at('up'), { type: 'dhcp', pxe: false });
  assert.equal(renew.state.state, 'up');
  assert.deepEqual(kinds(renew), []);
});

test('tftp fetch moves a port to netbooting and records the file', () => {
  const r = run(at('off'), { type: 'tftp', file: 'bootcode.bin' });
  assert.equal(r.state.state, 'netbooting');
  assert.equal(r.state.lastFile, 'bootcode.bin');
  const again = run(r.state, { type: 'tftp', file: 'start.elf' }, 2000);
  assert.equal(again.state.lastFile, 'start.elf');
  assert.equal(again.state.lastProgress, 2000);
});

test('netbooting -> installing on format, -> booting on boot', () => {
  const f = run(at('netbooting', { installProgress: 50 }), { type: 'decision', action: 'format' });
  assert.equal(f.state.state, 'installing');
  assert.equal(f.state.installProgress, 0);
  assert.equal(f.state.archiveSent, false);
  assert.equal(run(at('netbooting'), { type: 'decision', action: 'boot' }).state.state, 'booting');
});

test('format keeps the reinstall mark: only a confirmed install clears it', () => {
  const f = run(at('netbooting', { reinstall: true }), { type: 'decision', action: 'format' });
  assert.equal(f.state.state, 'installing');
  assert.equal(f.state.reinstall, true, 'a Pi that dies mid-install must be formatted again');
  const sent = run(f.state, { type: 'archiveSent' });
  assert.equal(sent.state.reinstall, true);
  const done = run(sent.state, { type: 'installReported' });
  assert.equal(done.state.reinstall, false);
  // an unmarked Pi told to format (no mark to keep) does not gain one
  assert.equal(run(at('netbooting'), { type: 'decision', action: 'format' }).state.reinstall, false);
});

test('install completes only after the whole archive went out and the Pi confirmed', () => {
  let s = at('installing', { reinstall: true });
  const early = run(s, { type: 'installReported' });
  assert.equal(early.rejected, 'no complete install to confirm');
  assert.equal(early.state.reinstall, true);
  s = run(s, { type: 'installProgress', percent: 42.7 }).state;
  assert.equal(s.installProgress, 42);
  s = run(s, { type: 'archiveSent' }).state;
  assert.equal(s.archiveSent, true);
  assert.equal(s.reinstall, true, 'sending the archive does not clear the mark');
  const done = run(s, { type: 'installReported' });
  assert.equal(done.state.state, 'booting');
  assert.equal(done.state.reinstall, false);
  assert.ok(kinds(done).includes('installDone'));
});

test('booting -> up', () => {
  const r = run(at('booting'), { type: 'up' });
  assert.equal(r.state.state, 'up');
});

test('a Pi pulled mid-install fails, keeps its mark, and counts a failed install', () => {
  const r = run(at('installing', { reinstall: true, installProgress: 30 }), { type: 'installAborted', reason: 'connection closed at 30 %' });
  assert.equal(r.state.state, 'failed');
  assert.equal(r.state.reinstall, true);
  assert.equal(r.state.lastError, 'connection closed at 30 %');
  assert.ok(kinds(r).includes('installFailed'));
});

test('power off during install records a failed install and keeps the mark', () => {
  const r = run(at('installing', { reinstall: true }), { type: 'powerOff' });
  assert.equal(r.state.state, 'off');
  assert.equal(r.state.reinstall, true);
  assert.ok(kinds(r).includes('installFailed'));
});

test('a PXE DHCP during an install (anyone can send one with the Pi\'s MAC) keeps the install running', () => {
  const s = at('installing', { reinstall: true, installProgress: 40, lastProgress: 900 });
  const r = run(s, { type: 'dhcp', pxe: true });
  assert.ok(r.rejected, 'refused, so the DHCP part logs it');
  assert.equal(r.state, s);
  assert.deepEqual(kinds(r), []);
  // The Pi's own reboot shows on the control channel (its hello, MAC-checked): that interrupts.
  const hello = run(s, { type: 'hello' });
  assert.equal(hello.state.state, 'netbooting');
  assert.ok(kinds(hello).includes('installFailed'));
  assert.equal(hello.state.reinstall, true);
});

test('a PXE DHCP for a Pi that is up does not reset it; its boot files or hello do', () => {
  const s = at('up', { lastChange: 500 });
  const r = run(s, { type: 'dhcp', pxe: true });
  assert.equal(r.state.state, 'up');
  assert.deepEqual(kinds(r), []);
  assert.equal(run(s, { type: 'tftp', file: 'start4.elf' }).state.state, 'netbooting');
});

test('hello after the archive was sent keeps installing (the Pi may confirm on a new connection)', () => {
  const r = run(at('installing', { archiveSent: true }), { type: 'hello' });
  assert.equal(r.state.state, 'installing');
  const fresh = run(at('up'), { type: 'hello' });
  assert.equal(fresh.state.state, 'netbooting');
});

test('reinstall mark: set, cancel, and cancel refused while installing', () => {
  const m = run(at('up'), { type: 'markReinstall' });
  assert.equal(m.state.reinstall, true);
  assert.deepEqual(kinds(m), ['persist']);
  const c = run(m.state, { type: 'cancelReinstall' });
  assert.equal(c.state.reinstall, false);
  const refused = run(at('installing', { reinstall: true }), { type: 'cancelReinstall' });
  assert.equal(refused.rejected, 'install already running');
  assert.equal(refused.state.reinstall, true);
});

test('progress events outside an install are refused', () => {
  assert.equal(run(at('up'), { type: 'installProgress', percent: 5 }).rejected, 'not installing');
  assert.equal(run(at('up'), { type: 'archiveSent' }).rejected, 'not installing');
  assert.equal(run(at('up'), { type: 'installAborted', reason: 'x' }).rejected, 'not installing');
});

for (const state of ['poweringOn', 'netbooting', 'installing', 'booting'] as const) {
  test(`timeout: ${state} without progress for the timeout -> failed with the reason`, () => {
    const s = at(state, { lastProgress: 0 });
    assert.equal(step(s, { type: 'tick' }, 179_999, opts).state.state, state, 'not before the timeout');
    const r = step(s, { type: 'tick' }, 180_000, opts);
    assert.equal(r.state.state, 'failed');
    assert.equal(r.state.lastError, `no progress for 180 s while ${state}`);
    assert.equal(kinds(r).includes('installFailed'), state === 'installing');
  });
}

for (const state of ['unknown', 'off', 'up', 'failed'] as const) {
  test(`timeout: ${state} is a resting state and never times out`, () => {
    const r = step(at(state, { lastProgress: 0 }), { type: 'tick' }, 10_000_000, opts);
    assert.equal(r.state.state, state);
    assert.deepEqual(r.effects, []);
  });
}

test('fail from any state records the reason', () => {
  const r = run(at('up'), { type: 'fail', reason: 'switch sw1 (10.0.0.2) did not answer within 5 s' });
  assert.equal(r.state.state, 'failed');
  assert.match(r.state.lastError, /did not answer/);
});

test('the machine never mutates its input', () => {
  const s = Object.freeze(at('installing', { reinstall: true }));
  run(s, { type: 'archiveSent' });
  run(s, { type: 'powerOff' });
  assert.equal(s.archiveSent, false);
});

test('a TFTP request during an install changes nothing (any host can send it with the Pi\'s address); the Pi\'s MAC-checked hello ends the install', () => {
  const s = at('installing', { reinstall: true, installProgress: 40, lastProgress: 900 });
  const r = run(s, { type: 'tftp', file: 'start4.elf' }, 5000);
  assert.equal(r.state.state, 'installing');
  assert.equal(r.state.installProgress, 40);
  assert.equal(r.state.lastProgress, 900, 'a forged request is no progress either');
  assert.deepEqual(kinds(r), []);
  assert.ok(r.rejected);
  const hello = run(r.state, { type: 'hello' }, 6000);
  assert.equal(hello.state.state, 'netbooting');
  assert.ok(kinds(hello).includes('installFailed'));
});
