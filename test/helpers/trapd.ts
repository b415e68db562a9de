/** Debian snmptrapd on a free loopback port, logging what it decodes (PIMAN-MIB names); stopped by PID after the test. */
import type { TestContext } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort } from './ports.js';
import { MIB_ARGS } from './snmp-tools.js';

/** Resolves when `re` matches the accumulated output (rejects after `ms`). */
export function waitForOutput(get: () => string, re: RegExp, ms: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = (): void => {
      if (re.test(get())) return resolve();
      if (Date.now() - started > ms) return reject(new Error(`timed out waiting for ${what}; output so far:\n${get()}`));
      setTimeout(check, 50);
    };
    check();
  });
}

export async function startTrapd(t: TestContext): Promise<{ port: number; output: () => string }> {
  const dir = await mkdtemp(join(tmpdir(), 'piman-trapd-'));
  const conf = join(dir, 'snmptrapd.conf');
  await writeFile(conf, 'disableAuthorization yes\ndoNotRetainNotificationLogs yes\n');
  const port = await freeUdpPort();
  const trapd = spawn('snmptrapd', ['-f', '-Lo', '-n', '-C', '-c', conf, ...MIB_ARGS, `udp:127.0.0.1:${port}`], {
    env: { ...process.env, SNMP_PERSISTENT_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  trapd.stdout.on('data', (d: Buffer) => (out += d.toString()));
  trapd.stderr.on('data', (d: Buffer) => (out += d.toString()));
  t.after(async () => {
    // snmptrapd writes its persistent file into `dir` as it exits: remove the folder after that.
    if (trapd.exitCode === null && trapd.signalCode === null) {
      const exited = new Promise((r) => trapd.once('exit', r));
      trapd.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    await rm(dir, { recursive: true, force: true });
  });
  await waitForOutput(() => out, /NET-SNMP version/, 20_000, 'snmptrapd to start');
  return { port, output: () => out };
}
