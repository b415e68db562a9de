import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { openConversation, receiveLine, archiveDone, type Conversation, type PortFacts, type Turn } from '../../src/control/conversation.js';
import { classifyLine, dateCommand } from '../../src/control/messages.js';

const fresh: PortFacts = { state: 'netbooting', reinstall: false, archiveSent: false };
const start = (): Conversation => openConversation(new Date(0)).conv;

/** Feeds lines in order; returns every turn's sends and events flattened. */
function feed(conv: Conversation, lines: string[], facts: PortFacts): { conv: Conversation; send: string[]; events: string[] } {
  const send: string[] = [];
  const events: string[] = [];
  let c = conv;
  for (const l of lines) {
    const t: Turn = receiveLine(c, l, facts);
    c = t.conv;
    send.push(...t.send);
    events.push(...t.events.map((e) => (e.type === 'decision' ? `decision:${e.action}` : e.type)));
  }
  return { conv: c, send, events };
}

test('greeting: hello event, UTC date command and EOM', () => {
  const t = openConversation(new Date(Date.UTC(2026, 10, 5, 7, 8, 9)));
  assert.deepEqual(t.send, ['busybox date -s 202611050708.09', 'EOM']);
  assert.deepEqual(t.events, [{ type: 'hello' }]);
  assert.equal(dateCommand(new Date(Date.UTC(1999, 0, 1, 0, 0, 0))), 'busybox date -s 199901010000.00');
});

// What the old hello_protocol.sh (set -x, exec 2>&1) sends for an empty SD card, trace included.
const OLD_UNINSTALLED = [
  '+ send Hello World',
  '+ echo Hello World',
  'Hello World',
  '+ makenode',
  '+ send MAKING NODES',
  'MAKING NODES',
  'mount: mounting /dev/mmcblk0p2 on /m failed: Invalid argument',
  '+ send IS_UNINSTALLED',
  '+ echo IS_UNINSTALLED',
  'IS_UNINSTALLED',
];

test('old script, empty card: trace lines are not statuses; IS_UNINSTALLED -> mark + format', () => {
  const r = feed(start(), OLD_UNINSTALLED, fresh);
  assert.deepEqual(r.send, ['format', 'EOM']);
  assert.deepEqual(r.events, ['markReinstall', 'decision:format']);
  assert.equal(r.conv.phase, 'installing');
});

test('old script echoes the date command and says it does not know it: nothing happens', () => {
  const r = feed(start(), ['+ recv', 'busybox date -s 202611050708.09', "Sorry don't know how to do busybox date -s 202611050708.09", 'RECEIVED_DATE'], fresh);
  assert.deepEqual(r.send, []);
  assert.deepEqual(r.events, []);
  assert.equal(r.conv.phase, 'asking');
});

test('installed and not marked -> boot; mount report -> up', () => {
  const r = feed(start(), ['IS_INSTALLED', '+ echo IS_INSTALLED', 'boot', 'RECEIVED_BOOT', 'MOUNTING', 'FINISHED MOUNTING'], fresh);
  assert.deepEqual(r.send, ['boot', 'EOM']);
  assert.deepEqual(r.events, ['decision:boot', 'up']);
  assert.equal(r.conv.phase, 'done');
});

test('installed but marked for reinstall -> format, without a second mark', () => {
  const r = feed(start(), [' IS_INSTALLED \r'], { ...fresh, reinstall: true });
  assert.deepEqual(r.send, ['format', 'EOM']);
  assert.deepEqual(r.events, ['decision:format']);
});

test('only the first answer decides', () => {
  const r = feed(start(), ['IS_INSTALLED', 'IS_UNINSTALLED', 'IS_INSTALLED'], fresh);
  assert.deepEqual(r.send, ['boot', 'EOM']);
  assert.deepEqual(r.events, ['decision:boot']);
});

test('old script order: IS_FORMATTED before the archive, confirmation is the mount after it', () => {
  let r = feed(start(), ['IS_UNINSTALLED', 'format', 'FORMATTING', 'FINISHED FORMATTING', 'IS_FORMATTED'], fresh);
  assert.deepEqual(r.events, ['markReinstall', 'decision:format']);
  assert.equal(r.conv.formatted, true);
  const installing: PortFacts = { state: 'installing', reinstall: true, archiveSent: false };
  assert.deepEqual(archiveDone(r.conv, { ...installing, archiveSent: true }).events, []);
  r = feed(r.conv, ['+ mounting', 'MOUNTING', 'FINISHED MOUNTING'], { ...installing, archiveSent: true });
  assert.deepEqual(r.events, ['installReported', 'up']);
});

test('IS_FORMATTED alone never confirms, even when it is read after the archive went out (Nagle delay)', () => {
  const c = feed(start(), ['IS_UNINSTALLED'], fresh).conv;
  const sent: PortFacts = { state: 'installing', reinstall: true, archiveSent: true };
  const r = feed(c, ['IS_FORMATTED'], sent);
  assert.deepEqual(r.events, []);
  assert.equal(r.conv.phase, 'installing');
  // Lab Pis: IS_FORMATTED, MOUNTING, FINISHED_MOUNTING after unpacking.
  assert.deepEqual(feed(r.conv, ['MOUNTING', 'FINISHED_MOUNTING'], sent).events, ['installReported', 'up']);
});

