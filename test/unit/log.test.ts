import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/log.js';
import { PimanError } from '../../src/errors.js';

function capture(): { lines: string[]; stream: { write(s: string): void } } {
  const lines: string[] = [];
  return { lines, stream: { write: (s: string) => void lines.push(s) } };
}

test('JSON lines with level, time and message (journald-friendly)', () => {
  const { lines, stream } = capture();
  const log = createLogger({ level: 'info', pretty: false, destination: stream });
  log.info({ port: 'sw1:7' }, 'port state');
  log.debug('hidden at info');
  assert.equal(lines.length, 1);
  const rec = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(rec.level, 30);
  assert.equal(rec.msg, 'port state');
  assert.equal(rec.port, 'sw1:7');
  assert.equal(typeof rec.time, 'number');
});

test('PIMAN_LOG_LEVEL overrides the configured level; unknown values are ignored', (t) => {
  const saved = process.env.PIMAN_LOG_LEVEL;
  t.after(() => {
    if (saved === undefined) delete process.env.PIMAN_LOG_LEVEL;
    else process.env.PIMAN_LOG_LEVEL = saved;
  });
  process.env.PIMAN_LOG_LEVEL = 'debug';
  assert.equal(createLogger({ level: 'warn', pretty: false, destination: capture().stream }).level, 'debug');
  process.env.PIMAN_LOG_LEVEL = 'loud';
  assert.equal(createLogger({ level: 'warn', pretty: false, destination: capture().stream }).level, 'warn');
});

test('for journald (JOURNAL_STREAM set, not a terminal) every line starts with its syslog priority', () => {
  const { lines, stream } = capture();
  const log = createLogger({ level: 'trace', pretty: false, journal: true, destination: stream });
  log.trace('t');
  log.debug('d');
  log.info('i');
  log.warn('w');
  log.child({ part: 'x' }).error({ code: 'E_HOSTS' }, 'e');
  log.fatal({ code: 'E_STARTUP' }, 'f');
  assert.deepEqual(lines.map((l) => l.slice(0, 3)), ['<7>', '<7>', '<6>', '<4>', '<3>', '<2>']);
  for (const l of lines) JSON.parse(l.slice(3));
  assert.equal((JSON.parse(lines[4]!.slice(3)) as Record<string, unknown>).part, 'x');
});

test('journal mode is the default exactly when JOURNAL_STREAM is set and stdout is no terminal', (t) => {
  const saved = process.env.JOURNAL_STREAM;
  t.after(() => {
    if (saved === undefined) delete process.env.JOURNAL_STREAM;
    else process.env.JOURNAL_STREAM = saved;
  });
  delete process.env.JOURNAL_STREAM;
  const plain = capture();
  createLogger({ pretty: false, destination: plain.stream }).info('x');
  assert.equal(plain.lines[0]![0], '{');
  process.env.JOURNAL_STREAM = '8:12345';
  const journal = capture();
  createLogger({ pretty: false, destination: journal.stream }).info('x');
  assert.equal(journal.lines[0]!.slice(0, 3), '<6>');
});

test('every error record carries an error code: its own, the error\'s, or E_INTERNAL', () => {
  const { lines, stream } = capture();
  const log = createLogger({ level: 'info', pretty: false, destination: stream });
  const caller = { err: 'disk full' };
  log.error(caller, 'a');
  log.error({ code: 'E_HOSTS', err: 'bad row' }, 'b');
  log.error({ err: new PimanError('E_ROOTFS', 'no rootfs') }, 'c');
  log.error('d');
  log.child({ part: 'tftp' }).fatal(new PimanError('E_TFTP', 'boom'));
  log.warn({ err: 'x' }, 'warnings need none');
  const recs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(recs.map((r) => r.code), ['E_INTERNAL', 'E_HOSTS', 'E_ROOTFS', 'E_INTERNAL', 'E_TFTP', undefined]);
  assert.deepEqual(recs.map((r) => r.msg), ['a', 'b', 'c', 'd', 'boom', 'warnings need none']);
  assert.deepEqual(caller, { err: 'disk full' }, 'the caller\'s object is not changed');
});
