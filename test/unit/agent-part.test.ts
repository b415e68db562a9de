/** The agent part from config: honours agent.enabled, starts on the configured address/port, stops cleanly. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import snmp, { type Varbind } from 'net-snmp';
import { agentFromConfig as agentPart } from '../../src/parts.js';
import { validateConfig } from '../../src/config/load.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { MemoryStateStore } from '../../src/store/state-store.js';
import { PowerController } from '../../src/switch/power.js';
import { silentLogger } from '../../src/log.js';
import { MetricRegistry } from '../../src/metrics/registry.js';
import { sharedState } from '../../src/daemon.js';
import { FakePoeSwitch } from '../helpers/fake-switch.js';
import { freeUdpPort } from '../helpers/ports.js';
import type { DaemonContext } from '../../src/daemon.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

const stateDir = await mkdtemp(join(tmpdir(), 'piman-agent-part-'));
after(() => rm(stateDir, { recursive: true, force: true }));

async function context(agent: Record<string, unknown>): Promise<DaemonContext> {
  const config = validateConfig({ server: { address: '10.0.0.1' }, agent, state: stateDir, switches: [{ name: 'sw1', address: '127.0.0.1', ports: 4 }] }, 'test.yaml');
  const cluster = await Cluster.open({ switches: [{ index: 1, name: 'sw1', address: '127.0.0.1', ports: 4 }], hosts: [], store: new MemoryStateStore(), timeoutMs: 60_000 });
  const switches = new Map([[1, new FakePoeSwitch()]]);
  const power = new PowerController({ cluster, switches, offMs: 10, staggerMs: 0 });
  return { config, cluster, power, switches, log: silentLogger(), metrics: new MetricRegistry(), ...sharedState() };
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

test('the engine ID and boots are kept in the state folder', async () => {
  const part = agentPart(await context({ port: 0, switchPollSeconds: 0 }));
  await part.start();
  await part.stop();
  const first = JSON.parse(await readFile(join(stateDir, 'snmp-engine.json'), 'utf8')) as { engineID: string; engineBoots: number };
  await part.start();
  await part.stop();
  const second = JSON.parse(await readFile(join(stateDir, 'snmp-engine.json'), 'utf8')) as { engineID: string; engineBoots: number };
  assert.equal(second.engineID, first.engineID);
  assert.equal(second.engineBoots, first.engineBoots + 1);
});

test('agent.v3Only: v2c gets no answer', async () => {
  const port = await freeUdpPort();
  const user = { name: 'admin', authKey: 'auth-pass-phrase', privKey: 'priv-pass-phrase' };
  const part = agentPart(await context({ port, v3Only: true, users: [user], switchPollSeconds: 0 }));
  await part.start();
  try {
    const s = snmp.createSession('127.0.0.1', 'public', { port, version: snmp.Version2c, timeout: 300, retries: 0 });
    s.on('error', () => undefined);
    const err = await new Promise<Error | null>((res) => s.get(['1.3.6.1.2.1.1.5.0'], (e) => res(e)));
    s.close();
    assert.ok(err instanceof snmp.RequestTimedOutError, `v2c answered: ${String(err)}`);
  } finally {
    await part.stop();
  }
});
