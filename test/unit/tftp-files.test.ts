import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { requestCandidates, rewriteMaster } from '../../src/tftp/paths.js';
import { FileSource, type OpenResult } from '../../src/tftp/files.js';
import { BlockReader } from '../../src/tftp/reader.js';
import { toNetascii } from '../../src/tftp/netascii.js';

const work = mkdtempSync(join(tmpdir(), 'piman-tftp-files-'));
after(() => rmSync(work, { recursive: true, force: true }));
const root = join(work, 'boot');
mkdirSync(join(root, 'dc-a6-32-01-36-c2'), { recursive: true });
mkdirSync(join(root, '1a2b3c4d'), { recursive: true });
mkdirSync(join(root, 'overlays'));
writeFileSync(join(root, 'start4.elf'), 'root start4');
writeFileSync(join(root, 'config.txt'), 'root config');
writeFileSync(join(root, 'dc-a6-32-01-36-c2', 'config.txt'), 'mac config');
writeFileSync(join(root, '1a2b3c4d', 'start4.elf'), 'serial start4');
writeFileSync(join(root, 'overlays', 'x.dtbo'), 'overlay');
writeFileSync(join(root, 'cmdline.txt'), 'root=/dev/nfs nfsroot=MASTER:/srv ip=dhcp master=MASTER MASTERS\n');
writeFileSync(join(work, 'secret'), 'outside');
symlinkSync(join(work, 'secret'), join(root, 'escape'));
symlinkSync('../', join(root, 'up'));
// A sibling folder whose name starts with the root's: /x/boot2 is not inside /x/boot.
mkdirSync(join(work, 'boot2'));
writeFileSync(join(work, 'boot2', 'secret'), 'sibling');
symlinkSync('../boot2/secret', join(root, 'sibling'));
symlinkSync(join(work, 'boot2'), join(root, 'sibling-dir'));
symlinkSync('overlays/x.dtbo', join(root, 'inside-link'));

const src = new FileSource({ root, serverAddress: '10.0.0.1' });
async function content(r: OpenResult): Promise<string> {
  assert.ok(r.ok, `expected a file, got ${JSON.stringify(r)}`);
  if (!r.ok) return '';
  const buf = Buffer.alloc(r.file.size);
  await r.file.read(0, buf);
  await r.file.close();
  return buf.toString();
}

test('candidates: prefix folders fall back to the root; a known MAC looks in its folder first', () => {
  assert.deepEqual(requestCandidates('1a2b3c4d/start4.elf', null), { ok: true, name: '1a2b3c4d/start4.elf', paths: ['1a2b3c4d/start4.elf', 'start4.elf'] });
  assert.deepEqual(requestCandidates('DC-A6-32-01-36-C2/x', null), { ok: true, name: 'DC-A6-32-01-36-C2/x', paths: ['DC-A6-32-01-36-C2/x', 'x'] });
  assert.deepEqual(requestCandidates('config.txt', 'dc:a6:32:01:36:c2'), { ok: true, name: 'config.txt', paths: ['dc-a6-32-01-36-c2/config.txt', 'config.txt'] });
  assert.deepEqual(requestCandidates('./overlays//x.dtbo', null), { ok: true, name: 'overlays/x.dtbo', paths: ['overlays/x.dtbo'] });
});

test('candidates: a name that is not valid UTF-8 is file-not-found, said plainly', () => {
  assert.deepEqual(requestCandidates('\xff\xfeA', null), { ok: false, code: 1, message: 'file name is not valid UTF-8' });
  assert.deepEqual(requestCandidates(Buffer.from('é.txt', 'utf8').toString('latin1'), null), { ok: true, name: 'é.txt', paths: ['é.txt'] });
});

test('candidates: absolute paths and .. are access violations', () => {
  for (const bad of ['/etc/passwd', '../etc/passwd', 'a/../../b', 'overlays/..', '\\windows']) {
    const r = requestCandidates(bad, null);
    assert.equal(r.ok, false, bad);
    if (!r.ok) assert.equal(r.code, 2, bad);
  }
});

test('property: no candidate ever contains a .. segment or starts with /', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom('..', '.', '', 'a', '1a2b3c4d', '/', '\\', 'b..c'), { maxLength: 8 }), (parts) => {
      const r = requestCandidates(parts.join('/'), 'dc:a6:32:01:36:c2');
      if (!r.ok) return;
      for (const p of r.paths) {
        assert.ok(!p.startsWith('/'));
        assert.ok(!p.split('/').includes('..'));
      }
    }),
  );
});

test('MASTER is replaced as a word by the server address', () => {
  assert.equal(rewriteMaster(Buffer.from('a=MASTER:/x b=MASTERS MASTER'), '10.0.0.1').toString(), 'a=10.0.0.1:/x b=MASTERS 10.0.0.1');
});

