import { test } from 'node:test';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { HelloScript } from '../../src/lab/hello-script.js';
import { masterFromCmdline, prefixFolder } from '../../src/lab/boot-plan.js';
import { labIdentity } from '../../src/lab/pi-profile.js';
import { classifyLine } from '../../src/control/messages.js';

const DATE = 'busybox date -s 202611251520.00';

test('uninstalled Pi: greeting says IS_UNINSTALLED; date is echoed and acknowledged; format -> action', () => {
  const s = new HelloScript({ installed: false, noisy: false });
  assert.deepEqual(s.greeting(), ['Hello World', 'CHECKING IF INSTALLED', 'IS_UNINSTALLED']);
  assert.deepEqual(s.onLine(DATE).send, []);
  assert.deepEqual(s.onLine('EOM').send, [DATE, 'RECEIVED_DATE']);
  s.onLine('format');
  const r = s.onLine('EOM');
  assert.equal(r.action, 'format');
  assert.deepEqual(r.send, ['format', 'RECEIVED_FORMAT', 'FORMATTING', 'FINISHED FORMATTING', 'IS_FORMATTED', 'RECEIVING']);
  assert.deepEqual(s.installed(), ['IS_INSTALLED', 'MOUNTING', 'FINISHED MOUNTING']);
  // Nothing more is decided on this connection.
  assert.deepEqual(s.onLine('boot').send, []);
});

test('installed Pi: IS_INSTALLED; boot -> RECEIVED_BOOT, then mount lines', () => {
  const s = new HelloScript({ installed: true, noisy: false });
  assert.equal(s.greeting().at(-1), 'IS_INSTALLED');
  s.onLine('boot');
  const r = s.onLine('EOM\r');
  assert.equal(r.action, 'boot');
  assert.deepEqual(r.send, ['boot', 'RECEIVED_BOOT']);
  assert.deepEqual(s.mounted(), ['MOUNTING', 'FINISHED MOUNTING']);
});

test('unknown commands get the script answer; a failed unpack is one INSTALL_FAILED line', () => {
  const s = new HelloScript({ installed: true, noisy: false });
  s.onLine('reboot now');
  assert.deepEqual(s.onLine('EOM').send, ['reboot now', "Sorry don't know how to do reboot now"]);
  assert.deepEqual(s.installFailed('gunzip: bad\ncrc'), ['INSTALL_FAILED gunzip: bad crc']);
});

test("noisy mode: each status has its set -x trace first; piman's classifier reads traces as echo, statuses whole", () => {
  const s = new HelloScript({ installed: false, noisy: true });
  const g = s.greeting();
  assert.deepEqual(g.slice(-2), ['+ send IS_UNINSTALLED', 'IS_UNINSTALLED']);
  s.onLine('format');
  const lines = [...g, ...s.onLine('EOM').send, ...s.installed()];
  const kinds = lines.map((l) => classifyLine(l).kind);
  for (const [i, l] of lines.entries()) if (l.startsWith('+ ')) assert.equal(kinds[i], 'echo', l);
  assert.deepEqual(
    kinds.filter((k) => k !== 'echo' && k !== 'status'),
    ['uninstalled', 'formatted', 'installed', 'mounted'],
  );
});

test('cmdline.txt: the master address once MASTER was replaced; null while it was not', () => {
  assert.equal(masterFromCmdline('console=serial0 root=/dev/ram0 master=10.0.0.1 quiet\n'), '10.0.0.1');
  assert.equal(masterFromCmdline('master=MASTER'), null);
  assert.equal(masterFromCmdline('xmaster=10.0.0.1'), null);
});

test('prefix folder: serial, or the dashed MAC for a Pi 4 set to MAC prefixes', () => {
  const pi4 = labIdentity(4, 1);
  assert.equal(prefixFolder(pi4), pi4.serial);
  assert.equal(prefixFolder(pi4, 'mac'), 'dc-a6-32-4c-00-01');
  assert.equal(prefixFolder(labIdentity(3, 1), 'mac'), labIdentity(3, 1).serial);
});

test('property: any line sequence from piman never throws and decides at most once', () => {
  const line = fc.oneof(fc.constantFrom('EOM', 'format', 'boot', DATE, '', 'EOM\r', 'reinstall'), fc.string({ maxLength: 30, size: 'max' }));
  fc.assert(
    fc.property(fc.boolean(), fc.boolean(), fc.array(line, { maxLength: 40, size: 'max' }), (installed, noisy, lines) => {
      const s = new HelloScript({ installed, noisy });
      const actions = lines.map((l) => s.onLine(l).action).filter(Boolean);
      assert.ok(actions.length <= 1);
      if (actions.length === 1) assert.equal(s.decided, actions[0]);
    }),
  );
});
