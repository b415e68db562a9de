/**
 * The DHCP server on loopback (unprivileged ports): scripted Pi 3 / Pi 4
 * clients, unknown MACs, pool clients, lease persistence, and a fuzz flood.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { Cluster } from '../../src/cluster/cluster.js';
import { MemoryStateStore } from '../../src/store/state-store.js';
import { DhcpServer } from '../../src/dhcp/server.js';
import { LeaseStore } from '../../src/dhcp/leases.js';
import { MessageType, Opt, getIp, getString } from '../../src/dhcp/options.js';
import type { ServerSettings } from '../../src/dhcp/policy.js';
import { DhcpTestClient } from '../helpers/dhcp-client.js';
import { header, pi3Discover, pi4Discover, pi4Request, PI3_XID, PI_OPTION_43 } from '../vectors/dhcp-pi.js';
import { dhcpRandomDatagram } from '../helpers/fc-sizes.js';

const SETTINGS: ServerSettings = { address: '127.0.0.2', netmask: '255.0.0.0', router: '127.0.0.2', dns: ['127.0.0.53'], leaseSeconds: 600 };
const PI3_A = [0xb8, 0x27, 0xeb, 0, 0, 0x0a];
const PI3_B = [0xb8, 0x27, 0xeb, 0, 0, 0x0b];
const PI4 = [0xdc, 0xa6, 0x32, 0, 0, 0x0c];
const LEARNED = [0xe4, 0x5f, 0x01, 0, 0, 0x0d];
const mac = (b: number[]): string => b.map((x) => x.toString(16).padStart(2, '0')).join(':');

let dir: string;
let cluster: Cluster;
let leases: LeaseStore;
let server: DhcpServer;
let client: DhcpTestClient;
const logLines: Array<Record<string, unknown>> = [];

async function startServer(pool?: { start: string; end: string }): Promise<DhcpServer> {
  const log = pino({ level: 'info' }, { write: (s: string) => void logLines.push(JSON.parse(s) as Record<string, unknown>) });
  const s = new DhcpServer({
    settings: SETTINGS,
    port: 0,
    listenAddress: '127.0.0.1',
    clientPort: client.port,
    broadcastAddress: '127.0.0.1',
    pool,
    relays: [],
    cluster,
    leases,
    log,
  });
  await s.start();
  return s;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'piman-dhcp-'));
  cluster = await Cluster.open({
    switches: [{ index: 1, name: 'sw1', address: '127.0.0.9', ports: 16 }],
    hosts: [
      { switchIndex: 1, port: 10, mac: mac(PI3_A), ip: '127.0.1.10', hostname: 'pi10' },
      { switchIndex: 1, port: 11, mac: mac(PI3_B), ip: '127.0.1.11', hostname: 'pi11' },
      { switchIndex: 1, port: 12, mac: mac(PI4), ip: '127.0.1.12', hostname: 'pi12' },
    ],
    store: new MemoryStateStore(),
    timeoutMs: 600_000,
  });
  leases = await LeaseStore.open(dir);
  client = await DhcpTestClient.open();
  server = await startServer({ start: '127.0.2.100', end: '127.0.2.101' });
});

after(async () => {
  await server?.stop();
  await leases?.close();
  await client?.close();
  await rm(dir, { recursive: true, force: true });
});

test('two Pi 3 with the same xid each get their own address from the OFFER alone', async () => {
  await client.send(pi3Discover(PI3_A), server.port);
  await client.send(pi3Discover(PI3_B), server.port);
  const a = await client.waitFor(mac(PI3_A), MessageType.OFFER);
  const b = await client.waitFor(mac(PI3_B), MessageType.OFFER);
  assert.equal(a.xid, PI3_XID);
  assert.equal(b.xid, PI3_XID);
  assert.equal(a.yiaddr, '127.0.1.10');
  assert.equal(b.yiaddr, '127.0.1.11');
  for (const r of [a, b]) {
    assert.equal(r.siaddr, '127.0.0.2');
    assert.equal(getIp(r, Opt.serverId), '127.0.0.2');
    assert.equal(getString(r, Opt.tftpServerName), '127.0.0.2');
    assert.deepEqual(r.options.get(Opt.vendorSpecific), PI_OPTION_43); // the vector, not the source's constant
  }
  // No REQUEST ever comes: the OFFER alone moves the port on.
  assert.equal(cluster.port({ switchIndex: 1, port: 10 })?.state, 'netbooting');
  assert.equal(cluster.port({ switchIndex: 1, port: 11 })?.state, 'netbooting');
  assert.ok(cluster.getCounters().dhcpOffers >= 2);
});

test('Pi 4 full DORA: the ACK keeps the PXE options although the REQUEST lacks option 60; lease persisted', async () => {
  const acksBefore = cluster.getCounters().dhcpAcks;
  await client.send(pi4Discover(PI4), server.port);
  const offer = await client.waitFor(mac(PI4), MessageType.OFFER);
  assert.equal(offer.yiaddr, '127.0.1.12');
  await client.send(pi4Request([127, 0, 1, 12], [127, 0, 0, 2], PI4), server.port);
  const ack = await client.waitFor(mac(PI4), MessageType.ACK);
  assert.equal(ack.yiaddr, '127.0.1.12');
  assert.equal(getString(ack, Opt.vendorClass), 'PXEClient');
  assert.equal(getString(ack, Opt.hostname), 'pi12');
  assert.equal(cluster.getCounters().dhcpAcks, acksBefore + 1);
  assert.equal(cluster.port({ switchIndex: 1, port: 12 })?.state, 'netbooting');
  await leases.close();
  const file = JSON.parse(await readFile(join(dir, 'dhcp-leases.json'), 'utf8')) as { leases: Array<{ mac: string; ip: string }> };
  assert.ok(file.leases.some((l) => l.mac === mac(PI4) && l.ip === '127.0.1.12'));
});

test('a REQUEST for an address that is not the client’s gets a NAK', async () => {
  await client.send(pi4Request([127, 0, 1, 13], [127, 0, 0, 2], PI4), server.port);
  const nak = await client.waitFor(mac(PI4), MessageType.NAK);
  assert.equal(nak.yiaddr, '0.0.0.0');
});

test('renewal is unicast to ciaddr', async () => {
  const own = await DhcpTestClient.open('127.0.1.12', client.port);
  try {
    const renew = Buffer.from([...header(77, PI4, { ciaddr: [127, 0, 1, 12] }), 53, 1, 3, 255]);
    await client.send(renew, server.port);
    const ack = await own.waitFor(mac(PI4), MessageType.ACK);
    assert.equal(ack.ciaddr, '127.0.1.12');
    assert.equal(ack.yiaddr, '127.0.1.12');
  } finally {
    await own.close();
  }
});

test('mapper-learned MAC gets the port-derived address', async () => {
  await cluster.learnMac({ switchIndex: 1, port: 13 }, mac(LEARNED));
  await client.send(pi4Discover(LEARNED), server.port);
  const offer = await client.waitFor(mac(LEARNED), MessageType.OFFER);
  assert.equal(offer.yiaddr, '127.0.0.13');
  // TFTP and the control channel find the Pi by the address it was given.
  assert.equal(cluster.byIp('127.0.0.13')?.port, 13);
  assert.equal(cluster.port({ switchIndex: 1, port: 13 })?.ip, '127.0.0.13');
});

test('pool client: DORA, persisted, RELEASE, DECLINE takes the address out', async () => {
  const pc = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];
  await client.send(Buffer.from([...header(5, pc), 53, 1, 1, 255]), server.port);
  const offer = await client.waitFor(mac(pc), MessageType.OFFER);
  assert.equal(offer.yiaddr, '127.0.2.100');
  assert.equal(offer.options.has(Opt.vendorSpecific), false);
  await client.send(Buffer.from([...header(5, pc), 53, 1, 3, 50, 4, 127, 0, 2, 100, 54, 4, 127, 0, 0, 2, 255]), server.port);
  const ack = await client.waitFor(mac(pc), MessageType.ACK);
  assert.equal(ack.yiaddr, '127.0.2.100');
  assert.equal(leases.get(mac(pc))?.ip, '127.0.2.100');
  // RELEASE keeps the record expired; DECLINE quarantines the address.
  await client.send(Buffer.from([...header(6, pc, { ciaddr: [127, 0, 2, 100] }), 53, 1, 7, 54, 4, 127, 0, 0, 2, 255]), server.port);
  await client.send(Buffer.from([...header(7, pc), 53, 1, 1, 255]), server.port);
  assert.equal((await client.waitFor(mac(pc), MessageType.OFFER)).yiaddr, '127.0.2.100');
  await client.send(Buffer.from([...header(8, pc), 53, 1, 4, 50, 4, 127, 0, 2, 100, 54, 4, 127, 0, 0, 2, 255]), server.port);
  await client.send(Buffer.from([...header(9, pc), 53, 1, 1, 255]), server.port);
  assert.equal((await client.waitFor(mac(pc), MessageType.OFFER)).yiaddr, '127.0.2.101');
});

test('unknown MAC without a pool: no reply, logged once, counted, listed', async () => {
  await server.stop();
  server = await startServer();
  const unknown = [0x02, 0x99, 0, 0, 0, 1];
  const before = logLines.length;
  await client.send(Buffer.from([...header(1, unknown), 53, 1, 1, 60, 9, ...Buffer.from('PXEClient'), 255]), server.port);
  await client.send(Buffer.from([...header(2, unknown), 53, 1, 1, 255]), server.port);
  // Datagrams on loopback are handled in order: once the Pi's OFFER is here, both unknown DISCOVERs were handled.
  await client.send(pi3Discover(PI3_A), server.port);
  await client.waitFor(mac(PI3_A), MessageType.OFFER);
  assert.deepEqual(client.repliesFor(mac(unknown)), []);
  const listed = server.unknownMacs().find((u) => u.mac === mac(unknown));
  assert.equal(listed?.count, 2);
  assert.equal(listed?.vendorClass, 'PXEClient');
  assert.ok(listed!.firstSeen <= listed!.lastSeen);
  assert.equal(server.stats.unknown, 2);
  assert.equal(logLines.slice(before).filter((l) => String(l.msg).includes(mac(unknown))).length, 1);
});

test('leases survive a restart of the store', async () => {
  await leases.close();
  const again = await LeaseStore.open(dir);
  assert.equal(again.get(mac(PI4))?.ip, '127.0.1.12');
});

test('fuzz: 10,000 random and mutated datagrams into the running server, it keeps answering', async () => {
  const seeds = [pi3Discover(PI3_B), pi4Discover(PI4), pi4Request([127, 0, 1, 12], [127, 0, 0, 2], PI4)];
  const mutated = fc
    .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 8 }))
    .map(([seed, flips]) => {
      const b = Buffer.from(seed);
      for (const [pos, v] of flips) b[pos % b.length] = v;
      return b;
    });
  const samples = fc.sample(fc.oneof(mutated, mutated, dhcpRandomDatagram), { numRuns: 10_000 });
  const receivedBefore = server.stats.received;
  for (let i = 0; i < samples.length; i += 50) {
    await Promise.all(samples.slice(i, i + 50).map((b) => client.send(b, server.port)));
    // Let the server drain its socket so the flood is processed, not dropped by the kernel.
    const sent = Math.min(i + 50, samples.length);
    for (let spins = 0; server.stats.received - receivedBefore < sent && spins < 200; spins++) await new Promise((r) => setImmediate(r));
  }
  await client.send(pi4Discover(PI4), server.port);
  const offer = await client.waitFor(mac(PI4), MessageType.OFFER, 30_000);
  assert.equal(offer.yiaddr, '127.0.1.12');
  assert.ok(server.stats.received - receivedBefore > 5_000, `server saw only ${server.stats.received - receivedBefore} datagrams`);
  assert.ok(server.stats.malformed > 0);
});
