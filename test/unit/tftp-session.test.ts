import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TftpSession, type SessionAction, type SessionConfig } from '../../src/tftp/session.js';
import { negotiate } from '../../src/tftp/negotiate.js';

const base: SessionConfig = { size: 0, blksize: 512, windowsize: 1, timeoutMs: 1000, maxTimeoutMs: 8000, retries: 3, oack: [] };
const mk = (c: Partial<SessionConfig>) => new TftpSession({ ...base, ...c });
const blocks = (as: SessionAction[]) => as.filter((a) => a.type === 'data').map((a) => (a as { block: number }).block);
const timers = (as: SessionAction[]) => as.filter((a) => a.type === 'timer').map((a) => (a as { ms: number }).ms);
const end = (as: SessionAction[]) => as.find((a) => a.type === 'end') as { result: string } | undefined;

test('no options: DATA 1 at once; each ACK releases exactly the next block; last ACK completes', () => {
  const s = mk({ size: 1200 });
  assert.equal(s.totalBlocks, 3);
  const a = s.start();
  assert.deepEqual(blocks(a), [1]);
  assert.deepEqual(timers(a), [1000]);
  assert.deepEqual(blocks(s.onAck(1)), [2]);
  assert.equal(s.blockLength(3), 176);
  assert.deepEqual(blocks(s.onAck(2)), [3]);
  assert.equal(end(s.onAck(3))?.result, 'complete');
  assert.equal(s.done, true);
});

test('a size that is a multiple of blksize ends with an empty block; an empty file is one empty block', () => {
  const s = mk({ size: 1024 });
  assert.equal(s.totalBlocks, 3);
  assert.equal(s.blockLength(3), 0);
  assert.equal(mk({ size: 0 }).totalBlocks, 1);
  assert.equal(mk({ size: 0 }).blockLength(1), 0);
});

test("duplicate ACKs send nothing (no Sorcerer's Apprentice)", () => {
  const s = mk({ size: 5000 });
  s.start();
  assert.deepEqual(blocks(s.onAck(1)), [2]);
  assert.deepEqual(s.onAck(1), []);
  assert.deepEqual(s.onAck(1), []);
  assert.deepEqual(s.onAck(0), [], 'an older ACK is ignored too');
  assert.deepEqual(s.onAck(7), [], 'an ACK for a block not sent yet is ignored');
  assert.deepEqual(blocks(s.onAck(2)), [3]);
});

test('OACK first; ACK 0 starts the data; the Pi 4 probe (ERROR 0 after the OACK) aborts quietly', () => {
  const s = mk({ size: 3000, blksize: 1024, oack: [['tsize', '3000'], ['blksize', '1024']] });
  const a = s.start();
  assert.deepEqual(a[0], { type: 'oack', options: [['tsize', '3000'], ['blksize', '1024']] });
  assert.deepEqual(s.onAck(1), [], 'only ACK 0 answers an OACK');
  assert.deepEqual(blocks(s.onAck(0)), [1]);
  const probe = mk({ size: 3000, oack: [['tsize', '3000']] });
  probe.start();
  const r = probe.onError(0, '');
  assert.equal(end(r)?.result, 'aborted');
  assert.deepEqual(probe.onTimeout(), [], 'nothing after the end');
});

test('timeouts retransmit the same block with doubling timeout (capped), then give up with ERROR 0', () => {
  const s = mk({ size: 2000, retries: 4, maxTimeoutMs: 5000 });
  s.start();
  s.onAck(1);
  const seen: number[] = [];
  for (let i = 0; i < 4; i++) {
    const r = s.onTimeout();
    assert.deepEqual(blocks(r), [2]);
    seen.push(...timers(r));
  }
  assert.deepEqual(seen, [2000, 4000, 5000, 5000]);
  const last = s.onTimeout();
  assert.equal(last[0]?.type, 'error');
  assert.equal(end(last)?.result, 'timeout');
});

test('progress resets the backoff', () => {
  const s = mk({ size: 2000 });
  s.start();
  assert.deepEqual(timers(s.onTimeout()), [2000]);
  assert.deepEqual(timers(s.onAck(1)), [1000]);
});

test('block numbers roll over past 65535 to 0', () => {
  const total = 65536 + 10;
  const s = mk({ size: total * 8 - 1, blksize: 8 });
  assert.equal(s.totalBlocks, total);
  s.start();
  for (let b = 1; b < 65535; b++) s.onAck(b);
  assert.deepEqual(blocks(s.onAck(65535)), [65536], 'internal block 65536 goes out as wire block 0');
  assert.deepEqual(blocks(s.onAck(0)), [65537]);
  assert.deepEqual(s.onAck(0), [], 'duplicate of wire block 0');
  for (let b = 1; b < 10; b++) s.onAck(b);
  assert.equal(end(s.onAck(10))?.result, 'complete', 'internal block 65546 is wire block 10');
});

