/** The CLI commands that wrap the agent, run as a user would (child process) against a live agent. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgentFixture, V3_USER, type AgentFixture } from '../helpers/agent-fixture.js';
import { freeUdpPort } from '../helpers/ports.js';
import type { BootEvent } from '../../src/cluster/boot-machine.js';

const bin = new URL('../../bin/piman.js', import.meta.url).pathname;
let f: AgentFixture;
let dir: string;

function config(agentPort: number, extra = ''): string {
  return `server: { address: 10.0.0.1 }
agent:
  port: ${agentPort}
  users: [{ name: ${V3_USER.name}, authKey: ${V3_USER.authKey}, privKey: ${V3_USER.privKey}, access: rw }]
${extra}switches:
  - { name: sw1, address: 127.0.0.1, ports: 24, timeoutMs: 500, retries: 0 }
  - { name: sw2, address: 127.0.0.2, ports: 8, timeoutMs: 500, retries: 0 }
power: { offSeconds: 0.05, staggerSeconds: 0 }
`;
}

async function writeConfig(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}

function piman(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

let cfg: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'piman-agent-cli-'));
  f = await startAgentFixture();
  cfg = await writeConfig('piman.yaml', config(f.agent.port));
});
after(async () => {
  await f?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('status prints the table for 7 and sw2:3, and JSON with --json', async () => {
  const r = await piman(['-c', cfg, 'status', '7', 'sw2:3']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0]!, /^SWITCH\s+PORT\s+MAC\s+IP\s+HOSTNAME\s+STATE\s+REINSTALL\s+PROGRESS\s+RETRIES\s+IMAGE\s+INSTALLED\s+LAST ERROR$/);
  assert.match(lines[1]!, /^sw1\s+7\s+dc:a6:32:01:02:07\s+10\.0\.0\.7\s+pi7\s+unknown\s+-\s+-\s+-\s+-\s+-$/);
  assert.match(lines[2]!, /^sw2\s+3\s+e4:5f:01:00:02:03\s+10\.0\.1\.3\s+pi-b3\s+/);
  const j = await piman(['-c', cfg, 'status', '--json', '1-3']);
  assert.equal(j.code, 0, j.stderr);
  const rows = JSON.parse(j.stdout) as { switch: string; port: number; state: string }[];
  assert.deepEqual(rows.map((x) => `${x.switch}:${x.port}`), ['sw1:1', 'sw1:2', 'sw1:3']);
  const all = await piman(['-c', cfg, 'status', '--json', '--user', V3_USER.name]);
  assert.equal(all.code, 0, all.stderr);
  assert.equal((JSON.parse(all.stdout) as unknown[]).length, 32, 'every port, over SNMPv3');
});

test('status shows each switch request queue, read from the agent (metrics disabled)', async (t) => {
  Object.assign(f.sw1, { stats: () => ({ inFlight: 4, queued: 120, requests: 300, retried: 7, timedOut: 9, answering: true }) });
  t.after(() => void delete (f.sw1 as { stats?: unknown }).stats);
  const r = await piman(['-c', cfg, 'status', '7']);
  assert.equal(r.code, 0, r.stderr);
  const [ports, switches] = r.stdout.split('\n\n');
  assert.match(ports!, /^SWITCH\s+PORT\s+MAC/);
  const lines = (switches ?? '').trim().split('\n');
  assert.match(lines[0]!, /^SWITCH\s+IN FLIGHT\s+QUEUED\s+REQUESTS\s+RETRIED\s+TIMED OUT\s+REACHABLE$/);
  assert.match(lines[1]!, /^sw1\s+4\s+120\s+300\s+7\s+9\s+yes$/);
  assert.match(lines[2]!, /^sw2\s+0\s+0\s+0\s+0\s+0\s+yes$/);
  assert.equal(lines.length, 3);
});

test('restart 7 power-cycles the port and waits for it', async () => {
  const before = f.sw1.calls.length;
  const r = await piman(['-c', cfg, 'restart', '7']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'sw1:7 power-cycled');
  assert.deepEqual(f.sw1.calls.slice(before).map((c) => `${c.port}:${c.power}`), ['7:off', '7:on']);
});

test('reinstall on a switch that does not answer prints the port error and exits 1', async (t) => {
  f.sw2.failWith = new Error('switch sw2 (127.0.0.2) did not answer within 5 s');
  t.after(() => {
    f.sw2.failWith = null;
  });
  const r = await piman(['-c', cfg, 'reinstall', 'sw2:5']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'piman: switch sw2 (127.0.0.2) did not answer within 5 s\n');
  // the mark stays: it is cleared only by a finished install
  assert.equal(f.cluster.port({ switchIndex: 2, port: 5 })?.reinstall, true);
});

test('reinstall --wait follows the install until the port is up', async (t) => {
  const key = { switchIndex: 1, port: 9 };
  // play the Pi: once powered on, netboot and install
  const off = f.cluster.on((e) => {
    if (e.port.switchIndex !== 1 || e.port.port !== 9 || e.effect.type !== 'stateChanged' || e.effect.to !== 'poweringOn') return;
    const steps: BootEvent[] = [
      { type: 'dhcp', pxe: true },
      { type: 'hello' },
      { type: 'decision', action: 'format' },
      { type: 'installProgress', percent: 50 },
      { type: 'archiveSent' },
      { type: 'installReported' },
      { type: 'up' },
    ];
    let i = 0;
    const timer = setInterval(() => {
      const s = steps[i++];
      if (!s) return clearInterval(timer);
      f.cluster.apply(key, s);
    }, 400);
    t.after(() => clearInterval(timer));
  });
  t.after(off);
  const r = await piman(['-c', cfg, 'reinstall', '--wait', '9']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^sw1:9 +- +poweringOn|^sw1:9 +- +netbooting/m);
  assert.match(r.stdout, /installing/);
  assert.match(r.stdout, /sw1:9 reinstalled and up\n$/);
  assert.equal(f.cluster.port(key)?.reinstall, false);
});

test('power 10 off switches the port off', async () => {
  const r = await piman(['-c', cfg, 'power', '10', 'off']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'sw1:10 power off');
  assert.equal(f.sw1.power.get(10), 'off');
});

test('no agent: one line saying piman server is not running, naming the address, exit 1', async () => {
  const port = await freeUdpPort();
  const dead = await writeConfig('dead.yaml', config(port));
  const r = await piman(['-c', dead, 'status']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `piman: piman server is not running: nothing listens on 127.0.0.1:${port} (agent.address and agent.port of piman.yaml)\n`);
});

test('a running agent that ignores the community: told apart from a stopped server, the community not printed, exit 1', async () => {
  const wrong = await writeConfig('wrong.yaml', config(f.agent.port).replace('agent:\n', 'agent:\n  readCommunity: n0t-the-one\n'));
  const r = await piman(['-c', wrong, 'status']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^piman: the agent at 127\\.0\\.0\\.1:${f.agent.port} did not answer the community in piman\\.yaml: check that agent\\.readCommunity`));
  assert.doesNotMatch(r.stderr, /n0t-the-one/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('a write community the agent does not accept for writes: refused, exit 1, nothing changes', async () => {
  const ro = await writeConfig('ro.yaml', config(f.agent.port).replace('agent:\n', 'agent:\n  readCommunity: private\n  writeCommunity: public\n'));
  const before = f.sw1.calls.length;
  const r = await piman(['-c', ro, 'restart', '11']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^piman: the piman agent refused the change: community 'public' may not write/);
  assert.equal(f.sw1.calls.length, before);
});

test('an unknown port is one line and exit 1; a malformed one is a usage error, exit 2', async () => {
  const r = await piman(['-c', cfg, 'restart', 'sw2:9']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "piman: port 'sw2:9': switch sw2 has ports 1-8\n");
  const bad = await piman(['-c', cfg, 'restart', '5-3']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^piman: port '5-3': range 5-3 runs backwards/);
});

test('mibs-path prints a -M value that finds PIMAN-MIB', async () => {
  const r = await piman(['mibs-path']);
  assert.equal(r.code, 0, r.stderr);
  const dirs = r.stdout.trim().split(':');
  assert.ok(dirs.some((d) => d.endsWith('/mibs')));
  assert.ok(dirs.some((d) => d.endsWith('net-snmp/lib/mibs')));
});
