/**
 * The control channel through the shipped Pi-side script, exactly as the
 * initramfs runs it: `busybox nc $master 3333 -e hello_protocol.sh`, with
 * busybox applets for nc/gunzip/tar and a hooks file standing in for the SD
 * card (pi/hello_protocol.sh's PIMAN_HOOKS). The unpacked root lands in
 * `target`; the outcome is read back from there.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PimanError } from '../../errors.js';
import { RELEASE_FILE } from '../rootfs-receiver.js';
import type { HelloOutcome } from '../hello-client.js';
import type { ControlContext } from '../virtual-pi.js';

export interface ScriptControlOptions {
  /** pi/hello_protocol.sh */
  readonly script: string;
  /** Shell file that replaces the hardware steps (see pi-hooks.sh). */
  readonly hooks: string;
  /** The Pi's SD card: target/ holds the root, steps.log the hardware steps. */
  readonly disk: string;
  readonly controlPort: number;
  readonly installPort: number;
  /** Send the `set -x` trace down the socket, like the old script. */
  readonly trace: boolean;
  readonly timeoutMs: number;
}

const APPLETS = ['nc', 'gunzip', 'tar', 'cat', 'rm', 'mkdir', 'sh', 'sync', 'printf', 'echo', 'ls'];

export function targetOf(disk: string): string {
  return join(disk, 'target');
}

/** Is the SD card installed (what the hooks' is_installed says), and with which release. */
export async function diskRelease(disk: string): Promise<string | null> {
  try {
    return (await readFile(join(targetOf(disk), RELEASE_FILE), 'utf8')).trim();
  } catch {
    return null;
  }
}

async function appletDir(disk: string): Promise<string> {
  const bin = join(disk, 'applets');
  await rm(bin, { recursive: true, force: true });
  await mkdir(bin, { recursive: true });
  for (const a of APPLETS) await symlink('/bin/busybox', join(bin, a));
  return bin;
}

export function scriptControl(o: ScriptControlOptions): (ctx: ControlContext) => Promise<HelloOutcome> {
  return async (ctx) => {
    const bin = await appletDir(o.disk);
    const tmp = join(o.disk, 'tmp');
    await mkdir(tmp, { recursive: true });
    const steps = join(o.disk, 'steps.log');
    await rm(steps, { force: true });
    const child = spawn('/bin/busybox', ['nc', ctx.master, String(o.controlPort), '-e', o.script], {
      env: {
        PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin`,
        master: ctx.master,
        install_port: String(o.installPort),
        target: targetOf(o.disk),
        TMPDIR: tmp,
        PIMAN_HOOKS: o.hooks,
        PIMAN_TEST_LOG: steps,
        piman_trace: o.trace ? '1' : '0',
      },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      const kill = (): void => void (child.exitCode === null && child.kill('SIGKILL'));
      const timer = setTimeout(() => {
        kill();
        reject(new PimanError('E_ROOTFS', `hello_protocol.sh did not finish within ${o.timeoutMs / 1000} s`));
      }, o.timeoutMs);
      const onAbort = (): void => {
        kill();
        reject(new PimanError('E_ROOTFS', 'aborted (power off)'));
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new PimanError('E_ROOTFS', `cannot run busybox nc: ${e.message}`));
      });
      child.once('exit', (c) => {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onAbort);
        resolve(c);
      });
    });
    const log = (await readFile(steps, 'utf8').catch(() => '')).split('\n');
    if (code !== 0) throw new PimanError('E_ROOTFS', `hello_protocol.sh exited with ${code} (steps: ${log.filter(Boolean).join(', ') || 'none'})`);
    if (!log.includes('format')) return { action: 'boot' };
    const release = (await diskRelease(o.disk)) ?? '';
    return { action: 'format', image: { release, files: 0, gzBytes: 0, sha256: '' } };
  };
}
