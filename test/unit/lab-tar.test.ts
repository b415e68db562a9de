import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { tarStream } from '../helpers/fc-sizes.js';
import { buildTar, TarReader, type TarFile } from '../../src/lab/tar.js';
import { receiveRootfs, RELEASE_FILE } from '../../src/lab/rootfs-receiver.js';

const entries = [
  { name: 'etc' },
  { name: RELEASE_FILE, data: Buffer.from('piman-lab 2\n') },
  { name: 'bin/busybox', data: Buffer.alloc(1500, 7) },
  { name: 'empty', data: Buffer.alloc(0) },
];

function read(buf: Buffer, chunk: number): { files: TarFile[]; bytes: Map<string, number> } {
  const files: TarFile[] = [];
  const bytes = new Map<string, number>();
  const r = new TarReader(
    (f) => files.push(f),
    (f, c) => bytes.set(f.name, (bytes.get(f.name) ?? 0) + c.length),
  );
  for (let i = 0; i < buf.length; i += chunk) r.push(buf.subarray(i, i + chunk));
  r.end();
  return { files, bytes };
}

test('tar: what buildTar writes, TarReader reads back, whatever the chunking', () => {
  const tar = buildTar(entries);
  assert.equal(tar.length % 512, 0);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4000 }), (chunk) => {
      const { files, bytes } = read(tar, chunk);
      assert.deepEqual(
        files.map((f) => [f.name, f.type, f.size]),
        [
          ['etc/', 'dir', 0],
          [RELEASE_FILE, 'file', 12],
          ['bin/busybox', 'file', 1500],
          ['empty', 'file', 0],
        ],
      );
      assert.equal(bytes.get('bin/busybox'), 1500);
    }),
  );
});

test('tar: a flipped header byte fails the checksum; a cut archive fails at end()', () => {
  const tar = buildTar(entries);
  const bad = Buffer.from(tar);
  bad[3] = bad[3]! ^ 0x20;
  assert.throws(() => read(bad, 512), /checksum/);
  assert.throws(() => read(tar.subarray(0, 1024 + 100), 512), /ends inside a file|end-of-archive/);
  assert.throws(() => read(tar.subarray(0, tar.length - 1024), 512), /end-of-archive/);
});

test('tar reader: arbitrary bytes only ever raise DecodeError', () => {
  fc.assert(
    fc.property(tarStream, (bytes) => {
      try {
        read(bytes, 300);
      } catch (e) {
        assert.equal((e as { code?: string }).code, 'E_DECODE', String(e));
      }
    }),
  );
});

test('receiveRootfs: verifies and summarises a gzip tar stream', async () => {
  const gz = gzipSync(buildTar(entries));
  const img = await receiveRootfs(Readable.from([gz.subarray(0, 50), gz.subarray(50)]));
  assert.equal(img.release, 'piman-lab 2');
  assert.equal(img.files, 3);
  assert.equal(img.gzBytes, gz.length);
  assert.match(img.sha256, /^[0-9a-f]{64}$/);
});

test('receiveRootfs: a truncated or corrupt stream is an E_ROOTFS error', async () => {
  const gz = gzipSync(buildTar(entries));
  await assert.rejects(receiveRootfs(Readable.from([gz.subarray(0, gz.length - 10)])), (e: { code?: string }) => e.code === 'E_ROOTFS');
  const bad = Buffer.from(gz);
  bad[bad.length - 6] = bad[bad.length - 6]! ^ 0xff; // CRC32 trailer
  await assert.rejects(receiveRootfs(Readable.from([bad])), (e: { code?: string }) => e.code === 'E_ROOTFS');
  await assert.rejects(receiveRootfs(Readable.from([Buffer.alloc(0)])), (e: { code?: string }) => e.code === 'E_ROOTFS');
});
