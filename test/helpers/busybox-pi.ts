/**
 * Runs the shipped pi/hello_protocol.sh the way the initramfs does
 * (`nc $master $port -e /hello_protocol.sh`), under Debian's busybox: nc,
 * gunzip and tar resolve to busybox applets through a folder of symlinks.
 * The hardware steps are replaced by test/helpers/pi-hooks.sh.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, symlink, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
export const HELLO_SCRIPT = resolve(here, '../../pi/hello_protocol.sh');
export const HOOKS = resolve(here, 'pi-hooks.sh');
/** The old piman.py project's script, unchanged, run in its chroot (test/vendor/piman-py/README.md), and its disk shims. */
export const OLD_HELLO_SCRIPT = resolve(here, 'old-pi/enter.sh');
export const OLD_HOOKS = resolve(here, 'old-pi/shims.sh');
const APPLETS = ['nc', 'gunzip', 'tar', 'cat', 'rm', 'mkdir', 'sh', 'sync', 'printf'];

export interface BusyboxPiOptions {
  readonly work: string;
  readonly controlPort: number;
  readonly installPort: number;
  readonly master?: string;
  readonly trace?: boolean;
  readonly timeoutMs?: number;
  /** The Pi-side script and its hooks (default: pi/hello_protocol.sh with pi-hooks.sh). */
  readonly script?: string;
  readonly hooks?: string;
  /** More environment for the script (e.g. OLD_SCRIPT, which old script enter.sh runs). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface BusyboxPiRun {
  readonly code: number | null;
  /** Hardware steps the script took, in order (format, unpacked, mount, clock ...). */
  readonly steps: string[];
}

export async function busyboxBin(work: string): Promise<string> {
  const bin = join(work, 'bin');
  await rm(bin, { recursive: true, force: true });
  await mkdir(bin, { recursive: true });
  for (const a of APPLETS) await symlink('/bin/busybox', join(bin, a));
  return bin;
}

export function targetOf(work: string): string {
  return join(work, 'sd');
}

/** One boot of the Pi: connect, talk, maybe install; resolves when the script exits. */
export async function runBusyboxPi(o: BusyboxPiOptions): Promise<BusyboxPiRun> {
  const bin = await busyboxBin(o.work);
  const log = join(o.work, 'steps.log');
  await rm(log, { force: true });
  const tmp = join(o.work, 'tmp');
  await mkdir(tmp, { recursive: true });
  const nc = ['nc', o.master ?? '127.0.0.1', String(o.controlPort), '-e', o.script ?? HELLO_SCRIPT];
  const child = spawn('/bin/busybox', nc, {
    env: {
      PATH: `${bin}:/usr/bin:/bin`,
      master: o.master ?? '127.0.0.1',
      install_port: String(o.installPort),
      target: targetOf(o.work),
      TMPDIR: tmp,
      PIMAN_HOOKS: o.hooks ?? HOOKS,
      PIMAN_TEST_LOG: log,
      piman_trace: o.trace ? '1' : '0',
      ...o.env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const code = await new Promise<number | null>((res, rej) => {
    const timer = setTimeout(() => {
      if (child.pid) process.kill(child.pid, 'SIGKILL');
      rej(new Error(`busybox Pi did not finish within ${(o.timeoutMs ?? 60_000) / 1000} s`));
    }, o.timeoutMs ?? 60_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      rej(e);
    });
    child.once('exit', (c) => {
      clearTimeout(timer);
      res(c);
    });
  });
  const steps = (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  return { code, steps };
}
