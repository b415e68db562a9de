// Boundary cases of TFTP option negotiation (RFC 2348/2349/7440 ranges),
// written to kill the mutants the older tests let live (README "Mutation testing").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { negotiate } from '../../src/tftp/negotiate.js';
import { MIN_BLKSIZE, MAX_BLKSIZE } from '../../src/tftp/packet.js';

const wide = { maxBlksize: MAX_BLKSIZE, maxWindowsize: 65535 };
const one = (name: string, value: string) => negotiate([[name, value]], 77, wide);

test('blksize: the RFC 2348 minimum is accepted, one below it is left out', () => {
  assert.equal(one('blksize', String(MIN_BLKSIZE)).blksize, MIN_BLKSIZE);
  assert.deepEqual(one('blksize', String(MIN_BLKSIZE)).oack, [['blksize', String(MIN_BLKSIZE)]]);
  const below = one('blksize', String(MIN_BLKSIZE - 1));
  assert.equal(below.blksize, 512);
  assert.deepEqual(below.oack, []);
});

test('blksize above the protocol maximum is capped at it even when the configured limit is higher', () => {
  const n = negotiate([['blksize', '99999']], 1, { maxBlksize: 100000, maxWindowsize: 1 });
  assert.equal(n.blksize, MAX_BLKSIZE);
});

test('timeout: 1 and 255 seconds are accepted, 0 and 256 left out (RFC 2349), when the cap allows 255', () => {
  const upTo255 = (value: string) => negotiate([['timeout', value]], 77, { ...wide, maxTimeoutSeconds: 300 });
  assert.equal(upTo255('1').timeoutMs, 1000);
  assert.equal(upTo255('255').timeoutMs, 255_000);
  assert.deepEqual(upTo255('255').oack, [['timeout', '255']]);
  for (const bad of ['0', '256']) {
    const n = upTo255(bad);
    assert.equal(n.timeoutMs, null, bad);
    assert.deepEqual(n.oack, [], bad);
  }
});

test('timeout: by default 5 seconds are accepted and 6 left out (a flood of long timeouts would hold slots)', () => {
  assert.deepEqual(one('timeout', '5').oack, [['timeout', '5']]);
  assert.equal(one('timeout', '5').timeoutMs, 5000);
  assert.equal(one('timeout', '6').timeoutMs, null);
  assert.deepEqual(one('timeout', '6').oack, []);
});

test('windowsize: 1 and 65535 are accepted, 0 and 65536 left out (RFC 7440)', () => {
  assert.equal(one('windowsize', '1').windowsize, 1);
  assert.deepEqual(one('windowsize', '1').oack, [['windowsize', '1']]);
  assert.equal(one('windowsize', '65535').windowsize, 65535);
  for (const bad of ['0', '65536']) {
    const n = negotiate([['windowsize', bad]], 1, { maxBlksize: 1468, maxWindowsize: 8 });
    assert.equal(n.windowsize, 1, bad);
    assert.deepEqual(n.oack, [], bad);
  }
});

test('values must be plain decimal digits, at most ten of them', () => {
  for (const bad of ['1024x', 'x1024', ' 1024', '1024 ', '+1024', '1e3', '00000001024']) {
    const n = one('blksize', bad);
    assert.equal(n.blksize, 512, bad);
    assert.deepEqual(n.oack, [], bad);
  }
  assert.equal(one('blksize', '0000001024').blksize, 1024, 'ten digits with leading zeros are fine');
});

test('option names match case-insensitively and are echoed as the client spelled them; unknown ones are ignored', () => {
  const n = negotiate([['x-vendor', '5'], ['BlkSize', '1024'], ['blksize', '2048'], ['TimeOut', '2']], 1, wide);
  assert.equal(n.blksize, 1024, 'a repeated option (other case) is ignored');
  assert.equal(n.timeoutMs, 2000);
  assert.deepEqual(n.oack, [['BlkSize', '1024'], ['TimeOut', '2']]);
});

test('windowsize is capped at the configured limit, never below 1', () => {
  assert.equal(negotiate([['windowsize', '9']], 1, { maxBlksize: 1468, maxWindowsize: 4 }).windowsize, 4);
  assert.equal(negotiate([['windowsize', '9']], 1, { maxBlksize: 1468, maxWindowsize: 0 }).windowsize, 1);
});
