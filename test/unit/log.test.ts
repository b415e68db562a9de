import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/log.js';

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
