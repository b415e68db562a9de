/** A running PimanAgent over a real Cluster, PowerController and fake switches, for agent/CLI tests. */
import { Cluster } from '../../src/cluster/cluster.js';
import type { HostBinding } from '../../src/cluster/types.js';
import { FileStateStore, MemoryStateStore, type StateStore } from '../../src/store/state-store.js';
import { PowerController } from '../../src/switch/power.js';
import { PimanAgent } from '../../src/agent/agent.js';
import type { TrapReceiver } from '../../src/agent/traps.js';
import type { UsmUserConfig } from '../../src/config/schema.js';
import { silentLogger } from '../../src/log.js';
import { FakePoeSwitch } from './fake-switch.js';
import { ControlServer } from '../../src/control/control-server.js';
import { InstallHub } from '../../src/control/hub.js';
import { ProcNetArp } from '../../src/control/neighbours.js';

export const HOSTS: HostBinding[] = [
  { switchIndex: 1, port: 7, mac: 'dc:a6:32:01:02:07', ip: '10.0.0.7', hostname: 'pi7' },
  { switchIndex: 1, port: 8, mac: 'b8:27:eb:00:00:08', ip: '10.0.0.8', hostname: 'pi8' },
  { switchIndex: 2, port: 3, mac: 'e4:5f:01:00:02:03', ip: '10.0.1.3', hostname: 'pi-b3' },
];

export const V3_USER: UsmUserConfig = {
  name: 'admin',
  authProtocol: 'sha256',
  authKey: 'auth-pass-phrase',
  privProtocol: 'aes',
  privKey: 'priv-pass-phrase',
  access: 'rw',
};

export interface AgentFixtureOptions {
  readonly stateDir?: string;
  /** Overrides stateDir (e.g. a store that fails). */
  readonly store?: StateStore;
  readonly offMs?: number;
  readonly sw1Ports?: number;
  readonly users?: readonly UsmUserConfig[];
  readonly traps?: readonly TrapReceiver[];
  readonly port?: number;
  /** Bindings added to HOSTS (e.g. a Pi on a 127.0.0.x address for the control channel). */
  readonly extraHosts?: readonly HostBinding[];
  /** Folder of the agent's SNMP engine state (engine ID, boots); none: fresh at each start. */
  readonly engineDir?: string;
  readonly v3Only?: boolean;
}

export interface AgentFixture {
  readonly cluster: Cluster;
  readonly power: PowerController;
  readonly sw1: FakePoeSwitch;
  readonly sw2: FakePoeSwitch;
  readonly agent: PimanAgent;
  readonly target: string;
  stop(): Promise<void>;
}

export async function startAgentFixture(o: AgentFixtureOptions = {}): Promise<AgentFixture> {
  const store: StateStore = o.store ?? (o.stateDir ? new FileStateStore(o.stateDir) : new MemoryStateStore());
  const cluster = await Cluster.open({
    switches: [
      { index: 1, name: 'sw1', address: '127.0.0.1', ports: o.sw1Ports ?? 24 },
      { index: 2, name: 'sw2', address: '127.0.0.2', ports: 8 },
    ],
    hosts: [...HOSTS, ...(o.extraHosts ?? [])],
    store,
    timeoutMs: 180_000,
  });
  const sw1 = new FakePoeSwitch('sw1', '127.0.0.1');
  const sw2 = new FakePoeSwitch('sw2', '127.0.0.2');
  const switches = new Map([
    [1, sw1],
    [2, sw2],
  ]);
  const power = new PowerController({ cluster, switches, offMs: o.offMs ?? 50, staggerMs: 0 });
  const agent = await PimanAgent.start({
    address: '127.0.0.1',
    port: o.port ?? 0,
    readCommunity: 'public',
    writeCommunity: 'private',
    users: o.users ?? [V3_USER],
    sysName: 'piman-test',
    sysContact: 'ops@example.org',
    sysLocation: 'rack 1',
    traps: { enabled: (o.traps ?? []).length > 0, receivers: o.traps ?? [] },
    switchPollSeconds: 0,
    ...(o.engineDir ? { engineDir: o.engineDir } : {}),
    ...(o.v3Only ? { v3Only: true } : {}),
    cluster,
    power,
    switches,
    log: silentLogger(),
  });
  return {
    cluster,
    power,
    sw1,
    sw2,
    agent,
    target: `127.0.0.1:${agent.port}`,
    async stop() {
      await agent.stop();
      await cluster.persist();
      await store.close();
    },
  };
}

/**
 * A control channel beside the agent, for tests that probe whether the rest
 * of the daemon still answers while the agent is under load. Peers on
 * loopback are exempt from the neighbour check (no ARP entry there) and no
 * netboot is required: the probe only waits for piman's first line.
 */
export async function startProbeControl(cluster: Cluster): Promise<ControlServer> {
  const control = new ControlServer({
    cluster,
    hub: new InstallHub(),
    log: silentLogger(),
    host: '127.0.0.1',
    port: 0,
    timeoutMs: 10_000,
    limits: { maxTotal: 64, maxPerAddress: 4 },
    identity: { neighbours: new ProcNetArp(), exemptLoopback: true, requireNetboot: false, netbootWindowMs: 180_000 },
  });
  await control.start();
  return control;
}
