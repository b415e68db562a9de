/**
 * Real clients across a veth pair: curl and tftp-hpa run inside a network
 * namespace made for this test and fetch from piman in the root namespace
 * (blksize 1468 fills a 1500-byte Ethernet frame exactly). Needs root.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { skipOrFail } from '../helpers/require-env.js';
import { TftpServer } from '../../src/tftp/server.js';
import { silentLogger } from '../../src/log.js';

const isRoot = process.getuid?.() === 0;
const NS = `piman-tftp-${process.pid}`;
const HOST_IF = `ptf${process.pid % 100000}h`;
const NS_IF = `ptf${process.pid % 100000}n`;
const net = 100 + (process.pid % 150);
const SERVER_IP = `172.31.${net}.1`;
const PI_IP = `172.31.${net}.2`;
const work = mkdtempSync(join(tmpdir(), 'piman-tftp-netns-'));
const root = join(work, 'boot');
const content = randomBytes(3 * 1024 * 1024 + 5);
let server: TftpServer | null = null;
let port = 0;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'ignore' });
}

function inNs(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', NS, cmd, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: stdout + stderr });
    });
  });
}

before(async () => {
  if (!isRoot) return;
  mkdirSync(root);
  writeFileSync(join(root, 'kernel8.img'), content);
  ip('netns', 'add', NS);
  ip('link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', NS_IF);
  ip('link', 'set', NS_IF, 'netns', NS);
  ip('addr', 'add', `${SERVER_IP}/30`, 'dev', HOST_IF);
  ip('link', 'set', HOST_IF, 'up');
  ip('-n', NS, 'addr', 'add', `${PI_IP}/30`, 'dev', NS_IF);
  ip('-n', NS, 'link', 'set', NS_IF, 'up');
  ip('-n', NS, 'link', 'set', 'lo', 'up');
  server = new TftpServer({ address: SERVER_IP, port: 0, root, serverAddress: SERVER_IP, maxTransfers: 10, maxBlksize: 1468, maxWindowsize: 16, timeoutMs: 1000, retries: 5, log: silentLogger() });
  await server.start();
  port = server.address().port;
});

after(async () => {
  await server?.stop();
  if (isRoot) {
    try {
      ip('link', 'del', HOST_IF);
    } catch {
      /* gone with the namespace */
    }
    try {
      ip('netns', 'del', NS);
    } catch {
      /* not created */
    }
  }
  rmSync(work, { recursive: true, force: true });
});

test('curl (blksize 512 and 1468) and tftp-hpa fetch across a veth pair', async (t) => {
  if (!isRoot) return skipOrFail(t, 'needs root for network namespaces');
  for (const b of ['512', '1468']) {
    const dest = join(work, `curl-${b}`);
    const r = await inNs('curl', ['-sS', '--tftp-blksize', b, '-o', dest, `tftp://${SERVER_IP}:${port}/kernel8.img`]);
    assert.equal(r.code, 0, r.out);
    assert.ok(readFileSync(dest).equals(content), `curl blksize ${b}`);
  }
  const dest = join(work, 'hpa');
  const r = await inNs('tftp', ['-m', 'binary', SERVER_IP, String(port), '-c', 'get', 'kernel8.img', dest]);
  assert.equal(r.code, 0, r.out);
  assert.ok(readFileSync(dest).equals(content), 'tftp-hpa');
  const refused = await inNs('curl', ['-s', '--path-as-is', '-o', join(work, 'x'), `tftp://${SERVER_IP}:${port}/../etc/passwd`]);
  assert.equal(refused.code, 69);
});
