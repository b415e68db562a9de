/**
 * 200 transfers at once all arrive intact; tftp.maxTransfers caps running
 * transfers (requests beyond it are dropped, so boot ROMs retry later);
 * a retransmitted request does not start a second transfer.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TftpServer, TftpServerOptions } from '../../src/tftp/server.js';
import { encodeTftp, decodeTftp } from '../../src/tftp/packet.js';
import { tftpGet } from '../../src/tftp/client.js';
import { nextMessage, messagesDuring, type Datagram } from '../helpers/udp-wait.js';
import { startTftp, loopbackUdp } from '../helpers/tftp-fixture.js';
import { eventually } from '../helpers/eventually.js';
import { skipOrFail } from '../helpers/require-env.js';

const work = mkdtempSync(join(tmpdir(), 'piman-tftp-conc-'));
const root = join(work, 'boot');
const files = Array.from({ length: 10 }, (_, i) => randomBytes(50_000 + i * 7919));
const small = randomBytes(100); // one block
const servers: TftpServer[] = [];
const sockets: Socket[] = [];

const serve = (over: Partial<TftpServerOptions> = {}): ReturnType<typeof startTftp> => startTftp(servers, { root, ...over });
const udp = (): Promise<Socket> => loopbackUdp(sockets);

before(() => {
  mkdirSync(root);
  files.forEach((f, i) => writeFileSync(join(root, `f${i}.bin`), f));
  writeFileSync(join(root, 'small.txt'), small);
});

after(async () => {
  for (const s of sockets) s.close();
  for (const s of servers) await s.stop();
  rmSync(work, { recursive: true, force: true });
});

// Every test runs with transfers in the server's thread and in two worker threads (tftp.workers).
for (const workers of [0, 2]) {
  const mode = workers ? `, ${workers} transfer workers` : ', in-thread';

  test(`200 concurrent transfers complete byte-identical${mode}`, async () => {
    const { server, port } = await serve({ workers });
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const r = await tftpGet({ host: '127.0.0.1', port, file: `f${i % 10}.bin`, blksize: i % 2 ? 1468 : 512, tsize: true, timeoutMs: 3000, retries: 8 });
        peak = Math.max(peak, server.activeTransfers);
        return r.data.equals(files[i % 10]!);
      }),
    );
    assert.equal(results.filter(Boolean).length, 200);
    assert.ok(peak > 1, 'transfers overlapped');
  });

  test(`maxTransfers caps running transfers; a retransmitted RRQ does not start a second transfer${mode}`, async () => {
    const { server, port } = await serve({ maxTransfers: 3, timeoutMs: 5000, workers });
    // Three clients that request and then stay silent hold three transfers open.
    const holders = await Promise.all([udp(), udp(), udp()]);
    const rrq = encodeTftp({ op: 'rrq', filename: 'f0.bin', mode: 'octet', options: [] });
    for (const h of holders) {
      const got = nextMessage(h);
      h.send(rrq, port, '127.0.0.1');
      const [msg] = await got;
      assert.equal(decodeTftp(msg).op, 'data');
      // The same request again (a client retransmitting) must not count twice, nor start
      // a second transfer: nothing arrives (the first one retransmits only after 5 s).
      // 100 ms is past a transfer worker's 30 ms check of a repeated request.
      const after = messagesDuring(h, 100);
      h.send(rrq, port, '127.0.0.1');
      assert.deepEqual(await after, [], 'no second transfer');
    }
    const extra = await udp();
    const answer = nextMessage(extra);
    extra.send(rrq, port, '127.0.0.1');
    // A WRQ after it from the same socket: its refusal proves the RRQ was handled first.
    extra.send(encodeTftp({ op: 'wrq', filename: 'x', mode: 'octet', options: [] }), port, '127.0.0.1');
    const [reply] = await answer;
    assert.deepEqual(decodeTftp(reply), { op: 'error', code: 2, message: 'this TFTP server is read-only' }, 'the capped RRQ got no answer');
    assert.equal(server.stats.busy, 1);
    assert.equal(server.activeTransfers, 3);
  });

  test(`a retransmitted request that arrives just before the final ACK does not send the file again${mode}`, async () => {
    const { server, port } = await serve({ timeoutMs: 5000, workers });
    const requested: string[] = [];
    server.on('transferEnd', (e) => requested.push(e.result));
    for (let round = 0; round < 10; round++) {
      const c = await udp();
      const rrq = encodeTftp({ op: 'rrq', filename: 'small.txt', mode: 'octet', options: [] });
      const first = nextMessage(c);
      c.send(rrq, port, '127.0.0.1');
      const [data, from] = await first;
      assert.deepEqual(decodeTftp(data), { op: 'data', block: 1, data: small });
      // The client's retransmission (sent before DATA 1 reached it) lands just before its ACK.
      const later = messagesDuring(c, 200);
      c.send(rrq, port, '127.0.0.1');
      c.send(encodeTftp({ op: 'ack', block: 1 }), from.port, '127.0.0.1');
      assert.deepEqual(await later, [], `round ${round}: nothing more arrives`);
    }
    await eventually(() => requested.length === 10, 'ten transfers ended');
    assert.deepEqual(requested, Array(10).fill('complete'));
    assert.equal(server.stats.served, 10);
  });

  test(`a request from UDP port 0 (forged) is dropped and counted${mode}`, async (t) => {
    if (process.getuid?.() !== 0) return skipOrFail(t, 'needs root for a raw socket');
    const { server, port } = await serve({ workers });
    // UDP header with source port 0, then an RRQ; only a raw socket can send that.
    const py = `import socket,struct\np=b'\\x00\\x01small.txt\\x00octet\\x00'\ns=socket.socket(socket.AF_INET,socket.SOCK_RAW,socket.IPPROTO_UDP)\ns.sendto(struct.pack('!HHHH',0,${port},8+len(p),0)+p,('127.0.0.1',0))`;
    execFileSync('python3', ['-c', py], { timeout: 5000 });
    await eventually(() => server.stats.malformed === 1, 'the packet was counted as malformed');
    assert.equal(server.activeTransfers, 0);
    const r = await tftpGet({ host: '127.0.0.1', port, file: 'small.txt', timeoutMs: 2000, retries: 2 });
    assert.ok(r.data.equals(small), 'still serving');
  });

  test(`a new file requested from the same client port replaces the unfinished transfer${mode}`, async () => {
    const { server, port } = await serve({ timeoutMs: 5000, workers });
    const c = await udp();
    const next = (): Promise<Datagram> => nextMessage(c);
    let got = next();
    c.send(encodeTftp({ op: 'rrq', filename: 'f0.bin', mode: 'octet', options: [] }), port, '127.0.0.1');
    const [first, from0] = await got;
    assert.deepEqual(decodeTftp(first), { op: 'data', block: 1, data: files[0]!.subarray(0, 512) });
    // The final ACK of f0 "got lost"; the client asks for the next file from the same port.
    got = next();
    c.send(encodeTftp({ op: 'rrq', filename: 'f1.bin', mode: 'octet', options: [] }), port, '127.0.0.1');
    const [second, from1] = await got;
    assert.notEqual(from1.port, from0.port, 'a new transfer ID');
    assert.deepEqual(decodeTftp(second), { op: 'data', block: 1, data: files[1]!.subarray(0, 512) });
    assert.equal(server.activeTransfers, 1);
    // A worker reports the end of the replaced transfer asynchronously.
    await eventually(() => server.stats.aborted === 1, 'the replaced transfer counted as aborted');
  });
}
