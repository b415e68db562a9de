/**
 * Real clients against piman's TFTP server on loopback: tftp-hpa (512-byte
 * blocks, it has no blksize option) and curl (blksize 512 and 1468); `..`,
 * absolute paths, symlinks out of the root and WRQ come back as TFTP errors.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TftpServer } from '../../src/tftp/server.js';
import { silentLogger } from '../../src/log.js';
import { nativeDatagrams } from '../../src/tftp/native-datagrams.js';
import { mustRun, skipOrFail } from '../helpers/require-env.js';

const work = mkdtempSync(join(tmpdir(), 'piman-tftp-clients-'));
const root = join(work, 'boot');
const out = join(work, 'out');
const big = randomBytes(2 * 1024 * 1024 + 77);
const exact = randomBytes(1468 * 100); // a multiple of the block size: ends with an empty block
const servers: TftpServer[] = [];

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 60_000, cwd: work }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

before(async () => {
  mkdirSync(join(root, '1a2b3c4d'), { recursive: true });
  mkdirSync(out);
  writeFileSync(join(root, 'big.bin'), big);
  writeFileSync(join(root, 'exact.bin'), exact);
  writeFileSync(join(root, 'cmdline.txt'), 'root=/dev/nfs nfsroot=MASTER:/x\n');
  writeFileSync(join(root, '1a2b3c4d', 'start.elf'), 'serial start.elf');
  writeFileSync(join(work, 'secret'), 'outside the root');
  // boot2 starts with the root's name but is not inside it
  mkdirSync(join(work, 'boot2'));
  writeFileSync(join(work, 'boot2', 'secret'), 'in a sibling of the root');
  symlinkSync('../boot2/secret', join(root, 'sibling'));
});

after(async () => {
  for (const s of servers) await s.stop();
  rmSync(work, { recursive: true, force: true });
});

// Every client runs against transfers in the server's thread and in two worker threads (tftp.workers),
// over node:dgram and over the native datagram path (tftp.datagrams; CI builds it, see scripts/test.sh).
const setups = [0, 2].flatMap((workers) => (['node', 'native'] as const).map((datagrams) => ({ workers, datagrams })));
const nativeMissing = ((n) => ('reason' in n ? n.reason : null))(nativeDatagrams());
for (const { workers, datagrams } of setups) {
  const name = `${workers ? `${workers} transfer workers` : 'in-thread transfers'}, ${datagrams} datagrams`;
  const missing = datagrams === 'native' ? nativeMissing : null;
  describe(name, { skip: missing !== null && !mustRun() ? missing : false }, () => {
    let port = 0;
    const tag = `${workers}${datagrams}`;
    before(async () => {
      // Reached with the addon missing only under CI=true (the describe is skipped otherwise): this fails, naming why.
      if (missing) skipOrFail({ skip: () => undefined }, missing);
      const server = new TftpServer({
        address: '127.0.0.1', port: 0, root, serverAddress: '10.1.2.3', maxTransfers: 50, maxBlksize: 1468,
        maxWindowsize: 16, timeoutMs: 1000, retries: 5, log: silentLogger(), workers, datagrams,
      });
      servers.push(server);
      await server.start();
      port = server.address().port;
    });

    for (const blksize of [512, 1468]) {
      test(`curl fetches files byte-identical with blksize ${blksize}`, async () => {
        for (const [name, content] of [['big.bin', big], ['exact.bin', exact]] as const) {
          const dest = join(out, `curl-${tag}-${blksize}-${name}`);
          const r = await run('curl', ['-sS', '--tftp-blksize', String(blksize), '-o', dest, `tftp://127.0.0.1:${port}/${name}`]);
          assert.equal(r.code, 0, r.stderr);
          assert.ok(readFileSync(dest).equals(content), `${name} identical`);
        }
      });
    }

    test('tftp-hpa fetches files byte-identical (512-byte blocks), serial folder and cmdline.txt rewrite', async () => {
      for (const [name, expected] of [
        ['big.bin', big],
        ['exact.bin', exact],
        ['1a2b3c4d/start.elf', Buffer.from('serial start.elf')],
        ['cmdline.txt', Buffer.from('root=/dev/nfs nfsroot=10.1.2.3:/x\n')],
      ] as const) {
        const dest = join(out, `hpa-${tag}-${name.replace('/', '_')}`);
        const r = await run('tftp', ['-m', 'binary', '127.0.0.1', String(port), '-c', 'get', name, dest]);
        assert.equal(r.code, 0, r.stderr);
        assert.doesNotMatch(r.stdout + r.stderr, /Error/);
        assert.ok(readFileSync(dest).equals(expected), `${name} identical`);
      }
    });

    test('tftp-hpa in its default netascii mode gets text and CR bytes back unchanged', async () => {
      const text = Buffer.concat([Buffer.from('line one\nline two\r\nbare\rcr\n'), randomBytes(3000)]);
      writeFileSync(join(root, `text${tag}.txt`), text);
      const dest = join(out, `hpa-text${tag}.txt`);
      const r = await run('tftp', ['127.0.0.1', String(port), '-c', 'get', `text${tag}.txt`, dest]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(readFileSync(dest).equals(text));
    });

    test('curl: .., absolute paths and uploads are refused with TFTP access violation (curl exit 69)', async () => {
      for (const url of [`tftp://127.0.0.1:${port}/../secret`, `tftp://127.0.0.1:${port}/1a2b3c4d/../../secret`, `tftp://127.0.0.1:${port}//etc/passwd`]) {
        const r = await run('curl', ['-s', '--path-as-is', '-o', join(out, 'refused'), url]);
        assert.equal(r.code, 69, `${url}: CURLE_TFTP_PERM`);
      }
      const put = await run('curl', ['-s', '-T', join(work, 'secret'), `tftp://127.0.0.1:${port}/upload.txt`]);
      assert.equal(put.code, 69);
      const missing = await run('curl', ['-s', '-o', join(out, 'missing'), `tftp://127.0.0.1:${port}/nothere`]);
      assert.equal(missing.code, 68, 'CURLE_TFTP_NOTFOUND');
    });

    test('tftp-hpa: .., absolute paths and put get ERROR 2 with a reason', async () => {
      const cases: Array<[string[], RegExp]> = [
        [['get', '../secret', join(out, 'x')], /Error code 2: '\.\.' is not allowed/],
        [['get', '/etc/passwd', join(out, 'x')], /Error code 2: absolute paths are not served/],
        [['get', 'sibling', join(out, 'x')], /Error code 2: sibling leads outside the TFTP root/],
        [['put', join(work, 'secret'), 'upload.txt'], /Error code 2: this TFTP server is read-only/],
      ];
      for (const [cmd, want] of cases) {
        const r = await run('tftp', ['-m', 'binary', '127.0.0.1', String(port), '-c', ...cmd]);
        assert.match(r.stdout + r.stderr, want);
      }
    });
  });
}
