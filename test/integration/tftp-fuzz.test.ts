/**
 * Fuzz the running server: 10,000+ random and mutated packets at the
 * request port and into a live transfer; nothing escapes, and the server
 * still serves files correctly afterwards.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { TftpServer } from '../../src/tftp/server.js';
import { encodeTftp, decodeTftp, type TftpPacket } from '../../src/tftp/packet.js';
import { tftpGet } from '../../src/tftp/client.js';
import { silentLogger } from '../../src/log.js';
import { bytes, tftpDataPayload } from '../helpers/fc-sizes.js';

const work = mkdtempSync(join(tmpdir(), 'piman-tftp-fuzz-'));
const root = join(work, 'boot');
const file = randomBytes(200_000);
let server: TftpServer;
let workerServer: TftpServer | undefined;
let port = 0;
const sockets: Socket[] = [];

const name = fc.constantFrom('file.bin', 'cmdline.txt', '../x', '/etc/passwd', 'nothere', '1a2b3c4d/file.bin', 'a\u00ff', 'x'.repeat(300));
const packet: fc.Arbitrary<TftpPacket> = fc.oneof(
  fc.record({ op: fc.constantFrom('rrq' as const, 'wrq' as const), filename: name, mode: fc.constantFrom('octet', 'netascii', 'mail', 'OCTET', 'x'), options: fc.array(fc.tuple(fc.constantFrom('blksize', 'tsize', 'timeout', 'windowsize', 'zz'), fc.oneof(fc.nat().map(String), fc.string({ maxLength: 6 }).filter((s) => !s.includes('\u0000')))), { maxLength: 4 }) }),
  fc.record({ op: fc.constant('data' as const), block: fc.integer({ min: 0, max: 65535 }), data: tftpDataPayload }),
  fc.record({ op: fc.constant('ack' as const), block: fc.integer({ min: 0, max: 65535 }) }),
  fc.record({ op: fc.constant('error' as const), code: fc.integer({ min: 0, max: 65535 }), message: fc.constantFrom('', 'x', 'abort') }),
  fc.record({ op: fc.constant('oack' as const), options: fc.array(fc.tuple(fc.constantFrom('blksize', 'tsize'), fc.nat().map(String)), { maxLength: 3 }) }),
);
const mutated = fc.tuple(packet, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(), fc.boolean()).map(([p, flips, cut, truncate]) => {
  const b = Buffer.from(encodeTftp(p));
  for (const [i, v] of flips) b[i % b.length] = v;
  return truncate ? b.subarray(0, cut % (b.length + 1)) : b;
});
const anyPacket = fc.oneof(packet.map((p) => encodeTftp(p)), mutated, bytes(700));

async function udp(): Promise<Socket> {
  const s = createSocket('udp4');
  sockets.push(s);
  s.on('error', () => undefined);
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  return s;
}

/** Sends packets, yielding now and then so the server keeps up and the socket buffer does not overflow. */
async function blast(s: Socket, to: number, pkts: Buffer[]): Promise<void> {
  for (let i = 0; i < pkts.length; i++) {
    s.send(pkts[i]!, to, '127.0.0.1');
    if (i % 50 === 49) await new Promise((r) => setImmediate(r));
  }
}

before(async () => {
  mkdirSync(join(root, '1a2b3c4d'), { recursive: true });
  writeFileSync(join(root, 'file.bin'), file);
  writeFileSync(join(root, 'cmdline.txt'), 'a=MASTER\n');
  // Short timeouts so the transfers that fuzzed requests start end quickly.
  server = new TftpServer({ address: '127.0.0.1', port: 0, root, serverAddress: '10.0.0.1', maxTransfers: 200, maxBlksize: 1468, maxWindowsize: 16, timeoutMs: 100, retries: 1, log: silentLogger() });
  await server.start();
  port = server.address().port;
  workerServer = new TftpServer({ address: '127.0.0.1', port: 0, root, serverAddress: '10.0.0.1', maxTransfers: 200, maxBlksize: 1468, maxWindowsize: 16, timeoutMs: 100, retries: 1, log: silentLogger(), workers: 1 });
  await workerServer.start();
});

after(async () => {
  for (const s of sockets) s.close();
  await server?.stop();
  await workerServer?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('10,000 random and mutated packets at the request port: server keeps answering', async () => {
  const s = await udp();
  s.on('message', () => undefined);
  await blast(s, port, fc.sample(anyPacket, { numRuns: 10_000, seed: 42 }));
  // Still serving, byte-identical, from a fresh client.
  const r = await tftpGet({ host: '127.0.0.1', port, file: 'file.bin', blksize: 1468, tsize: true, timeoutMs: 2000 });
  assert.ok(r.data.equals(file));
  assert.ok(server.stats.malformed > 1000, `malformed packets were counted (${server.stats.malformed})`);
  assert.ok(server.stats.refused > 100, `bad requests were refused (${server.stats.refused})`);
});

for (const inWorker of [false, true]) {
  test(`5,000 random and mutated packets into a live transfer${inWorker ? ' in a worker thread' : ''}: it ends or goes on, the server survives`, async () => {
    const srv = inWorker ? workerServer! : server;
    const port = srv.address().port;
    const s = await udp();
    let tid = 0;
    const first = new Promise<void>((resolve) => {
      s.on('message', (msg, rinfo) => {
        if (tid === 0 && rinfo.port !== port) {
          tid = rinfo.port;
          resolve();
        }
        void msg;
      });
    });
    s.send(encodeTftp({ op: 'rrq', filename: 'file.bin', mode: 'octet', options: [['blksize', '512']] }), port, '127.0.0.1');
    await first;
    await blast(s, tid, fc.sample(anyPacket, { numRuns: 5000, seed: 7 }));
    const r = await tftpGet({ host: '127.0.0.1', port, file: 'file.bin', blksize: 512, timeoutMs: 2000 });
    assert.ok(r.data.equals(file));
    if (inWorker) assert.equal(srv.transferThreads.length, 1, 'the worker survived');
  });
}

test('no answer from the server is ever undecodable', async () => {
  const s = await udp();
  const replies: Buffer[] = [];
  s.on('message', (m) => replies.push(m));
  const pkts = fc.sample(packet.map((p) => encodeTftp(p)), { numRuns: 300, seed: 3 });
  await blast(s, port, pkts);
  await tftpGet({ host: '127.0.0.1', port, file: 'cmdline.txt', timeoutMs: 2000 });
  for (const m of replies) decodeTftp(m);
  assert.ok(replies.length > 0);
});
