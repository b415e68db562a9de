/** A busy port is the same user-caused failure for every server of piman: one PimanError code, the config keys named. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../src/config/load.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { MemoryStateStore } from '../../src/store/state-store.js';
import { PowerController } from '../../src/switch/power.js';
import { silentLogger } from '../../src/log.js';
import { MetricRegistry } from '../../src/metrics/registry.js';
import { PimanError } from '../../src/errors.js';
import { sharedState, type DaemonContext, type PartFactory } from '../../src/daemon.js';
import { agentFromConfig, dhcpFromConfig, installFromConfig, metricsFromConfig, tftpFromConfig } from '../../src/parts.js';
import { writeBootFolder, writeRootfs } from '../../src/lab/lab-files.js';

const dir = await mkdtemp(join(tmpdir(), 'piman-listen-'));
await writeBootFolder(join(dir, 'boot'));
await writeRootfs(join(dir, 'rootfs.tgz'), 'listen-test');

// One UDP and one TCP port held by "another program" for the whole file.
const udp = createSocket('udp4');
udp.bind(0, '127.0.0.1');
await once(udp, 'listening');
const tcp = createServer();
tcp.listen(0, '127.0.0.1');
await once(tcp, 'listening');
const busyUdp = udp.address().port;
const busyTcp = (tcp.address() as { port: number }).port;
after(async () => {
  udp.close();
  await new Promise<void>((r) => tcp.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

async function context(raw: Record<string, unknown>): Promise<DaemonContext> {
  const config = validateConfig(
    {
      server: { address: '127.0.0.1', netmask: '255.0.0.0' },
      state: join(dir, 'state'),
      switches: [{ name: 'sw1', address: '127.0.0.9', ports: 2 }],
      ...raw,
    },
    join(dir, 'piman.yaml'),
  );
  const cluster = await Cluster.open({ switches: [{ index: 1, name: 'sw1', address: '127.0.0.9', ports: 2 }], hosts: [], store: new MemoryStateStore(), timeoutMs: 1000 });
  const power = new PowerController({ cluster, switches: new Map(), offMs: 0, staggerMs: 0 });
  return { config, cluster, power, switches: new Map(), log: silentLogger(), metrics: new MetricRegistry(), ...sharedState() };
}

const cases: ReadonlyArray<{ part: string; factory: PartFactory; config: Record<string, unknown>; key: RegExp }> = [
  { part: 'dhcp', factory: dhcpFromConfig, config: { dhcp: { port: busyUdp, listenAddress: '127.0.0.1', broadcastAddress: '127.0.0.1' } }, key: /dhcp\.port/ },
  { part: 'tftp', factory: tftpFromConfig, config: { tftp: { address: '127.0.0.1', port: busyUdp, root: join(dir, 'boot'), workers: 0 } }, key: /tftp\.port/ },
  {
    part: 'control',
    factory: installFromConfig,
    config: { control: { port: busyTcp }, install: { port: 0, rootfs: join(dir, 'rootfs.tgz') } },
    key: /control\.port/,
  },
  {
    part: 'rootfs',
    factory: installFromConfig,
    config: { control: { port: 0 }, install: { port: busyTcp, rootfs: join(dir, 'rootfs.tgz') } },
    key: /install\.port/,
  },
  { part: 'agent', factory: agentFromConfig, config: { agent: { port: busyUdp, switchPollSeconds: 0 } }, key: /agent\.port/ },
  { part: 'metrics', factory: metricsFromConfig, config: { metrics: { enabled: true, port: busyTcp } }, key: /metrics\.port/ },
];

for (const c of cases) {
  test(`${c.part}: a busy port is a PimanError E_LISTEN naming the config key and the address`, async () => {
    const part = c.factory(await context(c.config));
    try {
      await assert.rejects(part.start(), (e: unknown) => {
        assert.ok(e instanceof PimanError, `not a PimanError: ${String(e)}`);
        assert.equal(e.code, 'E_LISTEN');
        assert.match(e.message, c.key);
        assert.match(e.message, /127\.0\.0\.1:\d+/);
        assert.match(e.message, /in use/);
        return true;
      });
    } finally {
      await part.stop();
    }
  });
}