test('file source: serial folder, MAC folder, fallback to root, cmdline.txt rewritten with its new size', async () => {
  assert.equal(await content(await src.open('1a2b3c4d/start4.elf', null)), 'serial start4');
  assert.equal(await content(await src.open('deadbeef/start4.elf', null)), 'root start4');
  assert.equal(await content(await src.open('config.txt', 'dc:a6:32:01:36:c2')), 'mac config');
  assert.equal(await content(await src.open('config.txt', 'b8:27:eb:00:00:01')), 'root config');
  const cmd = await src.open('cmdline.txt', null);
  assert.ok(cmd.ok && cmd.file.size === 'root=/dev/nfs nfsroot=10.0.0.1:/srv ip=dhcp master=10.0.0.1 MASTERS\n'.length);
  assert.equal(await content(cmd), 'root=/dev/nfs nfsroot=10.0.0.1:/srv ip=dhcp master=10.0.0.1 MASTERS\n');
  assert.equal(await content(await src.open('inside-link', null)), 'overlay', 'a symlink inside the root is fine');
});

test('file source: a symlink into a sibling folder whose name extends the root (boot -> boot2) is refused with error 2', async () => {
  assert.deepEqual(await src.open('sibling', null), { ok: false, code: 2, message: 'sibling leads outside the TFTP root' });
  assert.deepEqual(await src.open('sibling-dir/secret', null), { ok: false, code: 2, message: 'sibling-dir/secret leads outside the TFTP root' });
});

test('file source: symlinks out of the root, missing files and directories are refused', async () => {
  assert.deepEqual(await src.open('escape', null), { ok: false, code: 2, message: 'escape leads outside the TFTP root' });
  const up = await src.open('up/secret', null);
  assert.equal(up.ok, false);
  if (!up.ok) assert.equal(up.code, 2);
  const missing = await src.open('nothere.bin', null);
  assert.equal(missing.ok, false);
  if (!missing.ok) assert.equal(missing.code, 1);
  const dir = await src.open('overlays', null);
  assert.equal(dir.ok, false);
  if (!dir.ok) assert.equal(dir.code, 1);
  const noRoot = await new FileSource({ root: join(work, 'nope'), serverAddress: '1.2.3.4' }).open('x', null);
  assert.equal(noRoot.ok, false);
});

test('block reader serves every block of a multi-chunk file, and across a rollover', async () => {
  const big = Buffer.alloc(300_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
  writeFileSync(join(root, 'big.bin'), big);
  const r = await src.open('big.bin', null);
  assert.ok(r.ok);
  if (!r.ok) return;
  const reader = new BlockReader(r.file, 1000);
  const parts: Buffer[] = [];
  for (let b = 1; b <= 301; b++) parts.push(Buffer.from(await reader.block(b, Math.max(0, Math.min(1000, big.length - (b - 1) * 1000)))));
  assert.ok(Buffer.concat(parts).equals(big));
  // Retransmission of an earlier block after moving on.
  assert.ok(Buffer.from(await reader.block(60, 1000)).equals(big.subarray(59_000, 60_000)));
  await reader.close();
});

test('block reader packets: DATA header with the wire block number, rollover, empty final block', async () => {
  // 65536 + 1 blocks of 8 bytes: block 65536 goes out as 0, the file ends with an empty block.
  const blk = 8;
  const data = Buffer.alloc(65537 * blk);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13) & 0xff;
  writeFileSync(join(root, 'roll.bin'), data);
  const r = await src.open('roll.bin', null);
  assert.ok(r.ok);
  if (!r.ok) return;
  const reader = new BlockReader(r.file, blk);
  for (const b of [1, 2, 65535, 65536, 65537, 65538]) {
    const p = await reader.packet(b);
    assert.equal(p.readUInt16BE(0), 3);
    assert.equal(p.readUInt16BE(2), b & 0xffff, `wire number of block ${b}`);
    const want = data.subarray((b - 1) * blk, Math.min(data.length, b * blk));
    assert.ok(p.subarray(4).equals(want), `payload of block ${b}`);
  }
  assert.equal((await reader.packet(65538)).length, 4);
  await reader.close();
});

