// Exact turns of the control conversation for every phase and kind of line,
// written to kill the mutants the older tests let live (README "Mutation testing").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openConversation, receiveLine, archiveDone, type Conversation, type PortFacts, type Phase, type Turn } from '../../src/control/conversation.js';

const facts = (p: Partial<PortFacts> = {}): PortFacts => ({ state: 'netbooting', reinstall: false, archiveSent: false, ...p });
const conv = (phase: Phase, p: Partial<Conversation> = {}): Conversation => ({ phase, formatted: false, confirmPending: false, ...p });
const PHASES: Phase[] = ['asking', 'installing', 'booting', 'done'];

/** A turn that changes nothing, sends nothing, asks nothing of the boot machine. */
function assertQuiet(t: Turn, c: Conversation, label: string): void {
  assert.equal(t.conv, c, label);
  assert.deepEqual(t.send, [], label);
  assert.deepEqual(t.events, [], label);
}

test('openConversation starts asking, nothing formatted or pending', () => {
  assert.deepEqual(openConversation(new Date(0)).conv, conv('asking'));
  assert.deepEqual(openConversation(new Date(0)).notes, []);
});

test('empty, echo, status lines never change anything; echo and status are debug notes naming the line', () => {
  for (const phase of PHASES) {
    const c = conv(phase);
    const empty = receiveLine(c, '   ', facts());
    assertQuiet(empty, c, `empty ${phase}`);
    assert.deepEqual(empty.notes, []);
    const echo = receiveLine(c, '+ set -x', facts());
    assertQuiet(echo, c, `echo ${phase}`);
    assert.equal(echo.notes.length, 1);
    assert.equal(echo.notes[0]!.level, 'debug');
    assert.match(echo.notes[0]!.msg, /trace: \+ set -x/);
    const status = receiveLine(c, 'MAKING NODES', facts());
    assertQuiet(status, c, `status ${phase}`);
    assert.equal(status.notes[0]!.level, 'debug');
    assert.match(status.notes[0]!.msg, /MAKING NODES/);
  }
});

test('unknown lines: an info note flagged unknown, quoting the line', () => {
  const c = conv('asking');
  const t = receiveLine(c, 'what "is" this', facts());
  assertQuiet(t, c, 'unknown');
  assert.equal(t.notes.length, 1);
  assert.equal(t.notes[0]!.level, 'info');
  assert.equal(t.notes[0]!.unknown, true);
  assert.ok(t.notes[0]!.msg.includes(JSON.stringify('what "is" this')), t.notes[0]!.msg);
});

test('IS_UNINSTALLED while asking: mark, format decision, format + EOM sent, installing', () => {
  const t = receiveLine(conv('asking'), 'IS_UNINSTALLED', facts());
  assert.deepEqual(t.conv, conv('installing'));
  assert.deepEqual(t.send, ['format', 'EOM']);
  assert.deepEqual(t.events, [{ type: 'markReinstall' }, { type: 'decision', action: 'format' }]);
  assert.equal(t.notes[0]!.level, 'info');
  assert.match(t.notes[0]!.msg, /format/);
});

test('IS_UNINSTALLED after the decision is ignored with a note naming the phase', () => {
  for (const phase of ['installing', 'booting', 'done'] as const) {
    const c = conv(phase);
    const t = receiveLine(c, 'IS_UNINSTALLED', facts());
    assertQuiet(t, c, phase);
    assert.equal(t.notes[0]!.level, 'info');
    assert.ok(t.notes[0]!.msg.includes(phase), t.notes[0]!.msg);
  }
});

test('IS_INSTALLED while asking: boot, or format when marked (no second mark)', () => {
  const boot = receiveLine(conv('asking'), 'IS_INSTALLED', facts());
  assert.deepEqual(boot.conv, conv('booting'));
  assert.deepEqual(boot.send, ['boot', 'EOM']);
  assert.deepEqual(boot.events, [{ type: 'decision', action: 'boot' }]);
  assert.equal(boot.notes[0]!.level, 'info');
  assert.match(boot.notes[0]!.msg, /boot/);
  const marked = receiveLine(conv('asking'), 'IS_INSTALLED', facts({ reinstall: true }));
  assert.deepEqual(marked.conv, conv('installing'));
  assert.deepEqual(marked.send, ['format', 'EOM']);
  assert.deepEqual(marked.events, [{ type: 'decision', action: 'format' }]);
  assert.equal(marked.notes[0]!.level, 'info');
  assert.match(marked.notes[0]!.msg, /reinstall/);
});

test('IS_INSTALLED while installing confirms once the archive is out, else waits', () => {
  const ok = receiveLine(conv('installing', { formatted: true }), 'IS_INSTALLED', facts({ archiveSent: true }));
  assert.deepEqual(ok.conv, conv('booting', { formatted: true }));
  assert.deepEqual(ok.send, []);
  assert.deepEqual(ok.events, [{ type: 'installReported' }]);
  assert.equal(ok.notes[0]!.level, 'info');
  assert.match(ok.notes[0]!.msg, /IS_INSTALLED/);
  const wait = receiveLine(conv('installing'), 'IS_INSTALLED', facts({ archiveSent: false }));
  assert.deepEqual(wait.conv, conv('installing', { confirmPending: true }));
  assert.deepEqual(wait.send, []);
  assert.deepEqual(wait.events, []);
  assert.equal(wait.notes[0]!.level, 'info');
  assert.match(wait.notes[0]!.msg, /IS_INSTALLED/);
});

