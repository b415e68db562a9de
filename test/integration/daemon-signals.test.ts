/**
 * `piman server` as systemd drives it: SIGHUP reloads hosts.csv while a TFTP
 * transfer is in flight (the new Pi gets its lease, the transfer completes),
 * a broken hosts.csv leaves the old bindings with one log line, changed
 * settings that need a restart are named; SIGTERM stops within 5 s with the
 * state saved.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, mkdir, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonLines } from '../helpers/json-lines.js';
import { freeTcpPort, freeUdpPort } from '../helpers/ports.js';
import { DhcpTestClient } from '../helpers/dhcp-client.js';
import { pi4Discover } from '../vectors/dhcp-pi.js';
import { MessageType } from '../../src/dhcp/options.js';
import { encodeAck, encodeRrq, decodeServerPacket } from '../../src/lab/tftp-client.js';

const PIMAN = new URL('../../bin/piman.js', import.meta.url).pathname;
const PI1 = [0xdc, 0xa6, 0x32, 0, 0, 1];
const PI2 = [0xdc, 0xa6, 0x32, 0, 0, 2];
const macText = (m: number[]): string => m.map((b) => b.toString(16).padStart(2, '0')).join(':');

const work = await mkdtemp(join(tmpdir(), 'piman-signals-'));
const client = await DhcpTestClient.open();
const tftpSock = dgram.createSocket('udp4');
await new Promise<void>((r) => tftpSock.bind(0, '127.0.0.1', r));
const ports = { dhcp: await freeUdpPort(), tftp: await freeUdpPort(), agent: await freeUdpPort(), metrics: await freeTcpPort() };
const big = randomBytes(64 * 1024);
await mkdir(join(work, 'boot'));
await writeFile(join(work, 'boot', 'big.bin'), big);
await writeFile(join(work, 'rootfs.tgz'), Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
const HOSTS_HEAD = 'switch,port,mac,ip,hostname\n';
await writeFile(join(work, 'hosts.csv'), `${HOSTS_HEAD}sw1,1,${macText(PI1)},127.0.1.1,pi1\n`);
function yaml(tftpRetries: number): string {
  return [
    'server: { address: 127.0.0.1, netmask: 255.0.0.0 }',
    `dhcp: { port: ${ports.dhcp}, clientPort: ${client.port}, listenAddress: 127.0.0.1, broadcastAddress: 127.0.0.1 }`,
    `tftp: { address: 127.0.0.1, port: ${ports.tftp}, root: ./boot, timeoutSeconds: 5, retries: ${tftpRetries}, workers: 0 }`,
    `agent: { address: 127.0.0.1, port: ${ports.agent}, readCommunity: sEcReT-r, writeCommunity: sEcReT-w, switchPollSeconds: 0 }`,
    'control: { address: 127.0.0.1, port: 0 }',
    'install: { address: 127.0.0.1, port: 0 }',
    'log: { level: info }',
    'switches:',
    '  - { name: sw1, address: 127.0.0.1, port: 9, ports: 8, timeoutMs: 20000, retries: 0 }',
    '',
  ].join('\n');
}
await writeFile(join(work, 'piman.yaml'), yaml(3));

let server: ChildProcess | null = null;
after(async () => {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  await client.close();
  tftpSock.close();
  await rm(work, { recursive: true, force: true });
});

server = spawn(process.execPath, [PIMAN, '-c', join(work, 'piman.yaml'), 'server'], { stdio: ['ignore', 'pipe', 'pipe'] });
const out = new JsonLines(server.stdout!);
let stderr = '';
server.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
await out.waitFor((j) => j.msg === 'piman server running', 'the server to run', 30_000);

function sighup(): number {
  const from = out.items.length;
  server!.kill('SIGHUP');
  return from;
}

/** A TFTP read driven block by block, so the test decides when it goes on. */
function tftpPackets(): { next: (ms?: number) => Promise<{ block: number; data: Buffer; port: number }> } {
  const queue: Array<{ block: number; data: Buffer; port: number }> = [];
  const waiters: Array<() => void> = [];
  tftpSock.on('message', (msg, rinfo) => {
    const p = decodeServerPacket(msg);
    if (p.op === 'data') queue.push({ block: p.block, data: Buffer.from(p.data), port: rinfo.port });
    for (const w of waiters.splice(0)) w();
  });
  return {
    async next(ms = 10_000) {
      const end = Date.now() + ms;
      while (queue.length === 0) {
        if (Date.now() > end) throw new Error('no TFTP DATA in time');
        await new Promise<void>((r) => {
          const t = setTimeout(r, 50);
          waiters.push(() => (clearTimeout(t), r()));
        });
      }
      return queue.shift()!;
    },
  };
}

