import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../src/config/load.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { MemoryStateStore } from '../../src/store/state-store.js';
import { PowerController } from '../../src/switch/power.js';
import { silentLogger } from '../../src/log.js';
import { MetricRegistry } from '../../src/metrics/registry.js';
import { dhcpFromConfig as dhcpPart, serverSettings } from '../../src/parts.js';
import { sharedState } from '../../src/daemon.js';
import { checkInterfaceAddress } from '../../src/dhcp/interface.js';
import type { DaemonContext } from '../../src/daemon.js';
import { PimanError } from '../../src/errors.js';

async function context(dhcp: Record<string, unknown>, state: string, server: Record<string, unknown> = {}, hosts?: string): Promise<DaemonContext> {
  const config = validateConfig({
    server: { address: '127.0.0.1', netmask: '255.0.0.0', ...server },
    dhcp,
    state,
    ...(hosts ? { hosts } : {}),
    switches: [{ name: 'sw1', address: '127.0.0.9', ports: 4 }],
  }, 'piman.yaml');
  const cluster = await Cluster.open({ switches: [{ index: 1, name: 'sw1', address: '127.0.0.9', ports: 4 }], hosts: [], store: new MemoryStateStore(), timeoutMs: 1000 });
  const power = new PowerController({ cluster, switches: new Map(), offMs: 0, staggerMs: 0 });
  return { config, cluster, power, switches: new Map(), log: silentLogger(), metrics: new MetricRegistry(), ...sharedState() };
}

test('dhcp part honours enabled: false and starts/stops on loopback otherwise', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-dhcp-part-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const off = dhcpPart(await context({ enabled: false }, dir));
  await off.start();
  assert.equal(off.port(), 0);
  await off.stop();
  const onCtx = await context({ port: 0, listenAddress: '127.0.0.1', broadcastAddress: '127.0.0.1', clientPort: 9 }, dir);
  const ctxMetrics = onCtx.metrics;
  const on = dhcpPart(onCtx);
  await on.start();
  try {
    assert.ok(on.port() > 0);
    assert.deepEqual(on.unknownMacs(), []);
    assert.deepEqual(on.leases(), []);
    const dropped = ctxMetrics.collect().find((f) => f.name === 'piman_dhcp_requests_dropped_total');
    assert.deepEqual(dropped?.samples.map((x) => x.labels?.reason), ['malformed', 'unknown', 'relay']);
  } finally {
    await on.stop();
  }
  assert.equal(ctxMetrics.collect().length, 0, 'the metrics leave with the part');
});

test('dhcp part refuses a server.address that is not on server.interface', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-dhcp-part-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const p = dhcpPart(await context({ port: 0, listenAddress: '127.0.0.1' }, dir, { interface: 'no-such-if0' }));
  await assert.rejects(p.start(), (e: unknown) => e instanceof PimanError && e.code === 'E_CONFIG' && /no-such-if0/.test(e.message));
});

test('checkInterfaceAddress', () => {
  const ifaces = { eth1: [{ family: 'IPv4' as const, address: '10.0.0.1', netmask: '255.255.255.0', mac: '00:00:00:00:00:00', internal: false, cidr: '10.0.0.1/24' }] };
  assert.doesNotThrow(() => checkInterfaceAddress(ifaces, 'eth1', '10.0.0.1'));
  assert.doesNotThrow(() => checkInterfaceAddress(ifaces, undefined, '10.0.0.9'));
  assert.throws(() => checkInterfaceAddress(ifaces, 'eth1', '10.0.0.2'), /not an address of server.interface eth1 \(it has 10.0.0.1\)/);
});

test('serverSettings: router defaults to piman itself', async () => {
  const ctx = await context({}, '/nonexistent');
  assert.equal(serverSettings(ctx.config).router, '127.0.0.1');
  assert.equal(serverSettings(ctx.config).leaseSeconds, 3600);
});

test('with dhcp.option82.bindPorts, a hosts.csv piman cannot write stops the start (before anything listens) and config check names it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-dhcp-part-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'afile'), 'x');
  const dhcp = { port: 0, listenAddress: '127.0.0.1', relays: ['10.0.1.1'], option82: { bindPorts: true } };
  const bad = dhcpPart(await context(dhcp, dir, {}, join(dir, 'afile', 'hosts.csv')));
  await assert.rejects(bad.check!(), (e: unknown) => e instanceof PimanError && e.code === 'E_CONFIG' && /dhcp\.option82\.bindPorts.*afile/.test(e.message));
  const off = dhcpPart(await context({ ...dhcp, option82: { bindPorts: false } }, dir, {}, join(dir, 'afile', 'hosts.csv')));
  await off.check!();
  const good = dhcpPart(await context(dhcp, dir, {}, join(dir, 'hosts.csv')));
  await good.check!();
});
