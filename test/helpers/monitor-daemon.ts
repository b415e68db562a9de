/**
 * A Daemon with the monitor, the agent and /metrics (and any other parts)
 * over fake switches, its Pis on 127.0.1.x with the lab's health endpoints
 * (scripted health through `override`). Everything on 127.0.0.0/8; stopped
 * and removed after the test.
 */
import type { TestContext } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, type PartFactory } from '../../src/daemon.js';
import { validateConfig } from '../../src/config/load.js';
import { silentLogger, type Logger } from '../../src/log.js';
import type { HostBinding } from '../../src/cluster/types.js';
import { HealthEndpoint } from '../../src/lab/health-endpoint.js';
import { agentFromConfig, metricsFromConfig, monitorFromConfig } from '../../src/parts.js';
import { FakePoeSwitch } from './fake-switch.js';
import { freeTcpPort, freeUdpPort } from './ports.js';

export interface MonitorDaemonOptions {
  readonly pis: number;
  /** Extra piman.yaml keys merged over the defaults (e.g. monitor.webhooks, agent.traps). */
  readonly config?: (ports: { metrics: number; agent: number; health: number }) => Record<string, unknown>;
  readonly parts?: ReadonlyArray<PartFactory>;
  readonly log?: Logger;
}

export interface MonitorDaemon {
  readonly daemon: Daemon;
  readonly dir: string;
  readonly metricsUrl: string;
  readonly agentPort: number;
  readonly pis: readonly HealthEndpoint[];
  readonly hosts: readonly HostBinding[];
  readonly configFile: string;
}

/** 127.0.1.1 ... for Pi 1 ... (254 Pis per /24, enough for every test). */
export const piIp = (i: number): string => `127.0.${1 + Math.floor((i - 1) / 254)}.${1 + ((i - 1) % 254)}`;

export async function startMonitorDaemon(t: TestContext, o: MonitorDaemonOptions): Promise<MonitorDaemon> {
  const dir = await mkdtemp(join(tmpdir(), 'piman-mon-'));
  const pis: HealthEndpoint[] = [];
  let daemon: Daemon | null = null;
  t.after(async () => {
    await daemon?.stop();
    await Promise.all(pis.map((p) => p.stop()));
    await rm(dir, { recursive: true, force: true });
  });
  // The first Pi's endpoint picks the port; every other Pi listens on it at its own address.
  const first = new HealthEndpoint(1);
  await first.start(piIp(1), 0);
  pis.push(first);
  const healthPort = first.port;
  for (let i = 2; i <= o.pis; i++) {
    const p = new HealthEndpoint(i);
    await p.start(piIp(i), healthPort);
    pis.push(p);
  }
  // Quiet, steady values under every threshold; tests script spikes through override.
  for (const p of pis) p.override = { cpu_percent: 10, memory_percent: 20, disk_percent: 30, num_pids: 50, temp: 40 };
  const ports = { metrics: await freeTcpPort(), agent: await freeUdpPort(), health: healthPort };
  const hosts: HostBinding[] = pis.map((_, j) => ({
    switchIndex: 1,
    port: j + 1,
    mac: `b8:27:eb:00:${((j + 1) >> 8).toString(16).padStart(2, '0')}:${((j + 1) & 0xff).toString(16).padStart(2, '0')}`,
    ip: piIp(j + 1),
    hostname: `pi${j + 1}`,
  }));
  const raw = {
    server: { address: '127.0.0.1' },
    switches: [{ name: 'sw1', address: '127.0.0.1', ports: Math.max(8, o.pis) }],
    state: './state',
    agent: { address: '127.0.0.1', port: ports.agent, switchPollSeconds: 0 },
    metrics: { enabled: true, address: '127.0.0.1', port: ports.metrics },
    monitor: { enabled: true, port: healthPort, intervalSeconds: 0.2 },
    ...(o.config?.(ports) ?? {}),
  };
  // On disk too, for the CLI (`piman status --json -c piman.yaml`); JSON is YAML.
  const configFile = join(dir, 'piman.yaml');
  await writeFile(configFile, JSON.stringify(raw, null, 2));
  await writeFile(join(dir, 'hosts.csv'), 'switch,port,mac,ip,hostname\n' + hosts.map((h) => `sw1,${h.port},${h.mac},${h.ip},${h.hostname}`).join('\n') + '\n');
  const config = validateConfig(raw, configFile);
  const parts = o.parts ?? [monitorFromConfig, metricsFromConfig, agentFromConfig];
  const d = await Daemon.create({ config, log: o.log ?? silentLogger(), makeSwitch: () => new FakePoeSwitch(), hosts }, parts);
  await d.start();
  daemon = d;
  for (const h of hosts) d.ctx.cluster.apply(h, { type: 'up' });
  return { daemon: d, dir, metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`, agentPort: ports.agent, pis, hosts, configFile };
}

/** Polls the async `check` every 100 ms until it holds; fails after `ms`, saying what was awaited. */
export async function until(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