test('windowsize: a window of blocks per ACK; an ACK inside the window restarts after it', () => {
  const s = mk({ size: 512 * 10 + 1, windowsize: 4 });
  assert.deepEqual(blocks(s.start()), [1, 2, 3, 4]);
  assert.deepEqual(blocks(s.onAck(4)), [5, 6, 7, 8]);
  assert.deepEqual(blocks(s.onAck(6)), [7, 8, 9, 10], 'lost 7: resend from 7');
  assert.deepEqual(blocks(s.onTimeout()), [7, 8, 9, 10]);
  assert.deepEqual(blocks(s.onAck(10)), [11]);
  assert.equal(end(s.onAck(11))?.result, 'complete');
});

test('property: any ACK sequence never sends a block beyond the window or re-sends on a duplicate', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 1, max: 8 }), fc.array(fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.constant(-1)), { maxLength: 200, size: 'max' }), (size, w, evs) => {
      const s = mk({ size, windowsize: w, retries: 1000 });
      s.start();
      for (const e of evs) {
        const before = s.acked;
        const r = e === -1 ? s.onTimeout() : s.onAck(e);
        for (const b of blocks(r)) {
          assert.ok(b > s.acked && b <= Math.min(s.acked + w, s.totalBlocks));
        }
        if (e !== -1 && s.acked === before) assert.deepEqual(blocks(r), [], 'no progress, no data');
      }
    }),
    { numRuns: 500 },
  );
});

test('negotiate: blksize capped at the limit, tsize answered with the size, timeout and windowsize', () => {
  const n = negotiate(
    [['TSIZE', '0'], ['blksize', '9000'], ['timeout', '3'], ['windowsize', '64'], ['unknown', 'x']],
    4242,
    { maxBlksize: 1468, maxWindowsize: 16 },
  );
  assert.equal(n.blksize, 1468);
  assert.equal(n.windowsize, 16);
  assert.equal(n.timeoutMs, 3000);
  assert.deepEqual(n.oack, [['TSIZE', '4242'], ['blksize', '1468'], ['timeout', '3'], ['windowsize', '16']]);
});

test('negotiate: invalid values are left out of the OACK; nothing valid means no OACK', () => {
  const n = negotiate([['blksize', '4'], ['timeout', '0'], ['timeout', '5'], ['windowsize', 'x'], ['tsize', '-1']], 10, { maxBlksize: 1468, maxWindowsize: 1 });
  assert.deepEqual(n.oack, []);
  assert.equal(n.blksize, 512);
  assert.equal(n.timeoutMs, null, 'the first timeout option counts, the duplicate is ignored');
  assert.deepEqual(negotiate([['blksize', '1024']], 1, { maxBlksize: 1468, maxWindowsize: 1 }).oack, [['blksize', '1024']]);
});

test('negotiate: a timeout above the cap is not acknowledged (RFC 2349: echo it or leave it out) and the server keeps its own', () => {
  const limits = { maxBlksize: 1468, maxWindowsize: 16, maxTimeoutSeconds: 5 };
  const big = negotiate([['blksize', '1024'], ['timeout', '255']], 10, limits);
  assert.equal(big.timeoutMs, null);
  assert.deepEqual(big.oack, [['blksize', '1024']]);
  const ok = negotiate([['timeout', '5']], 10, limits);
  assert.equal(ok.timeoutMs, 5000);
  assert.deepEqual(ok.oack, [['timeout', '5']]);
  assert.equal(negotiate([['timeout', '6']], 10, { maxBlksize: 1468, maxWindowsize: 16 }).timeoutMs, null, 'a few seconds by default');
});

test('before the first ACK a transfer lives at most firstAckMs, then ends without a word (no reflection)', () => {
  // A 19-byte request without options, from a forged source that never answers.
  const s = mk({ size: 100_000, timeoutMs: 1000, maxTimeoutMs: 8000, retries: 5, firstAckMs: 6000 });
  const sent: SessionAction[] = [...s.start()];
  let waited = timers(sent)[0]!;
  while (!s.done) {
    const r = s.onTimeout();
    sent.push(...r);
    for (const ms of timers(r)) waited += ms;
  }
  assert.deepEqual(blocks(sent), [1, 1, 1], 'DATA 1 three times, not six');
  assert.equal(sent.filter((a) => a.type === 'error').length, 0, 'no ERROR to a peer that never answered');
  assert.equal(end(sent)?.result, 'timeout');
  assert.equal(waited, 6000, 'the timers add up to the lifetime exactly');
  // Same for an OACK that is never acknowledged.
  const o = mk({ size: 10, timeoutMs: 1000, retries: 5, firstAckMs: 2500, oack: [['tsize', '10']] });
  const oSent: SessionAction[] = [...o.start()];
  while (!o.done) oSent.push(...o.onTimeout());
  assert.equal(oSent.filter((a) => a.type === 'oack').length, 2);
  assert.deepEqual(timers(oSent), [1000, 1500]);
});

test('once the client acknowledged, the usual retries and the final ERROR apply', () => {
  const s = mk({ size: 100_000, timeoutMs: 1000, maxTimeoutMs: 8000, retries: 5, firstAckMs: 2000 });
  s.start();
  s.onAck(1);
  const sent: SessionAction[] = [];
  while (!s.done) sent.push(...s.onTimeout());
  assert.deepEqual(blocks(sent), [2, 2, 2, 2, 2]);
  assert.equal(sent.filter((a) => a.type === 'error').length, 1);
});