test('SIGHUP with a Pi added to hosts.csv: the new Pi gets its lease while a transfer in flight completes', async () => {
  const tftp = tftpPackets();
  tftpSock.send(encodeRrq({ file: 'big.bin' }), ports.tftp, '127.0.0.1');
  const first = await tftp.next();
  assert.equal(first.block, 1);

  await appendFile(join(work, 'hosts.csv'), `sw1,2,${macText(PI2)},127.0.1.2,pi2\n`);
  const from = sighup();
  const done = await out.waitFor((j) => /^reloaded/.test(String(j.msg)), 'the reload log line', 10_000, from);
  assert.equal(done.level, 30, JSON.stringify(done));
  assert.equal(server!.exitCode, null, 'still running');

  await client.send(pi4Discover(PI2, 0x1234), ports.dhcp);
  const offer = await client.waitFor(macText(PI2), MessageType.OFFER);
  assert.equal(offer.yiaddr, '127.0.1.2');

  // The transfer started before the reload goes on to the end, on the same transfer port.
  const chunks = [first.data];
  let pkt = first;
  for (;;) {
    tftpSock.send(encodeAck(pkt.block), pkt.port, '127.0.0.1');
    if (pkt.data.length < 512) break;
    const n = await tftp.next();
    if (n.block !== pkt.block + 1) continue;
    assert.equal(n.port, first.port);
    chunks.push(n.data);
    pkt = n;
  }
  assert.ok(Buffer.concat(chunks).equals(big), 'the whole file arrived intact');
});

test('SIGHUP with a broken hosts.csv: one log line with its code, the old bindings keep working', async () => {
  await appendFile(join(work, 'hosts.csv'), 'sw1,3,not-a-mac,127.0.1.3,pi3\n');
  const from = sighup();
  const err = await out.waitFor((j) => j.level === 50, 'the refusal', 10_000, from);
  assert.equal(err.code, 'E_HOSTS');
  assert.match(String(err.msg), /hosts\.csv/);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(out.items.slice(from).filter((j) => Number(j.level) >= 40).length, 1, 'exactly one line');
  await client.send(pi4Discover(PI2, 0x2345), ports.dhcp);
  assert.equal((await client.waitFor(macText(PI2), MessageType.OFFER)).yiaddr, '127.0.1.2');
  await client.send(pi4Discover(PI1, 0x3456), ports.dhcp);
  assert.equal((await client.waitFor(macText(PI1), MessageType.OFFER)).yiaddr, '127.0.1.1');
});

test('SIGHUP with a changed setting that needs a restart: named in a warning, no secret logged', async () => {
  await writeFile(join(work, 'hosts.csv'), `${HOSTS_HEAD}sw1,1,${macText(PI1)},127.0.1.1,pi1\nsw1,2,${macText(PI2)},127.0.1.2,pi2\n`);
  await writeFile(join(work, 'piman.yaml'), yaml(4).replace('sEcReT-w', 'n3w-sEcReT'));
  const from = sighup();
  const warn = await out.waitFor((j) => j.level === 40, 'the restart warning', 10_000, from);
  assert.deepEqual(warn.restartNeeded, ['tftp.retries', 'agent.writeCommunity']);
  assert.doesNotMatch(JSON.stringify(out.items), /sEcReT/, 'community strings never reach the log');
  assert.doesNotMatch(stderr, /sEcReT/);
});

test('SIGTERM stops within 5 s, exit 0, with the state saved, even while a power cycle waits on a switch that does not answer', async () => {
  // A cycle on port 3: the switch (nothing on 127.0.0.1:9) never answers, so the power controller is busy for 2 x 5 s.
  await writeFile(join(work, 'cli.yaml'), yaml(3));
  const cli = spawn(process.execPath, [PIMAN, '-c', join(work, 'cli.yaml'), 'restart', '3'], { stdio: 'ignore' });
  // No log line marks the SET; the CLI needs ~2-3 s to start and send it. The 'still stopping' line below proves the cycle was in flight.
  await new Promise((r) => setTimeout(r, 4500));
  cli.kill('SIGKILL');
  // Counted after the file went out, so only the final save writes it.
  const t0 = Date.now();
  server!.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const [code] = (await Promise.race([
    new Promise((r) => server!.once('exit', (c, s) => r([c, s]))),
    new Promise((_, rej) => (timer = setTimeout(() => rej(new Error('not stopped within 10 s')), 10_000))),
  ]).finally(() => clearTimeout(timer))) as [number | null];
  const ms = Date.now() - t0;
  assert.ok(ms < 5000, `stopped in ${ms} ms`);
  assert.equal(code, 0, stderr);
  const state = JSON.parse(await readFile(join(work, 'state', 'cluster.json'), 'utf8')) as { counters: { tftpFiles: number; dhcpOffers: number } };
  assert.equal(state.counters.tftpFiles, 1);
  assert.ok(state.counters.dhcpOffers >= 3, JSON.stringify(state.counters));
  assert.ok(out.items.some((j) => j.msg === 'stopped'), 'a last line says it stopped');
  assert.ok(out.items.some((j) => /parts still stopping/.test(String(j.msg))), 'the power cycle was still running at SIGTERM: ' + JSON.stringify(out.items.slice(-6)));
});