test('block reader refills a left-behind buffer only when the socket queue is idle', async () => {
  const big = Buffer.alloc(400_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  writeFileSync(join(root, 'reuse.bin'), big);
  for (const idle of [true, false]) {
    const r = await src.open('reuse.bin', null);
    assert.ok(r.ok);
    if (!r.ok) return;
    const reader = new BlockReader(r.file, 1000, () => idle);
    const first = await reader.packet(1);
    const copy = Buffer.from(first);
    for (let b = 2; b <= 401; b++) {
      const p = await reader.packet(b);
      assert.ok(p.subarray(4).equals(big.subarray((b - 1) * 1000, b * 1000)), `block ${b}`);
    }
    // A packet possibly still queued (idle false) keeps its bytes; with idle true its buffer was refilled.
    assert.equal(first.equals(copy), !idle);
    await reader.close();
  }
});

test('netascii: LF -> CR LF, CR -> CR NUL, converted size up front, reads in order in any piece size', async () => {
  writeFileSync(join(root, 'text.txt'), 'a\nb\rc\r\n');
  const want = Buffer.from('a\r\nb\r\u0000c\r\u0000\r\n', 'latin1');
  for (const piece of [1, 2, 3, 100]) {
    const r = await src.open('text.txt', null);
    assert.ok(r.ok);
    if (!r.ok) return;
    const f = await toNetascii(r.file);
    assert.equal(f.size, want.length);
    const parts: Buffer[] = [];
    for (let pos = 0; pos < f.size; pos += piece) {
      const b = Buffer.alloc(piece);
      const n = await f.read(pos, b);
      parts.push(b.subarray(0, n));
    }
    assert.ok(Buffer.concat(parts).equals(want), `piece size ${piece}`);
    await assert.rejects(f.read(0, Buffer.alloc(1)), /out of order/);
    await f.close();
  }
});

test('block reader in a transfer thread reads chunks at once: packets are ready Buffers, every block right', async () => {
  const big = Buffer.alloc(200_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 11) & 0xff;
  writeFileSync(join(root, 'sync.bin'), big);
  const r = await src.open('sync.bin', null);
  assert.ok(r.ok);
  if (!r.ok) return;
  const reader = new BlockReader(r.file, 1000, () => true, undefined, true);
  for (let b = 1; b <= 201; b++) {
    const p = reader.packet(b);
    assert.ok(Buffer.isBuffer(p), `block ${b} is served without waiting`);
    assert.equal(p.readUInt16BE(2), b);
    assert.ok(p.subarray(4).equals(big.subarray((b - 1) * 1000, Math.min(big.length, b * 1000))), `block ${b}`);
  }
  // A retransmission of the previous chunk's last block, after moving on.
  assert.ok((reader.packet(65) as Buffer).subarray(4).equals(big.subarray(64_000, 65_000)));
  await reader.close();
});

test('block reader in a transfer thread: a file that shrank while served is an error for the missing blocks', async () => {
  writeFileSync(join(root, 'shrink.bin'), Buffer.alloc(150_000, 7));
  const r = await src.open('shrink.bin', null);
  assert.ok(r.ok);
  if (!r.ok) return;
  writeFileSync(join(root, 'shrink.bin'), Buffer.alloc(70_500, 7));
  const reader = new BlockReader(r.file, 1000, () => true, undefined, true);
  assert.equal((reader.packet(70) as Buffer).length, 1004);
  assert.throws(() => reader.packet(71), /file shrank/);
  await reader.close();
});

test('in-thread reads of an in-memory file (cmdline.txt) match its async reads', async () => {
  const r = await src.open('cmdline.txt', null);
  assert.ok(r.ok);
  if (!r.ok) return;
  const bufs = [Buffer.alloc(10), Buffer.alloc(10), Buffer.alloc(100)];
  assert.ok(r.file.readvSync);
  const n = r.file.readvSync!(5, bufs);
  const want = Buffer.alloc(r.file.size);
  await r.file.read(0, want);
  assert.equal(n, want.length - 5);
  assert.ok(Buffer.concat(bufs).subarray(0, n).equals(want.subarray(5)));
  await r.file.close();
});

test('block reader in a transfer thread: a read that fails is reported for the block asked for, not thrown', async () => {
  writeFileSync(join(root, 'gone.bin'), Buffer.alloc(5_000, 1));
  const r = await src.open('gone.bin', null);
  assert.ok(r.ok);
  if (!r.ok) return;
  const reader = new BlockReader(r.file, 1000, () => true, undefined, true);
  await r.file.close(); // the handle is closed: every read fails
  const p = reader.packet(1);
  assert.ok(p instanceof Promise);
  await assert.rejects(p, /"fd"|EBADF/);
});

test('block reader: a transfer allocates at most 96 KiB of read buffers whatever the file size (a boot storm holds 100s)', async () => {
  // 2 MiB at blksize 1468: every buffer the packets live in, counted once. 64 KiB chunks (up to 3 held, 2 spare) took 320 KiB,
  // which at 100 transfers was ~20 MB of the storm's peak RSS (README "Where the memory goes").
  const big = Buffer.alloc(2 * 1048576, 7);
  writeFileSync(join(root, 'held.bin'), big);
  const r = await src.open('held.bin', null);
  assert.ok(r.ok);
  if (!r.ok) return;
  const reader = new BlockReader(r.file, 1468, () => true, undefined, true);
  const buffers = new Set<ArrayBufferLike>();
  const blocks = Math.floor(big.length / 1468) + 1;
  for (let b = 1; b <= blocks; b++) buffers.add((await reader.packet(b)).buffer);
  const bytes = [...buffers].reduce((n, ab) => n + ab.byteLength, 0);
  assert.ok(bytes <= 96 * 1024, `${buffers.size} buffers, ${bytes} bytes`);
  await reader.close();
});
