/**
 * Transfers in worker threads (tftp.workers): what only that mode can get
 * wrong. A worker that dies takes only its own transfers down and is
 * replaced; stopping the server tells running clients; file handles moved
 * into workers are all closed again; malformed packets on a transfer
 * socket are still counted by the server.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import { mkdtempSync, writeFileSync, rmSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TftpServer, TransferEndEvent } from '../../src/tftp/server.js';
import { encodeTftp, decodeTftp } from '../../src/tftp/packet.js';
import { tftpGet } from '../../src/tftp/client.js';
import { nextMessage } from '../helpers/udp-wait.js';
import { startTftp, loopbackUdp } from '../helpers/tftp-fixture.js';
import { eventually } from '../helpers/eventually.js';

const root = mkdtempSync(join(tmpdir(), 'piman-tftp-workers-'));
const file = randomBytes(300_000);
writeFileSync(join(root, 'f.bin'), file);
writeFileSync(join(root, 'cmdline.txt'), 'nfsroot=MASTER:/srv\n');
const servers: TftpServer[] = [];
const sockets: Socket[] = [];

after(async () => {
  for (const s of sockets) s.close();
  for (const s of servers) await s.stop();
  rmSync(root, { recursive: true, force: true });
});

const serve = (workers: number): ReturnType<typeof startTftp> =>
  startTftp(servers, { root, serverAddress: '10.9.8.7', maxTransfers: 50, timeoutMs: 5000, workers });
const udp = (): Promise<Socket> => loopbackUdp(sockets);

/** Sends an RRQ and returns the first reply with the transfer's port. */
async function request(c: Socket, port: number, filename: string): Promise<{ reply: ReturnType<typeof decodeTftp>; tid: number }> {
  const got = nextMessage(c);
  c.send(encodeTftp({ op: 'rrq', filename, mode: 'octet', options: [] }), port, '127.0.0.1');
  const [msg, from] = await got;
  return { reply: decodeTftp(msg), tid: from.port };
}

