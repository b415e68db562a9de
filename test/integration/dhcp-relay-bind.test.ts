/**
 * dhcp.option82.bindPorts on loopback: an unknown MAC relayed by a listed
 * relay whose option 82 names a port is bound to it (hosts.csv written
 * atomically, the cluster at once) and answered with its relay subnet's
 * address; every guard refuses what it should. Unprivileged ports, an
 * injected clock.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Cluster } from '../../src/cluster/cluster.js';
import { MemoryStateStore } from '../../src/store/state-store.js';
import { DhcpServer } from '../../src/dhcp/server.js';
import { LeaseStore } from '../../src/dhcp/leases.js';
import { MessageType, Opt, getIp } from '../../src/dhcp/options.js';
import { HostsFileBinder } from '../../src/dhcp/port-binder.js';
import { loadHosts } from '../../src/config/hosts.js';
import { hostsCsv } from '../../src/parts.js';
import { DhcpTestClient } from '../helpers/dhcp-client.js';
import { eventually } from '../helpers/eventually.js';
import { dhcrelayAgentInfo, pi4Discover, pi4Request, relayed } from '../vectors/dhcp-pi.js';

const SWITCHES = [
  { index: 1, name: 'sw1', address: '127.0.0.9', ports: 8 },
  { index: 2, name: 'sw2', address: '127.0.0.10', ports: 8 },
];
const RELAY = '127.0.5.1';
const KNOWN = 'dc:a6:32:00:00:01';
const macBytes = (m: string): number[] => m.split(':').map((h) => parseInt(h, 16));
const text = (s: string): number[] => [1, s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
const cleanup: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function setup(opts: { bind?: boolean; maxPerMinute?: number; hostsFile?: string } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'piman-relay-bind-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const hostsFile = opts.hostsFile ?? join(dir, 'hosts.csv');
  if (!opts.hostsFile) await writeFile(hostsFile, `switch,port,mac,ip,hostname\nsw1,1,${KNOWN},127.0.0.21,pi1\n`);
  const cluster = await Cluster.open({
    switches: SWITCHES,
    hosts: [{ switchIndex: 1, port: 1, mac: KNOWN, ip: '127.0.0.21', hostname: 'pi1' }],
    store: new MemoryStateStore(),
    timeoutMs: 600_000,
  });
  const leases = await LeaseStore.open(join(dir, 'state'));
  cleanup.push(() => leases.close());
  const client = await DhcpTestClient.open();
  cleanup.push(() => client.close());
  const clock = { t: 1_000_000 };
  const lines: Array<Record<string, unknown>> = [];
  const binder =
    opts.bind === false
      ? undefined
      : new HostsFileBinder({
          cluster,
          hosts: hostsCsv(hostsFile, SWITCHES),
          switches: SWITCHES,
          rules: { circuits: [{ circuitId: 'rk-p5', switch: 'sw1', port: 5 }], remoteIds: [], switches: new Map(SWITCHES.map((s) => [s.name, s.ports])) },
          serverAddress: '127.0.0.1',
          maxPerMinute: opts.maxPerMinute ?? 30,
          now: () => clock.t,
        });
  const server = new DhcpServer({
    settings: { address: '127.0.0.1', netmask: '255.255.255.0', router: '127.0.0.1', dns: [], leaseSeconds: 600 },
    port: 0,
    listenAddress: '127.0.0.1',
    clientPort: client.port,
    broadcastAddress: '127.0.0.1',
    relays: [RELAY],
    subnets: [{ network: '127.0.5.0', netmask: '255.255.255.0', router: RELAY }],
    binder,
    cluster,
    leases,
    log: pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) }),
    now: () => clock.t,
  });
  await server.start();
  cleanup.push(() => server.stop());
  const relay = await DhcpTestClient.open(RELAY, server.port);
  cleanup.push(() => relay.close());
  return { server, client, relay, cluster, hostsFile, clock, lines };
}

test('an unknown MAC whose option 82 names sw2:3 is bound there, written to hosts.csv, and offered its relay-subnet address at once', async () => {
  const { server, client, relay, cluster, hostsFile } = await setup();
  const mac = 'dc:a6:32:00:00:33';
  const info = text('sw2:3');
  await client.send(relayed(pi4Discover(macBytes(mac)), [127, 0, 5, 1], info), server.port);
  const offer = await relay.waitFor(mac, MessageType.OFFER, 5000);
  // Host number = port counted over the switches: sw1 has 8, so sw2:3 is .11.
  assert.equal(offer.yiaddr, '127.0.5.11');
  assert.equal(getIp(offer, Opt.router), RELAY);
  assert.deepEqual([...offer.options.get(82)!], info);
  assert.equal(cluster.port({ switchIndex: 2, port: 3 })?.mac, mac);
  assert.equal(cluster.port({ switchIndex: 2, port: 3 })?.ip, '127.0.5.11');
  const hosts = await loadHosts(hostsFile, SWITCHES);
  assert.deepEqual(hosts, [
    { switchIndex: 1, port: 1, mac: KNOWN, ip: '127.0.0.21', hostname: 'pi1' },
    { switchIndex: 2, port: 3, mac, ip: '127.0.5.11', hostname: null },
  ]);
  assert.equal(server.stats.portsBound, 1);
  assert.equal(cluster.unknownMacs.list().some((u) => u.mac === mac), false, 'no longer listed as unknown');
});

test('dhcrelay\'s interface name through a circuits entry binds too', async () => {
  const { server, client, relay, cluster } = await setup();
  const mac = 'dc:a6:32:00:00:55';
  await client.send(relayed(pi4Discover(macBytes(mac)), [127, 0, 5, 1], dhcrelayAgentInfo('rk-p5')), server.port);
  const offer = await relay.waitFor(mac, MessageType.OFFER, 5000);
  assert.equal(offer.yiaddr, '127.0.5.5');
  assert.equal(cluster.port({ switchIndex: 1, port: 5 })?.mac, mac);
});

test('a port that has a MAC is never rebound; a second MAC on it gets nothing and hosts.csv stays', async () => {
  const { server, client, relay, hostsFile, cluster } = await setup();
  const before = await readFile(hostsFile, 'utf8');
  const intruder = 'dc:a6:32:00:00:99';
  await client.send(relayed(pi4Discover(macBytes(intruder)), [127, 0, 5, 1], text('sw1:1')), server.port);
  await eventually(() => server.stats.bindRefused === 1, 'the binding is refused');
  assert.equal(await readFile(hostsFile, 'utf8'), before);
  assert.equal(cluster.port({ switchIndex: 1, port: 1 })?.mac, KNOWN);
  assert.deepEqual(relay.received, []);
});

test('only a relayed request binds: option 82 with giaddr 0 (an L2 agent, or a forger on the Pi network) binds nothing', async () => {
  const { server, client, hostsFile } = await setup();
  const before = await readFile(hostsFile, 'utf8');
  const mac = 'dc:a6:32:00:00:44';
  const raw = Buffer.from(pi4Discover(macBytes(mac)));
  const withInfo = Buffer.concat([raw.subarray(0, raw.length - 1), Buffer.from([82, 7, ...text('sw2:4'), 255])]);
  await client.send(withInfo, server.port);
  await eventually(() => server.stats.unknown === 1, 'the DISCOVER was handled');
  assert.equal(server.stats.portsBound + server.stats.bindRefused, 0);
  assert.equal(await readFile(hostsFile, 'utf8'), before);
});

test('bindings are bounded per minute; the next minute binds again', async () => {
  const { server, client, relay, clock } = await setup({ maxPerMinute: 2 });
  const macs = ['dc:a6:32:00:01:01', 'dc:a6:32:00:01:02', 'dc:a6:32:00:01:03'];
  for (const [i, m] of macs.entries()) {
    await client.send(relayed(pi4Discover(macBytes(m)), [127, 0, 5, 1], text(`sw2:${i + 1}`)), server.port);
  }
  await eventually(() => server.stats.portsBound === 2 && server.stats.bindRefused === 1, 'two bound, one refused');
  clock.t += 60_001;
  await client.send(relayed(pi4Discover(macBytes(macs[2]!)), [127, 0, 5, 1], text('sw2:3')), server.port);
  await relay.waitFor(macs[2]!, MessageType.OFFER, 5000);
  assert.equal(server.stats.portsBound, 3);
});

test('off (the default): nothing is bound or written', async () => {
  const { server, client, hostsFile } = await setup({ bind: false });
  const before = await readFile(hostsFile, 'utf8');
  await client.send(relayed(pi4Discover(macBytes('dc:a6:32:00:00:66')), [127, 0, 5, 1], text('sw2:6')), server.port);
  await eventually(() => server.stats.unknown === 1, 'the DISCOVER was handled');
  assert.equal(await readFile(hostsFile, 'utf8'), before);
});

test('a hosts.csv that cannot be written refuses the binding and binds nothing in the cluster', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-relay-bind-bad-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'afile'), 'x');
  const { server, client, cluster } = await setup({ hostsFile: join(dir, 'afile', 'hosts.csv') });
  await client.send(relayed(pi4Discover(macBytes('dc:a6:32:00:00:77')), [127, 0, 5, 1], text('sw2:7')), server.port);
  await eventually(() => server.stats.bindRefused === 1, 'the binding is refused');
  assert.equal(cluster.port({ switchIndex: 2, port: 7 })?.mac, null);
});

test('a relay subnet with a pool: an unknown MAC gets DORA from that pool, and its lease is kept', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-relay-pool-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const cluster = await Cluster.open({ switches: SWITCHES, hosts: [], store: new MemoryStateStore(), timeoutMs: 600_000 });
  const leases = await LeaseStore.open(dir);
  cleanup.push(() => leases.close());
  const client = await DhcpTestClient.open();
  cleanup.push(() => client.close());
  const server = new DhcpServer({
    settings: { address: '127.0.0.1', netmask: '255.255.255.0', router: '127.0.0.1', dns: [], leaseSeconds: 600 },
    port: 0,
    listenAddress: '127.0.0.1',
    clientPort: client.port,
    broadcastAddress: '127.0.0.1',
    pool: { start: '127.0.0.100', end: '127.0.0.110' },
    relays: [RELAY],
    subnets: [{ network: '127.0.5.0', netmask: '255.255.255.0', router: RELAY, pool: { start: '127.0.5.200', end: '127.0.5.201' } }],
    cluster,
    leases,
    log: pino({ level: 'silent' }),
  });
  await server.start();
  cleanup.push(() => server.stop());
  const relay = await DhcpTestClient.open(RELAY, server.port);
  cleanup.push(() => relay.close());
  const mac = 'dc:a6:32:00:02:01';
  await client.send(relayed(pi4Discover(macBytes(mac)), [127, 0, 5, 1]), server.port);
  const offer = await relay.waitFor(mac, MessageType.OFFER, 5000);
  assert.equal(offer.yiaddr, '127.0.5.200', "the relay subnet's pool, not piman's");
  await client.send(relayed(pi4Request([127, 0, 5, 200], [127, 0, 0, 1], macBytes(mac)), [127, 0, 5, 1]), server.port);
  const ack = await relay.waitFor(mac, MessageType.ACK, 5000);
  assert.equal(ack.yiaddr, '127.0.5.200');
  assert.equal(getIp(ack, Opt.router), RELAY);
  assert.equal(leases.get(mac)?.ip, '127.0.5.200');
  // The same client asks again later: its lease on that subnet is found (not a new address).
  await client.send(relayed(pi4Discover(macBytes(mac)), [127, 0, 5, 1]), server.port);
  assert.equal((await relay.waitFor(mac, MessageType.OFFER, 5000)).yiaddr, '127.0.5.200');
});

test('hosts.csv on disk already names this MAC on this port (a reload raced a binding, or an edit not reloaded yet): that row is applied, not refused', async () => {
  const { server, client, relay, cluster, hostsFile } = await setup();
  const mac = 'dc:a6:32:00:00:88';
  await writeFile(hostsFile, `switch,port,mac,ip,hostname\nsw1,1,${KNOWN},127.0.0.21,pi1\nsw2,4,${mac},127.0.5.44,edited\n`);
  await client.send(relayed(pi4Discover(macBytes(mac)), [127, 0, 5, 1], text('sw2:4')), server.port);
  const offer = await relay.waitFor(mac, MessageType.OFFER, 5000);
  assert.equal(offer.yiaddr, '127.0.5.44', 'the address hosts.csv gives');
  assert.equal(cluster.port({ switchIndex: 2, port: 4 })?.hostname, 'edited');
  // Another MAC on a port the file names for someone else is still refused.
  await writeFile(hostsFile, `switch,port,mac,ip,hostname\nsw1,1,${KNOWN},127.0.0.21,pi1\nsw2,4,${mac},127.0.5.44,edited\nsw2,5,dc:a6:32:00:00:8a,,\n`);
  await client.send(relayed(pi4Discover(macBytes('dc:a6:32:00:00:89')), [127, 0, 5, 1], text('sw2:5')), server.port);
  await eventually(() => server.stats.bindRefused === 1, 'the binding is refused');
});
