/**
 * Debian snmpd standing in for a PoE switch: its own minimal config (no
 * system config: -C -c FILE), foreground, 127.0.0.1 on a free port, with
 * snmpd-poe-pass.mjs behind pass_persist. Stopped by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import snmp from 'net-snmp';
import { freeUdpPort } from './ports.js';

export interface SnmpdSwitch {
  readonly port: number;
  readonly v3User: { name: string; authKey: string; privKey: string };
  sets(): Promise<Array<{ at: number; oid: string; value: number }>>;
  stop(): Promise<void>;
}

const PASS = new URL('./snmpd-poe-pass.mjs', import.meta.url).pathname;

export async function startSnmpdSwitch(opts: { ports: number; group?: number }): Promise<SnmpdSwitch> {
  const dir = await mkdtemp(join(tmpdir(), 'piman-snmpd-'));
  const port = await freeUdpPort();
  const state = join(dir, 'state.json');
  const group = opts.group ?? 1;
  const user = { name: 'pimanv3', authKey: 'authpass-123', privKey: 'privpass-123' };
  const pass = (base: string): string => `pass_persist ${base} ${process.execPath} ${PASS} ${base} ${state} ${opts.ports} ${group}`;
  const conf = [
    `agentaddress udp:127.0.0.1:${port}`,
    'rocommunity public 127.0.0.1',
    'rwcommunity private 127.0.0.1',
    // community@vlan: the "@10" form sees only the bridge tables, the plain form only PoE.
    'rocommunity vlan@10 127.0.0.1 .1.3.6.1.2.1.17',
    'rwcommunity vlan 127.0.0.1 .1.3.6.1.2.1.105',
    `createUser ${user.name} SHA "${user.authKey}" AES "${user.privKey}"`,
    `rwuser ${user.name} priv`,
    pass('.1.3.6.1.2.1.105.1.1.1'),
    pass('.1.3.6.1.2.1.17'),
    '',
  ].join('\n');
  await writeFile(join(dir, 'snmpd.conf'), conf);
  const child: ChildProcess = spawn('snmpd', ['-f', '-Lo', '-C', '-c', join(dir, 'snmpd.conf'), '-p', join(dir, 'snmpd.pid')], {
    env: { ...process.env, SNMP_PERSISTENT_DIR: dir, MIBS: '', MIBDIRS: '/nonexistent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      const t = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitUntilAnswering(port, 20_000, () => child.exitCode !== null);
  } catch (e) {
    await stop();
    throw new Error(`snmpd did not start: ${(e as Error).message}\n${output}`);
  }
  return {
    port,
    v3User: user,
    async sets() {
      if (!existsSync(state)) return [];
      return (JSON.parse(await readFile(state, 'utf8')) as { sets: Array<{ at: number; oid: string; value: number }> }).sets;
    },
    stop,
  };
}

/** GETs pethPsePortAdminEnable.1.1 until snmpd (and its pass_persist program) answers. */
async function waitUntilAnswering(port: number, timeoutMs: number, dead: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const s = snmp.createSession('127.0.0.1', 'public', { port, version: snmp.Version2c, timeout: 500, retries: 0 });
  s.on('error', () => undefined);
  try {
    while (Date.now() < deadline) {
      if (dead()) throw new Error('snmpd exited');
      const ok = await new Promise<boolean>((resolve) =>
        s.get(['1.3.6.1.2.1.105.1.1.1.3.1.1'], (err, vbs) => resolve(!err && !!vbs?.[0] && !snmp.isVarbindError(vbs[0]))),
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no answer on 127.0.0.1:${port} within ${timeoutMs} ms`);
  } finally {
    s.close();
  }
}