/** The end of the transfer to client port `port` (ends arrive from workers asynchronously). */
function endOf(server: TftpServer, port: number): Promise<TransferEndEvent> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the transfer to port ${port} did not end within 5 s`)), 5000);
    const on = (e: TransferEndEvent): void => {
      if (e.port !== port) return;
      clearTimeout(t);
      server.off('transferEnd', on);
      resolve(e);
    };
    server.on('transferEnd', on);
  });
}

const openFds = (): number => readdirSync('/proc/self/fd').length;
/** Descriptors of this process (every thread) open on the served file. */
const openOnFile = (): number =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === join(root, 'f.bin');
    } catch {
      return false; // closed in between
    }
  }).length;
/** Worker threads and their message ports alive in this process (each worker holds one). */
const messagePorts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;


test('a worker that dies ends only its transfer with an error; the server serves meanwhile, and a new worker takes its place', async () => {
  const { server, port } = await serve(1);
  const c = await udp();
  const { reply } = await request(c, port, 'f.bin');
  assert.equal(reply.op, 'data', 'the transfer started in the worker');
  const [thread] = server.transferThreads;
  assert.ok(thread);
  const ended = endOf(server, c.address().port);
  await thread.terminate();
  const e = await ended;
  assert.equal(e.result, 'error');
  assert.match(e.detail, /transfer worker stopped/);
  assert.equal(server.activeTransfers, 0);
  // The replacement starts in the background; meanwhile the server's own thread serves,
  // at once: the client's first retransmission (after 2 s) is not needed.
  const t0 = Date.now();
  const meanwhile = await tftpGet({ host: '127.0.0.1', port, file: 'f.bin', blksize: 1468, timeoutMs: 2000, retries: 3 });
  assert.ok(meanwhile.data.equals(file));
  assert.ok(Date.now() - t0 < 1500, `served in ${Date.now() - t0} ms`);
  await eventually(() => server.transferThreads.length >= 1 && server.transferThreads[0] !== thread, 'a replacement worker', 10_000);
  const r = await tftpGet({ host: '127.0.0.1', port, file: 'f.bin', blksize: 1468, timeoutMs: 2000, retries: 3 });
  assert.ok(r.data.equals(file));
});

test('a worker that dies mid-transfer leaves none of its transfer sockets open', async () => {
  const { server, port } = await serve(1);
  const c = await udp();
  const sockets = (): number =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
      } catch {
        return false; // closed in between
      }
    }).length;
  const before = sockets();
  const { reply } = await request(c, port, 'f.bin');
  assert.equal(reply.op, 'data', 'the transfer started in the worker');
  assert.equal(sockets(), before + 1, 'its transfer socket is open');
  const [thread] = server.transferThreads;
  assert.ok(thread);
  await thread.terminate();
  await eventually(() => sockets() <= before, "the dead worker's transfer socket closed", 5000);
});

test('stopping the server tells a client mid-transfer with ERROR 0 and ends its threads', async () => {
  const portsBefore = messagePorts();
  const { server, port } = await serve(2);
  assert.equal(messagePorts(), portsBefore + 2);
  const c = await udp();
  const { reply } = await request(c, port, 'f.bin');
  assert.equal(reply.op, 'data');
  const got = nextMessage(c);
  await server.stop();
  const [msg] = await got;
  assert.deepEqual(decodeTftp(msg), { op: 'error', code: 0, message: 'server shutting down' });
  assert.equal(messagePorts(), portsBefore, 'both worker threads ended');
});

test('stopping the server while a dead worker is being replaced ends the replacement too', async () => {
  const portsBefore = messagePorts();
  const { server } = await serve(1);
  const [thread] = server.transferThreads;
  assert.ok(thread);
  await thread.terminate();
  // The pool has started a replacement (it takes ~100 ms to load); stop before it is ready.
  await server.stop();
  // Ready or not, it must not stay: it would keep the process alive and serve nothing.
  await eventually(() => messagePorts() === portsBefore, 'no worker thread left', 3000);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(messagePorts(), portsBefore, 'none came back once ready');
});

test('file handles moved into workers are closed after complete and aborted transfers', async () => {
  const { server, port } = await serve(2);
  // Warm up both threads at once (the least busy takes each): a thread's first transfer loads modules and
  // opens the runtime's own descriptors, and the native datagram path's one epoll set per thread.
  await Promise.all([1, 2].map(() => tftpGet({ host: '127.0.0.1', port, file: 'f.bin', blksize: 1468, timeoutMs: 2000, retries: 3 })));
  // The client is done before the worker has seen the final ACK: wait for the server's side too.
  await eventually(() => server.activeTransfers === 0 && openOnFile() === 0, 'the warm-up transfer ended', 5000);
  const c = await udp(); // the aborting client below, opened before counting
  const before = openFds();
  const results = await Promise.all(Array.from({ length: 20 }, () => tftpGet({ host: '127.0.0.1', port, file: 'f.bin', blksize: 512, timeoutMs: 2000, retries: 3 })));
  assert.ok(results.every((r) => r.data.equals(file)));
  // A client that aborts with ERROR 0 after the first block (the Pi 4's tsize probe does so after the OACK).
  const ended = endOf(server, c.address().port);
  const { tid } = await request(c, port, 'f.bin');
  c.send(encodeTftp({ op: 'error', code: 0, message: 'probe done' }), tid, '127.0.0.1');
  assert.equal((await ended).result, 'aborted');
  await eventually(() => openOnFile() === 0, 'every descriptor on the file closed', 5000);
  await eventually(() => openFds() <= before, 'no more descriptors (sockets) open than before the transfers', 5000);
});

test('cmdline.txt from a worker has MASTER replaced; a malformed packet on a transfer socket is counted', async () => {
  const { server, port } = await serve(2);
  const r = await tftpGet({ host: '127.0.0.1', port, file: 'cmdline.txt', blksize: 512, timeoutMs: 2000, retries: 3 });
  assert.equal(r.data.toString(), 'nfsroot=10.9.8.7:/srv\n');
  const c = await udp();
  const { tid } = await request(c, port, 'f.bin');
  c.send(Buffer.from([0, 99, 1]), tid, '127.0.0.1');
  await eventually(() => server.stats.malformed >= 1, 'the malformed packet counted', 5000);
  assert.equal(server.stats.malformed, 1);
});

test('the Pi 4 probe: ERROR 0 after the OACK, then the same file again from the same port, is served at once', async () => {
  const { server, port } = await serve(2);
  const c = await udp();
  const rrq = encodeTftp({ op: 'rrq', filename: 'f.bin', mode: 'octet', options: [['tsize', '0'], ['blksize', '1024']] });
  for (let round = 0; round < 20; round++) {
    let got = nextMessage(c);
    c.send(rrq, port, '127.0.0.1');
    const [oack, from] = await got;
    assert.equal(decodeTftp(oack).op, 'oack');
    // Abort and ask again right away, before the worker's end can have reached the server.
    c.send(encodeTftp({ op: 'error', code: 0, message: 'tsize probe' }), from.port, '127.0.0.1');
    got = nextMessage(c, 500);
    const t0 = Date.now();
    c.send(rrq, port, '127.0.0.1');
    const [again, from2] = await got;
    assert.equal(decodeTftp(again).op, 'oack', `round ${round}`);
    assert.notEqual(from2.port, from.port, 'a new transfer');
    // Taken for a retransmission, it would wait for the client's timeout (nextMessage fails after 500 ms).
    assert.ok(Date.now() - t0 < 500, `answered in ${Date.now() - t0} ms`);
    c.send(encodeTftp({ op: 'error', code: 0, message: 'done' }), from2.port, '127.0.0.1');
  }
  assert.equal(server.stats.served, 0);
});

test('with workerIdleMs no thread starts before the first request (an idle daemon never holds them); the first request is served and starts them', async () => {
  const portsBefore = messagePorts();
  const { server, port } = await startTftp(servers, { root, serverAddress: '10.9.8.7', maxTransfers: 50, timeoutMs: 5000, workers: 2, workerIdleMs: 60_000 });
  // Each thread's isolate left ~6 MB in the daemon's RSS even after it ended (README "Benchmarks").
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(server.transferThreads.length, 0, 'no thread at start');
  assert.equal(messagePorts(), portsBefore, 'no thread being started either');
  // Served in this thread meanwhile (the next test times that).
  const r = await tftpGet({ host: '127.0.0.1', port, file: 'f.bin', blksize: 1468, timeoutMs: 2000, retries: 3 });
  assert.ok(r.data.equals(file));
  await eventually(() => server.transferThreads.length === 2, 'threads started by the first request', 10_000);
  const { reply } = await request(await udp(), port, 'f.bin');
  assert.equal(reply.op, 'data');
  await eventually(() => server.activeTransfers === 1 && server.transferThreads.length === 2, 'a transfer running in a thread', 5000);
});

test('idle threads end after workerIdleMs without a transfer (memory back at idle); the next request is served at once and starts them again', async () => {
  const portsBefore = messagePorts();
  const { server, port } = await startTftp(servers, { root, serverAddress: '10.9.8.7', maxTransfers: 50, timeoutMs: 5000, workers: 2, workerIdleMs: 300 });
  await tftpGet({ host: '127.0.0.1', port, file: 'f.bin', blksize: 1468, timeoutMs: 2000, retries: 3 });
  await eventually(() => server.transferThreads.length === 2, 'threads started by a request', 10_000);
  await eventually(() => server.transferThreads.length === 0 && messagePorts() === portsBefore, 'the idle threads ended', 5000);
  const t0 = Date.now();
  const r = await tftpGet({ host: '127.0.0.1', port, file: 'f.bin', blksize: 1468, timeoutMs: 2000, retries: 3 });
  assert.ok(r.data.equals(file));
  assert.ok(Date.now() - t0 < 1500, `served in ${Date.now() - t0} ms, without waiting for a thread`);
  await eventually(() => server.transferThreads.length === 2, 'threads started again by the request', 10_000);
  // A transfer in flight keeps its thread: none ends while one runs, however long.
  const c = await udp();
  const { reply } = await request(c, port, 'f.bin');
  assert.equal(reply.op, 'data');
  await new Promise((res) => setTimeout(res, 600));
  assert.equal(server.transferThreads.length, 2, 'threads kept while a transfer runs');
  assert.equal(server.activeTransfers, 1);
});

test("a transfer thread's young generation is capped (a storm grew each to tens of MB)", async () => {
  const { server } = await serve(1);
  const [thread] = server.transferThreads;
  assert.ok(thread);
  const young = thread.resourceLimits?.maxYoungGenerationSizeMb ?? Infinity;
  assert.ok(young <= 8, `maxYoungGenerationSizeMb ${young}`);
});