test("piman's script: IS_INSTALLED after unpacking confirms; before the archive is marked sent it waits", () => {
  const c = feed(start(), ['IS_UNINSTALLED', 'IS_FORMATTED'], fresh).conv;
  const early = feed(c, ['IS_INSTALLED'], { state: 'installing', reinstall: true, archiveSent: false });
  assert.deepEqual(early.events, []);
  assert.equal(early.conv.confirmPending, true);
  const settled = archiveDone(early.conv, { state: 'installing', reinstall: true, archiveSent: true });
  assert.deepEqual(settled.events, [{ type: 'installReported' }]);
  assert.equal(settled.conv.phase, 'booting');
  const up = feed(settled.conv, ['MOUNTING', 'FINISHED MOUNTING'], { state: 'booting', reinstall: false, archiveSent: false });
  assert.deepEqual(up.events, ['up']);
});

test('a mount without the whole archive is a failed install', () => {
  const c = feed(start(), ['IS_UNINSTALLED', 'IS_FORMATTED'], fresh).conv;
  const r = feed(c, ['FINISHED MOUNTING'], { state: 'installing', reinstall: true, archiveSent: false });
  assert.deepEqual(r.events, ['installAborted']);
});

test('INSTALL_FAILED during the install aborts it with the reason', () => {
  const c = feed(start(), ['IS_UNINSTALLED'], fresh).conv;
  const t = receiveLine(c, 'INSTALL_FAILED rootfs stream: nc=0 gunzip=1 tar=1', { state: 'installing', reinstall: true, archiveSent: false });
  assert.deepEqual(t.events, [{ type: 'installAborted', reason: 'Pi could not unpack the rootfs: rootfs stream: nc=0 gunzip=1 tar=1' }]);
});

test('unknown lines are flagged for rate-limited logging; substrings never match', () => {
  for (const l of ['+ send IS_INSTALLED', 'xIS_INSTALLED', 'IS_INSTALLED_NOT', 'is_installed']) {
    assert.notEqual(classifyLine(l).kind, 'installed', l);
  }
  const t = receiveLine(start(), 'mke2fs 1.47.0 (5-Feb-2023)', fresh);
  assert.equal(t.notes[0]?.unknown, true);
});

test('property: arbitrary lines never send anything except one decision, and never twice', () => {
  const line = fc.oneof(
    fc.string({ maxLength: 40, size: 'max' }),
    fc.constantFrom('IS_INSTALLED', 'IS_UNINSTALLED', 'IS_FORMATTED', 'FINISHED MOUNTING', 'EOM', 'format', '+ echo IS_INSTALLED', 'INSTALL_FAILED x'),
  );
  fc.assert(
    fc.property(fc.array(line, { maxLength: 40, size: 'max' }), fc.boolean(), fc.boolean(), (lines, reinstall, archiveSent) => {
      const r = feed(start(), lines, { state: 'netbooting', reinstall, archiveSent });
      assert.ok(r.send.length === 0 || r.send.length === 2);
      if (r.send.length === 2) assert.ok(['format', 'boot'].includes(r.send[0]!) && r.send[1] === 'EOM');
      assert.ok(r.events.filter((e) => e.startsWith('decision')).length <= 1);
    }),
  );
});

// The old script on an installed card (issue 12, item 6): checkinstalled sends IS_INSTALLED and at
// once mounts the root (MOUNTING, FINISHED MOUNTING) before it reads piman's first command.
const OLD_INSTALLED = [
  '+ send CHECKING IF INSTALLED',
  'CHECKING IF INSTALLED',
  '  File: /m/bin',
  '+ send IS_INSTALLED',
  'IS_INSTALLED',
  '+ mounting',
  'MOUNTING',
  'mount: mounting /dev/mmcblk0p2 on /new_root failed: Device or resource busy',
  'FINISHED MOUNTING',
];

test('old script, installed and marked: the mount it sent before reading `format` is not a mount of the new root', () => {
  const marked: PortFacts = { state: 'netbooting', reinstall: true, archiveSent: false };
  let r = feed(start(), OLD_INSTALLED, marked);
  assert.deepEqual(r.send, ['format', 'EOM']);
  assert.deepEqual(r.events, ['decision:format'], 'no installAborted for the early FINISHED MOUNTING');
  assert.equal(r.conv.phase, 'installing');
  const installing: PortFacts = { state: 'installing', reinstall: true, archiveSent: false };
  // It reads the date block, then `format`: echo, format, IS_FORMATTED, then fetches the archive.
  r = feed(r.conv, ['busybox date -s 202611050708.09', "Sorry don't know how to do busybox date -s 202611050708.09", 'format', 'FORMATTING', 'FINISHED FORMATTING', 'IS_FORMATTED'], installing);
  assert.deepEqual(r.events, []);
  // A mount after it read `format` but before the whole archive went out still fails the install.
  assert.deepEqual(feed(r.conv, ['MOUNTING', 'FINISHED MOUNTING'], installing).events, ['installAborted']);
  // After the archive: the mount confirms.
  assert.deepEqual(feed(r.conv, ['MOUNTING', 'FINISHED MOUNTING'], { ...installing, archiveSent: true }).events, ['installReported', 'up']);
});

test('old script, installed and not marked: the early mount report is the boot it was going to do', () => {
  const r = feed(start(), OLD_INSTALLED, fresh);
  assert.deepEqual(r.send, ['boot', 'EOM']);
  assert.deepEqual(r.events, ['decision:boot', 'up']);
});