test('IS_INSTALLED when booting or done is ignored at debug level', () => {
  for (const phase of ['booting', 'done'] as const) {
    const c = conv(phase);
    const t = receiveLine(c, 'IS_INSTALLED', facts({ archiveSent: true, reinstall: true }));
    assertQuiet(t, c, phase);
    assert.equal(t.notes[0]!.level, 'debug');
    assert.ok(t.notes[0]!.msg.includes(phase));
  }
});

test('IS_FORMATTED only counts while installing, and never confirms', () => {
  const t = receiveLine(conv('installing'), 'IS_FORMATTED', facts({ archiveSent: true }));
  // It also shows the Pi read `format` (mount reports after it count).
  assert.deepEqual(t.conv, conv('installing', { formatted: true, formatSeen: true }));
  assert.deepEqual(t.send, []);
  assert.deepEqual(t.events, []);
  assert.equal(t.notes[0]!.level, 'info');
  assert.match(t.notes[0]!.msg, /formatted/);
  for (const phase of ['asking', 'booting', 'done'] as const) {
    const c = conv(phase);
    const other = receiveLine(c, 'IS_FORMATTED', facts());
    assertQuiet(other, c, phase);
    assert.equal(other.notes[0]!.level, 'debug');
    assert.ok(other.notes[0]!.msg.includes(phase));
  }
});

test('mount report: booting -> done and up', () => {
  const t = receiveLine(conv('booting'), 'FINISHED MOUNTING', facts());
  assert.deepEqual(t.conv, conv('done'));
  assert.deepEqual(t.send, []);
  assert.deepEqual(t.events, [{ type: 'up' }]);
  assert.equal(t.notes[0]!.level, 'info');
  assert.match(t.notes[0]!.msg, /mounted/);
});

test('mount report while installing: before the Pi read `format` ignored, then without the archive an abort (warn), with it confirm and up', () => {
  // The old script reports its mount before it reads piman's command: that report predates `format`.
  const stale = receiveLine(conv('installing'), 'FINISHED_MOUNTING', facts({ archiveSent: false }));
  assert.deepEqual(stale.conv, conv('installing'));
  assert.deepEqual(stale.events, []);
  const early = receiveLine(conv('installing', { formatSeen: true }), 'FINISHED_MOUNTING', facts({ archiveSent: false }));
  assert.equal(early.conv.phase, 'done');
  assert.equal(early.events.length, 1);
  const ev = early.events[0]!;
  assert.equal(ev.type, 'installAborted');
  assert.match(ev.type === 'installAborted' ? ev.reason : '', /archive/);
  assert.deepEqual(early.notes.map((n) => n.level), ['warn']);
  assert.equal(early.notes[0]!.msg, ev.type === 'installAborted' ? ev.reason : '');
  const ok = receiveLine(conv('installing', { confirmPending: true, formatSeen: true }), 'FINISHED MOUNTING', facts({ archiveSent: true }));
  assert.equal(ok.conv.phase, 'done');
  assert.equal(ok.conv.confirmPending, false);
  assert.deepEqual(ok.events, [{ type: 'installReported' }, { type: 'up' }]);
  assert.deepEqual(ok.send, []);
  assert.match(ok.notes[0]!.msg, /FINISHED MOUNTING/);
});

test('mount report while asking or done is ignored at debug level', () => {
  for (const phase of ['asking', 'done'] as const) {
    const c = conv(phase);
    const t = receiveLine(c, 'FINISHED MOUNTING', facts({ archiveSent: true }));
    assertQuiet(t, c, phase);
    assert.equal(t.notes[0]!.level, 'debug');
    assert.ok(t.notes[0]!.msg.includes(phase));
  }
});

test('INSTALL_FAILED while installing aborts with the Pi reason; elsewhere an info note only', () => {
  const t = receiveLine(conv('installing', { confirmPending: true, formatted: true }), 'INSTALL_FAILED tar: short read', facts());
  assert.deepEqual(t.conv, conv('done', { formatted: true }));
  assert.deepEqual(t.send, []);
  assert.equal(t.events.length, 1);
  const ev = t.events[0]!;
  assert.equal(ev.type, 'installAborted');
  assert.match(ev.type === 'installAborted' ? ev.reason : '', /tar: short read/);
  assert.deepEqual(t.notes.map((n) => n.level), ['warn']);
  assert.match(t.notes[0]!.msg, /tar: short read/);
  for (const phase of ['asking', 'booting', 'done'] as const) {
    const c = conv(phase);
    const other = receiveLine(c, 'INSTALL_FAILED disk full', facts());
    assertQuiet(other, c, phase);
    assert.equal(other.notes[0]!.level, 'info');
    assert.ok(other.notes[0]!.msg.includes(phase) && other.notes[0]!.msg.includes('disk full'), other.notes[0]!.msg);
  }
});

test('archiveDone settles only a pending confirmation while installing', () => {
  const pending = conv('installing', { confirmPending: true });
  const t = archiveDone(pending, facts({ archiveSent: true }));
  assert.deepEqual(t.conv, conv('booting'));
  assert.deepEqual(t.events, [{ type: 'installReported' }]);
  assert.equal(t.notes[0]!.level, 'info');
  assert.match(t.notes[0]!.msg, /earlier confirmation/);
  for (const c of [conv('installing'), conv('booting', { confirmPending: true }), conv('done', { confirmPending: true })]) {
    const q = archiveDone(c, facts({ archiveSent: true }));
    assertQuiet(q, c, c.phase);
    assert.deepEqual(q.notes, []);
  }
});
