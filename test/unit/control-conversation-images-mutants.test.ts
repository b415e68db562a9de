// Exact turns of the control conversation where images and the greeting
// came in (an image that cannot be installed, a hello from a Pi that did not
// netboot, the lines that show the Pi read `format`), written to kill the
// mutants the older tests let live (README "Mutation testing").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openConversation, receiveLine, type Conversation, type PortFacts, type Phase } from '../../src/control/conversation.js';

const facts = (p: Partial<PortFacts> = {}): PortFacts => ({ state: 'netbooting', reinstall: false, archiveSent: false, ...p });
const conv = (phase: Phase, p: Partial<Conversation> = {}): Conversation => ({ phase, formatted: false, confirmPending: false, ...p });
const PROBLEM = "image 'b' cannot be installed: no such file";

test('IS_UNINSTALLED with an image problem: no format, the mark set, the port failed with the problem, a warning, the connection closed', () => {
  const t = receiveLine(conv('asking'), 'IS_UNINSTALLED', facts({ imageProblem: PROBLEM }));
  assert.deepEqual(t, {
    conv: conv('done'),
    send: [],
    events: [{ type: 'markReinstall' }, { type: 'fail', reason: PROBLEM }],
    notes: [{ level: 'warn', msg: `Pi is not installed and ${PROBLEM}: not told format` }],
    close: true,
  });
});

test('IS_INSTALLED, marked, with an image problem: told boot, the mark stays (no event touches it), a warning; the connection stays open', () => {
  const t = receiveLine(conv('asking'), 'IS_INSTALLED', facts({ reinstall: true, imageProblem: PROBLEM }));
  assert.deepEqual(t, {
    conv: conv('booting'),
    send: ['boot', 'EOM'],
    events: [{ type: 'decision', action: 'boot' }],
    notes: [{ level: 'warn', msg: `Pi is marked for reinstall but ${PROBLEM}: told boot, the mark stays` }],
  });
});

test('an image problem matters only when an install is due: an installed, unmarked Pi boots as always', () => {
  const t = receiveLine(conv('asking'), 'IS_INSTALLED', facts({ imageProblem: PROBLEM }));
  assert.deepEqual(t, {
    conv: conv('booting'),
    send: ['boot', 'EOM'],
    events: [{ type: 'decision', action: 'boot' }],
    notes: [{ level: 'info', msg: 'Pi is installed: told boot' }],
  });
});

test('no image problem (null or absent) is no problem: format as before', () => {
  for (const imageProblem of [null, undefined]) {
    const blank = receiveLine(conv('asking'), 'IS_UNINSTALLED', facts(imageProblem === null ? { imageProblem } : {}));
    assert.deepEqual(blank.send, ['format', 'EOM'], String(imageProblem));
    assert.equal(blank.close, undefined);
    const marked = receiveLine(conv('asking'), 'IS_INSTALLED', facts({ reinstall: true, ...(imageProblem === null ? { imageProblem } : {}) }));
    assert.deepEqual(marked.send, ['format', 'EOM'], String(imageProblem));
  }
});

test('greeting of a Pi that is up without a netboot since: the whole turn (done, a rate-limited warning, closed)', () => {
  assert.deepEqual(openConversation(new Date(0), { state: 'up', netbootSeen: false }), {
    conv: conv('done'),
    send: [],
    events: [],
    notes: [{ level: 'warn', msg: 'hello from a Pi that is up and did not netboot since: ignored, connection closed', unknown: true }],
    close: true,
  });
});

test('greeting of a booting Pi: the date, then EOM, and a hello; without facts it is taken as a netboot', () => {
  const when = new Date(Date.UTC(2026, 11, 7, 14, 30, 5));
  for (const t of [openConversation(when), openConversation(when, { state: 'up', netbootSeen: true }), openConversation(when, { state: 'off', netbootSeen: false })]) {
    assert.equal(t.send.length, 2);
    assert.match(t.send[0]!, /2026/);
    assert.equal(t.send[1], 'EOM');
    assert.deepEqual(t.conv, conv('asking'));
    assert.deepEqual(t.events, [{ type: 'hello' }]);
    assert.equal(t.close, undefined);
  }
});

test('every line the Pi sends only after reading `format` marks it read while installing, once; in other phases it changes nothing', () => {
  for (const line of ['format', 'RECEIVED_FORMAT', 'FORMATTING', 'FINISHED FORMATTING', 'FINISHED_FORMATTING', 'RECEIVING']) {
    const t = receiveLine(conv('installing'), line, facts());
    assert.deepEqual(t.conv, conv('installing', { formatSeen: true }), line);
    assert.deepEqual(t.send, [], line);
    assert.deepEqual(t.events, [], line);
    assert.equal(t.notes.length, 1, line);
    assert.equal(t.notes[0]!.level, 'debug', line);
    assert.ok(t.notes[0]!.msg.includes(line), line);
    const seen = conv('installing', { formatSeen: true, formatted: true });
    assert.equal(receiveLine(seen, line, facts()).conv, seen, `${line}: already seen, the same object`);
    for (const phase of ['asking', 'booting', 'done'] as const) {
      const c = conv(phase);
      assert.equal(receiveLine(c, line, facts()).conv, c, `${line} while ${phase}`);
    }
  }
  // A status line from before the decision does not count.
  const early = conv('installing');
  assert.equal(receiveLine(early, 'CHECKING IF INSTALLED', facts()).conv, early);
});

test('after `format` was read, a mount report with the whole archive out confirms and the Pi is up', () => {
  const read = receiveLine(conv('installing'), 'RECEIVING', facts()).conv;
  const t = receiveLine(read, 'FINISHED MOUNTING', facts({ archiveSent: true }));
  assert.equal(t.conv.phase, 'done');
  assert.deepEqual(t.events, [{ type: 'installReported' }, { type: 'up' }]);
});

test('a mount report before the Pi read `format` is its check of the old root: ignored with an info note, nothing moves', () => {
  const c = conv('installing');
  const t = receiveLine(c, 'FINISHED MOUNTING', facts({ archiveSent: true }));
  assert.deepEqual(t, {
    conv: c,
    send: [],
    events: [],
    notes: [{ level: 'info', msg: 'mount report sent before the Pi read `format` (its check of the old root): ignored' }],
  });
});
