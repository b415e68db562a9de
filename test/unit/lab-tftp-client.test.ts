import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TftpReadSession, decodeServerPacket, encodeRrq, type ServerPacket } from '../../src/lab/tftp-client.js';

const data = (block: number, len: number): ServerPacket => ({ op: 'data', block, data: Buffer.alloc(len, block) });
const oack = (o: Record<string, string>): ServerPacket => ({ op: 'oack', options: new Map(Object.entries(o)) });
const hex = (b?: Buffer): string | undefined => b?.toString('hex');

test('RRQ bytes: Pi 3 plain, Pi 4 with tsize 0 and blksize 1024', () => {
  assert.equal(encodeRrq({ file: 'bootcode.bin' }).toString('latin1'), '\x00\x01bootcode.bin\x00octet\x00');
  assert.equal(encodeRrq({ file: 'a', tsize: true, blksize: 1024 }).toString('latin1'), '\x00\x01a\x00octet\x00tsize\x000\x00blksize\x001024\x00');
});

test('Pi 4 tsize probe: OACK is answered with ERROR 0 and the size is reported', () => {
  const s = new TftpReadSession({ file: 'start4.elf', tsize: true, blksize: 1024, probe: true });
  const step = s.onPacket(oack({ tsize: '2048', blksize: '1024' }));
  assert.equal(hex(step.send), '0005000041626f727400');
  assert.deepEqual(step.done, { kind: 'probed', blksize: 1024, tsize: 2048 });
});

test('a read with options: ACK 0 after OACK, ACK per block, done on the short block', () => {
  const s = new TftpReadSession({ file: 'k', tsize: true, blksize: 1024 });
  assert.equal(hex(s.onPacket(oack({ tsize: '1030', blksize: '1024' })).send), '00040000');
  assert.equal(hex(s.onPacket(data(1, 1024)).send), '00040001');
  // A duplicate (our ACK was lost) is ACKed again, not appended.
  assert.equal(hex(s.onPacket(data(1, 1024)).send), '00040001');
  const last = s.onPacket(data(2, 6));
  assert.equal(hex(last.send), '00040002');
  assert.equal(last.done?.kind, 'data');
  assert.equal(last.done?.kind === 'data' && last.done.data.length, 1030);
});

test('plain 512-byte transfer; an exact multiple ends with an empty block', () => {
  const s = new TftpReadSession({ file: 'bootcode.bin' });
  assert.equal(s.onPacket(data(1, 512)).done, undefined);
  const end = s.onPacket(data(2, 0));
  assert.equal(end.done?.kind === 'data' && end.done.data.length, 512);
});

test('ERROR ends the session; a tsize mismatch and an oversized block are errors', () => {
  assert.deepEqual(new TftpReadSession({ file: 'x' }).onPacket({ op: 'error', code: 1, message: 'File not found' }).done, {
    kind: 'error',
    code: 1,
    message: 'File not found',
  });
  const s = new TftpReadSession({ file: 'x', tsize: true, blksize: 1024 });
  s.onPacket(oack({ tsize: '10' }));
  assert.equal(s.onPacket(data(1, 4)).done?.kind, 'error');
  const big = new TftpReadSession({ file: 'x' });
  assert.equal(big.onPacket(data(1, 600)).done?.kind, 'error');
  const greedy = new TftpReadSession({ file: 'x', blksize: 1024 });
  assert.equal(greedy.onPacket(oack({ blksize: '1468' })).done?.kind, 'error');
});

test('decodeServerPacket: DATA, OACK, ERROR; arbitrary bytes only raise DecodeError', () => {
  assert.deepEqual(decodeServerPacket(Buffer.from('0003000761', 'hex')), { op: 'data', block: 7, data: Buffer.from('a') });
  const o = decodeServerPacket(Buffer.from('\x00\x06tsize\x0042\x00BLKSIZE\x00512\x00', 'latin1'));
  assert.equal(o.op === 'oack' && o.options.get('blksize'), '512');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600, size: 'max' }), (b) => {
      try {
        decodeServerPacket(b);
      } catch (e) {
        assert.equal((e as { code?: string }).code, 'E_DECODE');
      }
    }),
  );
});
