/**
 * Child process of bench/snmp.ts: piman's agent over a 1,000-port cluster
 * (one switch, every port bound to a Pi), in its own process like snmpd.
 * Prints {"port": N} once listening; exits when stdin closes.
 */
import { Cluster } from '../src/cluster/cluster.js';
import type { HostBinding } from '../src/cluster/types.js';
import { MemoryStateStore } from '../src/store/state-store.js';
import { PowerController } from '../src/switch/power.js';
import { PimanAgent } from '../src/agent/agent.js';
import { silentLogger } from '../src/log.js';
import { FakePoeSwitch } from '../test/helpers/fake-switch.js';

const PORTS = Number(process.env.PIMAN_BENCH_PORTS ?? 1000);
const hosts: HostBinding[] = [];
for (let p = 1; p <= PORTS; p++) {
  const hex = p.toString(16).padStart(4, '0');
  hosts.push({ switchIndex: 1, port: p, mac: `dc:a6:32:00:${hex.slice(0, 2)}:${hex.slice(2)}`, ip: `10.1.${p >> 8}.${p & 255}`, hostname: `pi${p}` });
}
const cluster = await Cluster.open({ switches: [{ index: 1, name: 'sw1', address: '127.0.0.1', ports: PORTS }], hosts, store: new MemoryStateStore(), timeoutMs: 180_000 });
const switches = new Map([[1, new FakePoeSwitch()]]);
const power = new PowerController({ cluster, switches, offMs: 10, staggerMs: 0 });
const agent = await PimanAgent.start({
  address: '127.0.0.1',
  port: 0,
  readCommunity: 'public',
  writeCommunity: 'private',
  users: [],
  sysContact: '',
  sysLocation: '',
  traps: { enabled: false, receivers: [] },
  switchPollSeconds: 0,
  cluster,
  power,
  switches,
  log: silentLogger(),
});
process.stdout.write(JSON.stringify({ port: agent.port }) + '\n');
process.stdin.resume();
process.stdin.on('end', () => void agent.stop().then(() => process.exit(0)));
process.on('SIGTERM', () => void agent.stop().then(() => process.exit(0)));
