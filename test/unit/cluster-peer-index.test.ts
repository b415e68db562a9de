/**
 * A Pi is looked up by MAC (every DHCP packet) and by address (every TFTP
 * request, control and rootfs connection): that work must not grow with the
 * number of Pis configured, and the answers must follow every binding change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { Cluster } from '../../src/cluster/cluster.js';
import { MemoryStateStore } from '../../src/store/state-store.js';
import type { HostBinding } from '../../src/cluster/types.js';

const mac = (n: number): string => `dc:a6:32:${((n >> 16) & 255).toString(16).padStart(2, '0')}:${((n >> 8) & 255).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`;
const ip = (n: number): string => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;

async function rack(pis: number): Promise<Cluster> {
  const hosts: HostBinding[] = Array.from({ length: pis }, (_, i) => ({ switchIndex: 1, port: i + 1, mac: mac(i + 1), ip: ip(i + 1), hostname: `pi${i + 1}` }));
  return Cluster.open({ switches: [{ index: 1, name: 'sw1', address: '127.0.0.1', ports: pis + 2 }], hosts, store: new MemoryStateStore(), timeoutMs: 180_000 });
}

/** ms for `rounds` lookups of the last Pi by MAC and by address (unknown ones too). */
function lookupMs(c: Cluster, pis: number, rounds: number): number {
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    c.byMac(mac(pis));
    c.byIp(ip(pis));
    c.byMac('02:00:00:00:00:01');
    c.byIp('192.0.2.1');
  }
  return performance.now() - t0;
}

test('lookups by MAC and by address cost the same with 20,000 Pis as with 200', async () => {
  const small = await rack(200);
  const big = await rack(20_000);
  lookupMs(small, 200, 200);
  lookupMs(big, 20_000, 200); // warm both paths (and build whatever they cache)
  // Both measured alike, back to back: a scan over the hosts makes the big rack ~100x slower.
  const best = (c: Cluster, n: number): number => Math.min(...[0, 1, 2].map(() => lookupMs(c, n, 1000)));
  const ratio = best(big, 20_000) / Math.max(best(small, 200), 0.2);
  assert.ok(ratio < 10, `20,000 Pis took ${ratio.toFixed(1)}x the time of 200 per lookup`);
});

test('the answers follow hosts.csv reloads, added hosts, learned MACs and DHCP-given addresses', async () => {
  const c = await rack(3);
  assert.equal(c.byMac(mac(2))?.port, 2);
  assert.equal(c.byIp(ip(3))?.port, 3);
  // A reload moves Pi 2 to port 4 and drops Pi 3.
  c.replaceHosts([
    { switchIndex: 1, port: 1, mac: mac(1), ip: ip(1), hostname: 'pi1' },
    { switchIndex: 1, port: 4, mac: mac(2), ip: ip(2), hostname: 'pi2' },
  ]);
  assert.equal(c.byMac(mac(2))?.port, 4);
  assert.equal(c.byIp(ip(2))?.port, 4);
  assert.equal(c.byMac(mac(3)), undefined);
  assert.equal(c.byIp(ip(3)), undefined);
  // Port 5 gets a binding from option 82.
  assert.equal(c.addHost({ switchIndex: 1, port: 5, mac: mac(5), ip: ip(5), hostname: 'pi5' }), true);
  assert.equal(c.byMac(mac(5))?.port, 5);
  assert.equal(c.byIp(ip(5))?.port, 5);
  // The mapper learns a MAC on port 2 (not in hosts.csv); DHCP gives it an address.
  await c.learnMac({ switchIndex: 1, port: 2 }, mac(9));
  assert.equal(c.byMac(mac(9))?.port, 2);
  c.noteLearnedAddress({ switchIndex: 1, port: 2 }, '10.0.0.99');
  assert.equal(c.byIp('10.0.0.99')?.port, 2);
  // The Pi moves to port 3: the old port forgets it, and the address goes with it once DHCP says so.
  await c.learnMac({ switchIndex: 1, port: 3 }, mac(9));
  assert.equal(c.byMac(mac(9))?.port, 3);
  c.noteLearnedAddress({ switchIndex: 1, port: 3 }, '10.0.0.99');
  assert.equal(c.byIp('10.0.0.99')?.port, 3);
  // A hosts.csv MAC wins over a learned sighting of the same MAC.
  await c.learnMac({ switchIndex: 1, port: 2 }, mac(1));
  assert.equal(c.byMac(mac(1))?.port, 1);
});

test('learned MACs restored from the state file are found at once', async () => {
  const store = new MemoryStateStore();
  const a = await Cluster.open({ switches: [{ index: 1, name: 'sw1', address: '127.0.0.1', ports: 4 }], hosts: [], store, timeoutMs: 180_000 });
  await a.learnMac({ switchIndex: 1, port: 4 }, mac(7));
  const b = await Cluster.open({ switches: [{ index: 1, name: 'sw1', address: '127.0.0.1', ports: 4 }], hosts: [], store, timeoutMs: 180_000 });
  assert.equal(b.byMac(mac(7))?.port, 4);
});
