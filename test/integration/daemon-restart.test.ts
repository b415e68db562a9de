/**
 * `piman restart 7` through the whole chain: CLI -> piman's SNMP agent ->
 * daemon -> SNMP switch client -> simulated PoE switch; then the same with
 * the switch gone, which must end in one actionable line and exit 1.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimSwitch } from '../../src/lab/sim-switch.js';
import { JsonLines } from '../helpers/json-lines.js';
import { freeUdpPort } from '../helpers/ports.js';

const PIMAN = new URL('../../bin/piman.js', import.meta.url).pathname;
const OFF_SECONDS = 1.5;

const work = await mkdtemp(join(tmpdir(), 'piman-restart-'));
const sim = await SimSwitch.start({ ports: 8, port: 0, address: '127.0.0.1', macDelayMs: 0 });
const agentPort = await freeUdpPort();
await writeFile(join(work, 'rootfs.tgz'), Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
await writeFile(join(work, 'hosts.csv'), 'switch,port,mac,ip,hostname\nsw1,7,b8:27:eb:00:00:07,127.0.1.7,pi7\n');
await writeFile(
  join(work, 'piman.yaml'),
  [
    'server: { address: 127.0.0.1 }',
    'dhcp: { enabled: false }',
    'tftp: { enabled: false }',
    `agent: { address: 127.0.0.1, port: ${agentPort} }`,
    'control: { address: 127.0.0.1, port: 0 }',
    'install: { address: 127.0.0.1, port: 0 }',
    `power: { offSeconds: ${OFF_SECONDS}, staggerSeconds: 0.5 }`,
    'switches:',
    `  - { name: sw1, address: 127.0.0.1, port: ${sim.port}, community: private, ports: 8, timeoutMs: 5000, retries: 1 }`,
    '',
  ].join('\n'),
);
let server: ChildProcess | null = null;
after(async () => {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  await sim.stop().catch(() => undefined);
  await rm(work, { recursive: true, force: true });
});

function piman(args: string[]): Promise<{ code: number; stderr: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) =>
    execFile(process.execPath, [PIMAN, '-c', join(work, 'piman.yaml'), ...args], { timeout: 60_000 }, (err, _out, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stderr, ms: Date.now() - t0 }),
    ),
  );
}

test('piman restart 7: the switch sees port 7 off, then on after the configured off time', async () => {
  server = spawn(process.execPath, [PIMAN, '-c', join(work, 'piman.yaml'), 'server'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const out = new JsonLines(server.stdout!);
  await out.waitFor((j) => j.msg === 'SNMP agent listening', 'the agent to listen');
  const r = await piman(['restart', '7']);
  assert.equal(r.code, 0, r.stderr);
  const port7 = sim.model.sets.filter((s) => s.oid === '1.3.6.1.2.1.105.1.1.1.3.1.7');
  assert.deepEqual(port7.map((s) => s.value), [2, 1], 'off (2) then on (1)');
  const gap = port7[1]!.at - port7[0]!.at;
  assert.ok(gap >= OFF_SECONDS * 1000 - 50, `port stayed off ${gap} ms, configured ${OFF_SECONDS * 1000} ms`);
  assert.equal(sim.model.sets.filter((s) => s.port !== 7).length, 0, 'no other port touched');
});

test('with the switch stopped, piman restart 7 exits 1 with one line naming the switch, within the timeout', async () => {
  assert.ok(server, 'the daemon from the first test runs');
  await sim.stop();
  const r = await piman(['restart', '7']);
  assert.equal(r.code, 1);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, new RegExp(`^piman: switch sw1 \\(127\\.0\\.0\\.1:${sim.port}\\) did not answer within 5 s`));
  assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
});
