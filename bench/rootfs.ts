/**
 * Rootfs streaming benchmark: a 1 GiB .tgz into `nc | gunzip | tar -x`
 * (what the Pi runs), served by piman's rootfs server versus the plain
 * `busybox nc -l -p PORT < rootfs.tgz` baseline, alternating in the same run.
 * Prints both throughputs, the ratio, and piman's peak RSS (VmHWM).
 * Targets: ratio >= 0.9, RSS < 150 MB.
 *
 *   npx tsx bench/rootfs.ts            (PIMAN_BENCH_MIB=1024 by default; ~2 min with the archive build)
 *   PIMAN_BENCH_KEEP=/some/dir          keeps the generated archive there for later runs
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, mkdir, rm, stat, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineClient } from '../test/helpers/line-client.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const MIB = Number(process.env.PIMAN_BENCH_MIB ?? 1024);
const ROUNDS = Number(process.env.PIMAN_BENCH_ROUNDS ?? 2);
const keep = process.env.PIMAN_BENCH_KEEP;
const work = await mkdtemp(join(tmpdir(), 'piman-bench-rootfs-'));
const children = new Set<ChildProcess>();
const cleanup = async (): Promise<void> => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
  await rm(work, { recursive: true, force: true });
};
process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

function sh(cmd: string): void {
  execFileSync('bash', ['-c', cmd], { stdio: 'inherit' });
}

/** ~MIB MiB of gzip: incompressible data so the archive really is that large. */
async function archive(): Promise<string> {
  const dir = keep ?? work;
  await mkdir(dir, { recursive: true });
  const file = join(dir, `rootfs-${MIB}.tgz`);
  if (existsSync(file)) return file;
  const tree = join(work, 'tree');
  await mkdir(join(tree, 'usr/lib'), { recursive: true });
  await mkdir(join(tree, 'bin'), { recursive: true });
  const parts = Math.max(1, Math.round(MIB / 128));
  const each = Math.ceil(MIB / parts);
  process.stderr.write(`building a ${MIB} MiB archive (${parts} files, gzip -1) ...\n`);
  for (let i = 0; i < parts; i++) sh(`head -c ${each}M /dev/urandom > ${tree}/usr/lib/blob${i}`);
  sh(`echo hi > ${tree}/bin/hello && tar -cf - -C ${tree} . | gzip -1 > ${file}.tmp && mv ${file}.tmp ${file}`);
  await rm(tree, { recursive: true, force: true });
  return file;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => res(p));
    });
  });
}

function exitOf(c: ChildProcess, what: string, timeoutMs = 300_000): Promise<number | null> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve(c.exitCode);
  return new Promise((res, rej) => {
    const t = setTimeout(() => (c.kill('SIGKILL'), rej(new Error(`${what} took over ${timeoutMs / 1000} s`))), timeoutMs);
    c.once('exit', (code) => (clearTimeout(t), res(code)));
  });
}

/**
 * The Pi side: `nc 127.0.0.1 PORT | gunzip | tar -xf -` into a fresh folder; seconds.
 * nc's stdin stays open (a pipe nobody writes): busybox `nc -l` quits as soon
 * as its peer half-closes, so `</dev/null` would cut the baseline short.
 */
async function receive(port: number): Promise<number> {
  const dest = join(work, 'dest');
  await rm(dest, { recursive: true, force: true });
  await mkdir(dest);
  const t0 = process.hrtime.bigint();
  const c = spawn('bash', ['-c', `set -o pipefail; busybox nc 127.0.0.1 ${port} | gunzip | tar -xf - -C ${dest}`], { stdio: ['pipe', 'inherit', 'inherit'] });
  children.add(c);
  const code = await exitOf(c, 'receiver');
  c.stdin!.destroy();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (code !== 0) throw new Error(`receiver failed (exit ${code})`);
  if (!existsSync(join(dest, 'bin/hello'))) throw new Error('archive not unpacked');
  await rm(dest, { recursive: true, force: true });
  return secs;
}

async function baseline(file: string): Promise<number> {
  const port = await freePort();
  const srv = spawn('bash', ['-c', `exec busybox nc -l -p ${port} < ${file}`], { stdio: 'inherit' });
  children.add(srv);
  // Wait until it listens: poll the port with a connect-less check via /proc/net/tcp.
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (let i = 0; i < 500; i++) {
    const tcp = await readFile('/proc/net/tcp', 'utf8');
    if (tcp.includes(`:${hex} 00000000:0000 0A`)) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const secs = await receive(port);
  await exitOf(srv, 'baseline nc', 30_000);
  return secs;
}

async function piman(file: string): Promise<{ secs: number; hwmKiB: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(here, 'rootfs-piman.ts'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const ports = await new Promise<{ controlPort: number; installPort: number }>((res, rej) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) res(JSON.parse(buf.slice(0, buf.indexOf('\n'))) as { controlPort: number; installPort: number });
    });
    child.once('exit', (c) => rej(new Error(`piman child exited (${c})`)));
  });
  const pi = await LineClient.connect(ports.controlPort);
  await pi.commands(1);
  pi.send('IS_UNINSTALLED\n');
  const cmds = await pi.commands(2);
  if (cmds[1] !== 'format') throw new Error(`expected format, got ${cmds[1]}`);
  const secs = await receive(ports.installPort);
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
  const hwmKiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  pi.close();
  process.kill(child.pid!, 'SIGTERM');
  await exitOf(child, 'piman child', 30_000);
  return { secs, hwmKiB };
}

try {
  const file = await archive();
  const size = (await stat(file)).size;
  const mib = size / 1048576;
  sh(`cat ${file} > /dev/null`); // warm the page cache for both
  const base: number[] = [];
  const ours: number[] = [];
  let hwm = 0;
  for (let r = 0; r < ROUNDS; r++) {
    base.push(await baseline(file));
    const p = await piman(file);
    ours.push(p.secs);
    hwm = Math.max(hwm, p.hwmKiB);
    process.stderr.write(`round ${r + 1}: nc ${(mib / base[r]!).toFixed(1)} MiB/s, piman ${(mib / p.secs).toFixed(1)} MiB/s\n`);
  }
  const best = (xs: number[]): number => Math.min(...xs);
  const ncRate = mib / best(base);
  const pimanRate = mib / best(ours);
  const ratio = pimanRate / ncRate;
  const rssMb = (hwm * 1024) / 1e6;
  console.log(`archive: ${mib.toFixed(0)} MiB gzip; receiver: busybox nc | gunzip | tar -x (best of ${ROUNDS})`);
  console.log(`baseline busybox nc -l < file: ${ncRate.toFixed(1)} MiB/s`);
  console.log(`piman rootfs server:           ${pimanRate.toFixed(1)} MiB/s`);
  console.log(`ratio piman/baseline: ${ratio.toFixed(3)} (target >= 0.9)`);
  console.log(`piman peak RSS (VmHWM): ${rssMb.toFixed(1)} MB (target < 150 MB)`);
  process.exitCode = ratio >= 0.9 && rssMb < 150 ? 0 : 1;
} finally {
  await cleanup();
}
