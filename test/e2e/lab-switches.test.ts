/**
 * A lab with two simulated switches, each its own SNMP agent: the agent's
 * pimanPortTable (walked with Debian's snmpwalk) has both, and the CLI's
 * `sw2:` ports reach the second switch only.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { Lab } from '../../src/lab/lab.js';
import { until } from '../../src/lab/run-lab.js';
import { silentLogger } from '../../src/log.js';
import { runTool, v2c } from '../helpers/snmp-tools.js';
import { skipOrFail } from '../helpers/require-env.js';
import { eventually } from '../helpers/eventually.js';

const bin = new URL('../../bin/piman.js', import.meta.url).pathname;
let lab: Lab;
const power: string[] = [];

function piman(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

before(async () => {
  lab = await Lab.start({ pis: 8, switches: 2, model: 4, log: silentLogger() });
  await lab.powerOnAll();
  await until(lab, () => lab.daemon.ctx.cluster.ports().every((p) => p.state === 'up'), 90_000, 'every Pi up');
  // From here on, every power change each switch makes itself.
  lab.sims.forEach((sim, i) => sim.on('power', (port, pw) => power.push(`sw${i + 1}:${port} ${pw}`)));
});
after(async () => {
  await lab?.stop();
});

test('two switches: hosts are spread 4 + 4, each switch is its own agent and pimanSwitchTable row', () => {
  assert.deepEqual(lab.config.switches.map((s) => [s.name, s.ports]), [['sw1', 4], ['sw2', 4]]);
  assert.notEqual(lab.ports.switchPorts?.[0], lab.ports.switchPorts?.[1]);
  assert.deepEqual(lab.keys().map((k) => `${k.switchIndex}.${k.port}`), ['1.1', '1.2', '1.3', '1.4', '2.1', '2.2', '2.3', '2.4']);
});

test('snmpwalk of pimanPortTable shows the ports of both switches', async (t) => {
  const a = lab.config.agent;
  const r = await runTool('snmpwalk', [...v2c(a.readCommunity, `${a.address}:${a.port}`), 'PIMAN-MIB::pimanPortHostname']);
  if (r.code !== 0 && /ENOENT|not found/i.test(r.stderr)) return skipOrFail(t, 'snmpwalk (net-snmp tools) not installed');
  assert.equal(r.code, 0, r.stderr);
  for (let n = 1; n <= 8; n++) {
    const sw = n <= 4 ? 1 : 2;
    const port = n <= 4 ? n : n - 4;
    assert.match(r.stdout, new RegExp(`pimanPortHostname\\.${sw}\\.${port} = STRING: "?pi00${n}"?`));
  }
  const sws = await runTool('snmpwalk', [...v2c(a.readCommunity, `${a.address}:${a.port}`), 'PIMAN-MIB::pimanSwitchName']);
  assert.match(sws.stdout, /pimanSwitchName\.1 = STRING: "?sw1"?/);
  assert.match(sws.stdout, /pimanSwitchName\.2 = STRING: "?sw2"?/);
});

test('piman status sw2:1-4 lists the second switch\'s ports only', async () => {
  const r = await piman(['status', 'sw2:1-4', '--json', '-c', lab.configPath]);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as Array<{ switch: string; port: number; hostname: string; state: string; bootAttempts: number }>;
  assert.deepEqual(rows.map((x) => `${x.switch}:${x.port} ${x.hostname}`), ['sw2:1 pi005', 'sw2:2 pi006', 'sw2:3 pi007', 'sw2:4 pi008']);
  assert.ok(rows.every((x) => x.state === 'up' && x.bootAttempts === 0));
});

test('piman restart sw2:2 power-cycles that port of the second switch and nothing on the first', async () => {
  power.length = 0;
  const r = await piman(['restart', 'sw2:2', '-c', lab.configPath]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.deepEqual(power, ['sw2:2 off', 'sw2:2 on']);
  const pi = lab.piAt({ switchIndex: 2, port: 2 })!;
  // The command ends when the port is powered on again; the Pi starts its boot after that.
  await eventually(() => pi.status().boots === 2, 'the Pi on sw2:2 booted again', 10_000);
  assert.equal(lab.piAt({ switchIndex: 1, port: 2 })!.status().boots, 1, 'the Pi on sw1:2 was left alone');
});
