/**
 * Floods a TFTP server can meet on a boot network (issue 12): requests that
 * are never acknowledged, with `timeout=255`, from one source; requests from
 * forged sources (reflection); file names that are not UTF-8. Each runs with
 * transfers in the server's thread and in a transfer worker.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import type { TftpServer, TransferEndEvent } from '../../src/tftp/server.js';
import { encodeTftp, decodeTftp } from '../../src/tftp/packet.js';
import { tftpGet } from '../../src/tftp/client.js';
import { nextMessage, messagesDuring } from '../helpers/udp-wait.js';
import { startTftp } from '../helpers/tftp-fixture.js';
import { eventually } from '../helpers/eventually.js';

const root = mkdtempSync(join(tmpdir(), 'piman-tftp-flood-'));
const big = randomBytes(200_000);
writeFileSync(join(root, 'start4.elf'), big);
const servers: TftpServer[] = [];
const sockets: Socket[] = [];

after(async () => {
  for (const s of sockets) s.close();
  for (const s of servers) await s.stop();
  rmSync(root, { recursive: true, force: true });
});

/** A client socket on `address` (any 127.0.0.x is local on Linux). */
async function udpOn(address: string): Promise<Socket> {
  const s = createSocket('udp4');
  sockets.push(s);
  s.bind(0, address);
  await once(s, 'listening');
  return s;
}

const rrq = (options: Array<[string, string]> = []): Buffer => encodeTftp({ op: 'rrq', filename: 'start4.elf', mode: 'octet', options });

function endOf(server: TftpServer, port: number, ms: number): Promise<TransferEndEvent> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the transfer to port ${port} did not end within ${ms} ms`)), ms);
    const on = (e: TransferEndEvent): void => {
      if (e.port !== port) return;
      clearTimeout(t);
      server.off('transferEnd', on);
      resolve(e);
    };
    server.on('transferEnd', on);
  });
}

for (const workers of [0, 1]) {
  const mode = workers ? ', in a transfer worker' : ', in-thread';

  test(`a flood of never-acknowledged timeout=255 requests from one source does not keep another from being served${mode}`, async () => {
    const { server, port } = await startTftp(servers, { root, maxTransfers: 8, maxTransfersPerClient: 4, timeoutMs: 1000, workers });
    // 20 transfer IDs on one address, each asking timeout=255 and never acknowledging.
    const flood = await Promise.all(Array.from({ length: 20 }, () => udpOn('127.0.0.2')));
    for (const f of flood) f.send(rrq([['timeout', '255'], ['tsize', '0']]), port, '127.0.0.1');
    await eventually(() => server.stats.clientBusy >= 16, 'the requests beyond the per-source cap are dropped');
    assert.equal(server.activeTransfers, 4, 'one source holds at most maxTransfersPerClient slots');
    // A Pi on another address is served at once.
    const r = await tftpGet({ host: '127.0.0.1', port, file: 'start4.elf', localAddress: '127.0.0.3', blksize: 1468, timeoutMs: 1000, retries: 2 });
    assert.ok(r.data.equals(big));
  });

  test(`a flood from many (forged) unknown addresses leaves a quarter of the slots to the Pis piman knows${mode}`, async () => {
    const known = '127.0.0.7';
    const { server, port } = await startTftp(servers, {
      root, maxTransfers: 8, maxTransfersPerClient: 2, timeoutMs: 1000, workers,
      peerMac: (a) => (a === known ? 'dc:a6:32:00:00:07' : null),
    });
    const flood = await Promise.all(Array.from({ length: 20 }, (_, i) => udpOn(`127.0.0.${10 + (i % 10)}`)));
    for (const f of flood) f.send(rrq(), port, '127.0.0.1');
    await eventually(() => server.stats.busy + server.stats.clientBusy >= 14, 'the flood beyond its share is dropped');
    assert.equal(server.activeTransfers, 6, 'unknown addresses hold at most 3/4 of tftp.maxTransfers');
    const r = await tftpGet({ host: '127.0.0.1', port, file: 'start4.elf', localAddress: known, timeoutMs: 1000, retries: 2 });
    assert.ok(r.data.equals(big));
  });

  test(`a request that is never acknowledged ends within its lifetime, without the timeout it asked for${mode}`, async () => {
    const { server, port } = await startTftp(servers, { root, timeoutMs: 200, retries: 5, workers });
    const c = await udpOn('127.0.0.4');
    const first = nextMessage(c);
    c.send(rrq([['timeout', '255'], ['tsize', '0']]), port, '127.0.0.1');
    const [oack] = await first;
    assert.deepEqual(decodeTftp(oack), { op: 'oack', options: [['tsize', String(big.length)]] }, 'timeout=255 is not acknowledged');
    // Lifetime before the first ACK: 200 ms x 5 retries = 1 s (it used to be 255 s per try).
    const ended = await endOf(server, c.address().port, 4000);
    assert.equal(ended.result, 'timeout');
    await eventually(() => server.activeTransfers === 0, 'the slot is free again');
  });

  test(`one forged 19-byte request reflects at most three DATA packets and no ERROR${mode}`, async () => {
    const { server, port } = await startTftp(servers, { root, timeoutMs: 200, retries: 5, workers });
    const victim = await udpOn('127.0.0.5');
    const req = rrq();
    assert.equal(req.length, 19);
    const got = messagesDuring(victim, 2500);
    const ended = endOf(server, victim.address().port, 4000);
    victim.send(req, port, '127.0.0.1');
    assert.equal((await ended).result, 'timeout');
    const packets = (await got).map(([m]) => decodeTftp(m));
    assert.ok(packets.length <= 3, `${packets.length} packets reflected`);
    assert.ok(packets.every((p) => p.op === 'data' && p.block === 1));
    const bytes = (await got).reduce((n, [m]) => n + m.length, 0);
    assert.ok(bytes <= 3 * 516, `${bytes} bytes reflected for 19`);
  });

  test(`a file name that is not UTF-8 gets an ERROR, and a flood of them logs a few lines${mode}`, async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
    const { server, port } = await startTftp(servers, { root, workers, log });
    const c = await udpOn('127.0.0.6');
    const bad = Buffer.concat([Buffer.from([0, 1, 0xff, 0xfe, 0x41, 0]), Buffer.from('octet\0')]);
    let reply = nextMessage(c);
    c.send(bad, port, '127.0.0.1');
    const [msg] = await reply;
    const p = decodeTftp(msg);
    assert.equal(p.op, 'error');
    assert.ok(p.op === 'error' && (p.code === 1 || p.code === 2), `code ${p.op === 'error' ? p.code : ''}`);
    // A valid UTF-8 name outside Latin-1 that does not exist: file not found, not silence.
    reply = nextMessage(c);
    c.send(Buffer.concat([Buffer.from([0, 1]), Buffer.from('€uro.bin\0octet\0', 'utf8')]), port, '127.0.0.1');
    const [msg2] = await reply;
    assert.deepEqual(decodeTftp(msg2).op, 'error');
    const before = lines.length;
    const flood = await Promise.all(Array.from({ length: 100 }, () => udpOn('127.0.0.6')));
    const answers = Promise.all(flood.map((f) => nextMessage(f)));
    for (const f of flood) f.send(bad, port, '127.0.0.1');
    assert.ok((await answers).every(([m]) => decodeTftp(m).op === 'error'), 'every client gets its ERROR');
    const logged = lines.length - before;
    assert.ok(logged <= 12, `${logged} log lines for 100 bad names`);
  });
}
