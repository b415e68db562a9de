// Exact actions of the TFTP transfer state machine in every phase, written
// to kill the mutants the older tests let live (README "Mutation testing").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TftpSession, type SessionAction, type SessionConfig } from '../../src/tftp/session.js';

const base: SessionConfig = { size: 2000, blksize: 512, windowsize: 1, timeoutMs: 100, maxTimeoutMs: 1000, retries: 2, oack: [] };
const mk = (c: Partial<SessionConfig> = {}) => new TftpSession({ ...base, ...c });
const endOf = (as: SessionAction[]) => as.find((a) => a.type === 'end') as Extract<SessionAction, { type: 'end' }> | undefined;

test('a session is not done until it ends; start runs once', () => {
  const s = mk();
  assert.equal(s.done, false);
  assert.deepEqual(s.start(), [{ type: 'data', block: 1 }, { type: 'timer', ms: 100 }]);
  assert.equal(s.done, false);
  assert.deepEqual(s.start(), [], 'a second start sends nothing');
});

test('before start nothing reacts: ACK and timeout are ignored', () => {
  const s = mk();
  assert.deepEqual(s.onAck(0), []);
  assert.deepEqual(s.onAck(1), []);
  assert.deepEqual(s.onTimeout(), []);
  assert.equal(s.done, false);
  assert.deepEqual(s.start(), [{ type: 'data', block: 1 }, { type: 'timer', ms: 100 }]);
});

test('with options: OACK first, ACK 0 opens the data phase, then ACKs move on', () => {
  const oack: Array<[string, string]> = [['tsize', '2000']];
  const s = mk({ oack });
  assert.deepEqual(s.start(), [{ type: 'oack', options: oack }, { type: 'timer', ms: 100 }]);
  assert.deepEqual(s.onAck(1), [], 'only ACK 0 answers an OACK');
  assert.deepEqual(s.onAck(0), [{ type: 'data', block: 1 }, { type: 'timer', ms: 100 }]);
  assert.deepEqual(s.onAck(1), [{ type: 'data', block: 2 }, { type: 'timer', ms: 100 }]);
  assert.equal(s.acked, 1);
});

test('a lost OACK is sent again with the backed-off timer; giving up names the OACK', () => {
  const oack: Array<[string, string]> = [['blksize', '1024']];
  const s = mk({ oack, retries: 2 });
  s.start();
  assert.deepEqual(s.onTimeout(), [{ type: 'oack', options: oack }, { type: 'timer', ms: 200 }]);
  assert.deepEqual(s.onTimeout(), [{ type: 'oack', options: oack }, { type: 'timer', ms: 400 }]);
  const last = s.onTimeout();
  assert.equal(last.length, 2);
  const err = last[0]!;
  assert.equal(err.type, 'error');
  assert.equal(err.type === 'error' && err.code, 0);
  assert.match(err.type === 'error' ? err.message : '', /timed out/);
  assert.equal(endOf(last)?.result, 'timeout');
  assert.match(endOf(last)!.detail, /OACK after 3 tries/);
  assert.equal(s.done, true);
  assert.deepEqual(s.onTimeout(), [], 'a done session ignores further timeouts');
});

test('giving up in the data phase names the first unacknowledged block and the tries', () => {
  const s = mk({ retries: 1, windowsize: 2 });
  s.start();
  s.onAck(2);
  assert.deepEqual(s.onTimeout(), [{ type: 'data', block: 3 }, { type: 'data', block: 4 }, { type: 'timer', ms: 200 }]);
  const last = s.onTimeout();
  assert.match(endOf(last)!.detail, /no answer to block 3 after 2 tries/);
});

test('the backed-off timer is capped at maxTimeoutMs', () => {
  const s = mk({ retries: 5, timeoutMs: 300, maxTimeoutMs: 1000 });
  s.start();
  const ms = [1, 2, 3].map(() => (s.onTimeout().find((a) => a.type === 'timer') as { ms: number }).ms);
  assert.deepEqual(ms, [600, 1000, 1000]);
  assert.deepEqual(s.onAck(1).find((a) => a.type === 'timer'), { type: 'timer', ms: 300 }, 'progress resets the backoff');
});

test('completion names the number of blocks; a done session ignores ACKs and ERRORs', () => {
  const s = mk({ size: 600 });
  s.start();
  s.onAck(1);
  const end = s.onAck(2);
  assert.deepEqual(end.map((a) => a.type), ['end']);
  assert.equal(endOf(end)!.result, 'complete');
  assert.match(endOf(end)!.detail, /^2 blocks$/);
  assert.equal(s.done, true);
  assert.deepEqual(s.onAck(3), []);
  assert.deepEqual(s.onError(0, 'late'), []);
});

test('a client ERROR aborts once, with its code and message', () => {
  const s = mk();
  s.start();
  const a = s.onError(2, 'disk full');
  assert.deepEqual(a.map((x) => x.type), ['end']);
  assert.equal(endOf(a)!.result, 'aborted');
  assert.match(endOf(a)!.detail, /ERROR 2 'disk full'$/);
  assert.equal(s.done, true);
  assert.deepEqual(s.onError(3, 'again'), []);
  const quiet = mk();
  quiet.start();
  assert.match(endOf(quiet.onError(0, ''))!.detail, /ERROR 0$/, 'no quotes without a message');
});

test('an ERROR before start also ends the session', () => {
  const s = mk();
  assert.equal(endOf(s.onError(0, ''))?.result, 'aborted');
  assert.equal(s.done, true);
  assert.deepEqual(s.start(), []);
});

test('ACKs after an abort or a timeout send nothing more, even for blocks still in flight', () => {
  const aborted = mk({ windowsize: 4 });
  aborted.start();
  aborted.onError(0, 'tsize probe');
  assert.deepEqual(aborted.onAck(1), []);
  assert.deepEqual(aborted.onAck(2), []);
  const timedOut = mk({ windowsize: 4, retries: 0 });
  timedOut.start();
  assert.equal(endOf(timedOut.onTimeout())?.result, 'timeout');
  assert.deepEqual(timedOut.onAck(1), []);
  assert.equal(timedOut.acked, 0);
});
