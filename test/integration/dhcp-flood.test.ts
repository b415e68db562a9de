/**
 * What outsiders can send the DHCP server (issue 12): relayed requests that
 * aim the reply at an address of their choosing, and DISCOVER floods from
 * random MACs. Loopback, unprivileged ports, an injected clock.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Cluster } from '../../src/cluster/cluster.js';
import { MemoryStateStore } from '../../src/store/state-store.js';
import { DhcpServer } from '../../src/dhcp/server.js';
import { LeaseStore } from '../../src/dhcp/leases.js';
import { MessageType } from '../../src/dhcp/options.js';
import { dhcpMetrics } from '../../src/dhcp/part.js';
import { DhcpTestClient } from '../helpers/dhcp-client.js';
import { eventually } from '../helpers/eventually.js';
import { header, pi4Discover } from '../vectors/dhcp-pi.js';

const PI4 = [0xdc, 0xa6, 0x32, 0, 0, 0x21];
const mac = (b: number[]): string => b.map((x) => x.toString(16).padStart(2, '0')).join(':');
const cleanup: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function setup(relays: string[]): Promise<{ server: DhcpServer; client: DhcpTestClient; lines: Array<Record<string, unknown>>; clock: { t: number } }> {
  const dir = await mkdtemp(join(tmpdir(), 'piman-dhcp-flood-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const cluster = await Cluster.open({
    switches: [{ index: 1, name: 'sw1', address: '127.0.0.9', ports: 4 }],
    hosts: [{ switchIndex: 1, port: 1, mac: mac(PI4), ip: '127.0.1.21', hostname: 'pi21' }],
    store: new MemoryStateStore(),
    timeoutMs: 600_000,
  });
  const leases = await LeaseStore.open(dir);
  cleanup.push(() => leases.close());
  const client = await DhcpTestClient.open();
  cleanup.push(() => client.close());
  const lines: Array<Record<string, unknown>> = [];
  const clock = { t: 1_000_000 };
  const server = new DhcpServer({
    settings: { address: '127.0.0.1', netmask: '255.0.0.0', router: '127.0.0.1', dns: [], leaseSeconds: 600 },
    port: 0,
    listenAddress: '127.0.0.1',
    clientPort: client.port,
    broadcastAddress: '127.0.0.1',
    relays,
    cluster,
    leases,
    log: pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) }),
    now: () => clock.t,
  });
  await server.start();
  cleanup.push(() => server.stop());
  return { server, client, lines, clock };
}

/** A DISCOVER as a relay forwards it: giaddr (bytes 24..27) set. */
function relayed(giaddr: number[]): Buffer {
  const b = pi4Discover(PI4);
  b.set(giaddr, 24);
  return b;
}

test('a relayed DISCOVER is answered only when its giaddr is a listed relay; others are dropped and counted', async () => {
  const { server, client } = await setup(['127.0.0.78']);
  // Relays get their replies on the server port: listen there on both addresses.
  const forged = await DhcpTestClient.open('127.0.0.77', server.port);
  cleanup.push(() => forged.close());
  const relay = await DhcpTestClient.open('127.0.0.78', server.port);
  cleanup.push(() => relay.close());
  await client.send(relayed([127, 0, 0, 77]), server.port);
  await client.send(relayed([127, 0, 0, 78]), server.port);
  // Handled in order: once the listed relay has its OFFER, the forged one was dealt with.
  const offer = await relay.waitFor(mac(PI4), MessageType.OFFER, 3000);
  assert.equal(offer.yiaddr, '127.0.1.21');
  assert.equal(offer.giaddr, '127.0.0.78');
  assert.deepEqual(forged.received, [], 'no OFFER to an address the sender chose');
  assert.equal(server.stats.relayDropped, 1);
  const family = dhcpMetrics(server).find((f) => f.name === 'piman_dhcp_requests_dropped_total');
  assert.deepEqual(family?.samples.find((s) => s.labels?.reason === 'relay')?.value, 1);
});

test('no relay listed (the default): every relayed request is dropped', async () => {
  const { server, client } = await setup([]);
  await client.send(relayed([127, 0, 0, 1]), server.port);
  await eventually(() => server.stats.relayDropped === 1, 'the relayed DISCOVER is counted as dropped');
  assert.equal(server.stats.offers, 0);
});

test('a DISCOVER flood from random MACs: a few log lines and one with the count, a bounded table', async () => {
  const { server, client, lines, clock } = await setup([]);
  const n = 1500;
  for (let i = 0; i < n; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, n - i) }, (_, j) => {
        const k = i + j;
        return client.send(Buffer.from([...header(k, [0x02, 0x99, 0x01, (k >> 8) & 255, k & 255, 7]), 53, 1, 1, 255]), server.port);
      }),
    );
    await eventually(() => server.stats.unknown >= Math.min(i + 100, n), 'the server drained its socket');
  }
  const unknownLines = (): Array<Record<string, unknown>> => lines.filter((l) => String(l.msg).includes('no binding for'));
  assert.ok(unknownLines().length <= 5, `${unknownLines().length} lines for ${n} new MACs`);
  assert.ok(server.unknownMacs().length <= 1024, `${server.unknownMacs().length} MACs kept`);
  // A minute later the next new MAC is logged with the count of those not logged.
  clock.t += 60_000;
  await client.send(Buffer.from([...header(99_999, [0x02, 0x99, 0x02, 0, 0, 1]), 53, 1, 1, 255]), server.port);
  await eventually(() => unknownLines().length === 6, 'the next new MAC is logged');
  assert.equal(unknownLines()[5]!.suppressed, n - 5);
});
