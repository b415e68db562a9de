/** agentPart: honours agent.enabled, starts on the configured address/port, stops cleanly. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import snmp, { type Varbind } from 'net-snmp';
import { agentPart } from '../../src/agent/part.js';
import { validateConfig } from '../../src/config/load.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { MemoryStateStore } from '../../src/store/state-store.js';
import { PowerController } from '../../src/switch/power.js';
import { silentLogger } from '../../src/log.js';
import { MetricRegistry } from '../../src/metrics/registry.js';
import { FakePoeSwitch } from '../helpers/fake-switch.js';
import { freeUdpPort } from '../helpers/ports.js';
import type { DaemonContext } from '../../src/daemon.js';

async function context(agent: Record<string, unknown>): Promise<DaemonContext> {
  const config = validateConfig({ server: { address: '10.0.0.1' }, agent, switches: [{ name: 'sw1', address: '127.0.0.1', ports: 4 }] }, 'test.yaml');
  const cluster = await Cluster.open({ switches: [{ index: 1, name: 'sw1', address: '127.0.0.1', ports: 4 }], hosts: [], store: new MemoryStateStore(), timeoutMs: 60_000 });
  const switches = new Map([[1, new FakePoeSwitch()]]);
  const power = new PowerController({ cluster, switches, offMs: 10, staggerMs: 0 });
  return { config, cluster, power, switches, log: silentLogger(), metrics: new MetricRegistry() };
}

test('agent.enabled: false starts nothing', async () => {
  const part = agentPart(await context({ enabled: false }));
  await part.start();
  assert.equal(part.port, null);
  await part.stop();
});

test('the part serves sysName from config on the configured port and stops', async () => {
  const port = await freeUdpPort();
  const part = agentPart(await context({ port, sysName: 'rack-a', switchPollSeconds: 0 }));
  await part.start();
  try {
    assert.equal(part.port, port);
    const s = snmp.createSession('127.0.0.1', 'public', { port, version: snmp.Version2c, timeout: 2000, retries: 1 });
    s.on('error', () => undefined);
    const [vb] = await new Promise<Varbind[]>((res, rej) => s.get(['1.3.6.1.2.1.1.5.0'], (e, v) => (e ? rej(e) : res(v ?? []))));
    s.close();
    assert.equal(String(vb!.value), 'rack-a');
  } finally {
    await part.stop();
  }
  assert.equal(part.port, null);
});
