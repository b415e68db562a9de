import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HelloScript } from '../../src/lab/hello-script.js';
import { masterFromCmdline, prefixFolder } from '../../src/lab/boot-plan.js';
import { labIdentity } from '../../src/lab/pi-profile.js';

const DATE = 'busybox date -s 202611251520.00';

test('uninstalled Pi: date block -> RECEIVED_DATE + IS_UNINSTALLED; format -> action', () => {
  const s = new HelloScript({ installed: false, noisy: false });
  assert.deepEqual(s.onLine(DATE).send, []);
  assert.deepEqual(s.onLine('EOM').send, ['RECEIVED_DATE', 'IS_UNINSTALLED']);
  s.onLine('format');
  const r = s.onLine('EOM');
  assert.equal(r.action, 'format');
  assert.deepEqual(s.formatted(), ['IS_FORMATTED', 'MOUNTING', 'FINISHED_MOUNTING']);
  // Nothing more is decided on this connection.
  assert.deepEqual(s.onLine('boot').send, []);
});

test('installed Pi: IS_INSTALLED; boot -> mount lines', () => {
  const s = new HelloScript({ installed: true, noisy: false });
  s.onLine(DATE);
  assert.deepEqual(s.onLine('EOM\r').send, ['RECEIVED_DATE', 'IS_INSTALLED']);
  s.onLine('boot');
  assert.equal(s.onLine('EOM').action, 'boot');
  assert.deepEqual(s.mounted(), ['MOUNTING', 'FINISHED_MOUNTING']);
});

test('noisy mode echoes commands and sends set -x traces, status words stay whole lines', () => {
  const s = new HelloScript({ installed: false, noisy: true });
  s.onLine(DATE);
  const out = s.onLine('EOM').send;
  assert.ok(out.includes(DATE), 'echoes the command');
  assert.ok(out.includes('+ send IS_UNINSTALLED'), 'sends the trace');
  assert.equal(out.filter((l) => l === 'IS_UNINSTALLED').length, 1);
  assert.ok(out.indexOf('+ send IS_UNINSTALLED') < out.indexOf('IS_UNINSTALLED'));
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
