/**
 * TFTP benchmark: piman vs tftpd-hpa (in.tftpd) vs dnsmasq, same run, in a
 * network namespace of its own (loopback inside it), client: curl.
 *
 *   npx tsx bench/tftp.ts [--size-mib 32] [--clients 100] [--files 20]
 *                         [--set-mib 20] [--runs 3] [--no-storm] [--no-single]
 *                         [--servers piman,tftpd-hpa,dnsmasq,node-floor,native-floor,piman-node]
 *                         [--piman-node-options '--cpu-prof --cpu-prof-dir=/tmp/p']
 *                         [--baseline DIR]   (also runs piman from checkout DIR as piman-base)
 *
 * 1. single transfer of one file (blksize 1468), server pinned to CPU 0 and
 *    curl to CPU 1 (peers.md: compare single streams only under equal pinning),
 *    and both on CPU 0; one untimed warm-up transfer, then the median of
 *    --runs, MiB/s and ratio to each peer;
 * 2. boot storm: --clients curl processes at once, each fetching a Pi 4
 *    set of --files files (--set-mib MiB in total) one after the other;
 *    wall time and failed transfers (wrong size or curl error) per server.
 * Needs root (namespace, port 69 for dnsmasq); installs its peers with
 * bench/tftp-deps.sh. Cleans up its namespace, processes and files.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const flag = (name: string): boolean => args.includes(`--${name}`);
const SIZE_MIB = opt('size-mib', 32);
const CLIENTS = opt('clients', 100);
const FILES = opt('files', 20);
const SET_MIB = opt('set-mib', 20);
const RUNS = opt('runs', 3);
/** piman's transfer worker threads (tftp.workers). */
const WORKERS = opt('workers', 2);
/** Extra node flags for piman's server alone (profiling: --cpu-prof reaches the transfer threads too). */
const PIMAN_NODE_OPTIONS = args.includes('--piman-node-options') ? args[args.indexOf('--piman-node-options') + 1]!.split(' ').filter(Boolean) : [];
/** Another checkout of piman (with node_modules), run as `piman-base` in the same run: before/after under the same load. */
const BASELINE = args.includes('--baseline') ? args[args.indexOf('--baseline') + 1]! : null;
const ONLY = args.includes('--servers') ? args[args.indexOf('--servers') + 1]!.split(',') : null;

interface Server {
  readonly name: string;
  readonly port: number;
  readonly start: (root: string, cpu: string | null) => string[];
  /** Not a peer (a floor, a variant of piman): runs only when --servers names it. */
  readonly onRequest?: true;
}

const NS = `piman-tftpb-${process.pid}`;
const ALL_SERVERS: Server[] = [
  {
    name: 'piman',
    port: 6969,
    start: (root) => [process.execPath, ...PIMAN_NODE_OPTIONS, '--import', 'tsx', join(here, 'tftp-serve.ts'), root, '6969', '127.0.0.1', String(WORKERS)],
  },
  ...(BASELINE
    ? [{ name: 'piman-base', port: 6972, onRequest: true as const, start: (root: string) => [process.execPath, '--import', 'tsx', join(BASELINE, 'bench', 'tftp-serve.ts'), root, '6972', '127.0.0.1', String(WORKERS)] }]
    : []),
  {
    // piman with tftp.datagrams: node (node:dgram), against the native path of `piman`. Only with --servers.
    name: 'piman-node',
    onRequest: true,
    port: 6974,
    start: (root) => [process.execPath, ...PIMAN_NODE_OPTIONS, '--import', 'tsx', join(here, 'tftp-serve.ts'), root, '6974', '127.0.0.1', String(WORKERS), 'node'],
  },
  {
    // Not a peer: node:dgram with no server logic (bench/tftp-floor.mjs), piman's floor in Node. Only with --servers.
    name: 'node-floor',
    onRequest: true,
    port: 6971,
    start: (root) => [process.execPath, join(here, 'tftp-floor.mjs'), root, '6971', '127.0.0.1', String(WORKERS)],
  },
  {
    // The same floor over piman's native datagram path (native/udp-batch.c). Only with --servers.
    name: 'native-floor',
    onRequest: true,
    port: 6973,
    start: (root) => [process.execPath, join(here, 'tftp-floor.mjs'), root, '6973', '127.0.0.1', String(WORKERS), 'native'],
  },
  { name: 'tftpd-hpa', port: 6970, start: (root) => ['/usr/sbin/in.tftpd', '-L', '-4', '-a', '127.0.0.1:6970', '-s', '-u', 'root', '-B', '1468', root] },
  {
    name: 'dnsmasq',
    port: 69, // dnsmasq's TFTP port is fixed; the namespace keeps it private
    start: (root) => ['/usr/sbin/dnsmasq', '-k', '--port=0', '--enable-tftp', `--tftp-root=${root}`, '--tftp-max=200', '--listen-address=127.0.0.1', '--bind-interfaces', '--conf-file=/dev/null', '--pid-file=', '--user=root', '--log-facility=-'],
  },
];

// In the order --servers names them (load drifts: swap the order to see its effect).
const SERVERS = ONLY ? ONLY.flatMap((n) => ALL_SERVERS.filter((s) => s.name === n)) : ALL_SERVERS.filter((s) => !s.onRequest);

const children = new Set<ChildProcess>();
let work = '';

function sh(cmd: string[], what: string): void {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`${what} failed (${cmd.join(' ')})`);
}

function inNs(cmd: string[], cpu: string | null): string[] {
  const pinned = cpu === null ? cmd : ['taskset', '-c', cpu, ...cmd];
  return ['ip', 'netns', 'exec', NS, ...pinned];
}

function startServer(s: Server, root: string, cpu: string | null): Promise<ChildProcess> {
  const cmd = inNs(s.start(root, cpu), cpu);
  // cwd: the repository, so `--import tsx` resolves wherever the bench is started from.
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], cwd: join(here, '..') });
  children.add(child);
  child.on('exit', () => children.delete(child));
  child.stderr!.on('data', (d: Buffer) => {
    const t = d.toString();
    if (!/^stats /.test(t) && s.name !== 'dnsmasq') process.stderr.write(`[${s.name}] ${t}`);
  });
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`${s.name} did not start within 60 s`)), 60_000);
    const poll = (): void => {
      // Ready when something listens on its UDP port inside the namespace.
      const r = spawnSync('ip', ['netns', 'exec', NS, 'ss', '-Hlun', `sport = :${s.port}`], { encoding: 'utf8' });
      if (r.stdout.trim().length > 0) {
        clearTimeout(deadline);
        resolve(child);
      } else if (child.exitCode !== null) {
        clearTimeout(deadline);
        reject(new Error(`${s.name} exited with ${child.exitCode}`));
      } else setTimeout(poll, 100);
    };
    poll();
  });
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function run(cmd: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    children.add(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(t);
      children.delete(child);
      resolve({ code, out });
    });
  });
}

function curlCmd(port: number, files: readonly string[], cpu: string | null): string[] {
  const c = ['curl', '-s', '--tftp-blksize', '1468', '--max-time', '120', '-w', '%{size_download}\\n'];
  for (const f of files) c.push('-o', '/dev/null', `tftp://127.0.0.1:${port}/${f}`);
  return inNs(c, cpu);
}

/** Pi 4 boot set: a few large files and many small ones, SET_MIB in total. */
function makeSet(root: string): Map<string, number> {
  const shape: Array<[string, number]> = [
    ['kernel8.img', 0.4], ['initramfs8', 0.36], ['start4.elf', 0.11], ['bcm2711-rpi-4-b.dtb', 0.0026],
    ['fixup4.dat', 0.00026], ['config.txt', 0.00005], ['cmdline.txt', 0.00001],
  ];
  const files = new Map<string, number>();
  const total = SET_MIB * 1024 * 1024;
  let used = 0;
  for (const [n, frac] of shape.slice(0, FILES)) {
    const size = Math.max(64, Math.round(total * frac));
    files.set(n, size);
    used += size;
  }
  const rest = FILES - files.size;
  for (let i = 0; i < rest; i++) files.set(`overlays/o${i}.dtbo`, Math.max(512, Math.floor((total - used) / rest)));
  mkdirSync(join(root, 'overlays'), { recursive: true });
  for (const [n, size] of files) {
    const content = n === 'cmdline.txt' ? Buffer.from('console=serial0 root=/dev/nfs ip=dhcp\n') : randomBytes(size);
    writeFileSync(join(root, n), content);
    files.set(n, content.length);
  }
  return files;
}

/** CPU seconds (user, system) of a process and its reaped children (in.tftpd forks one per transfer), from /proc. */
function processCpu(pid: number | undefined): { user: number; sys: number } {
  if (!pid) return { user: NaN, sys: NaN };
  try {
    const f = statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    // fields 14-17 of stat(5): utime stime cutime cstime, here at 11-14
    return { user: (Number(f[11]) + Number(f[13])) / CLOCK_TICKS, sys: (Number(f[12]) + Number(f[14])) / CLOCK_TICKS };
  } catch {
    return { user: NaN, sys: NaN };
  }
}

const statFields = (stat: string): string[] => stat.slice(stat.lastIndexOf(')') + 2).split(' ');

/** CPU seconds (user + system) of each live thread of `pid`, by thread id, with its name. */
function threadCpu(pid: number | undefined): Map<string, { name: string; cpu: number }> {
  const out = new Map<string, { name: string; cpu: number }>();
  if (!pid) return out;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const f = statFields(stat);
        out.set(tid, { name, cpu: (Number(f[11]) + Number(f[12])) / CLOCK_TICKS });
      } catch {
        /* thread ended meanwhile */
      }
    }
  } catch {
    /* process ended */
  }
  return out;
}

/** Per-thread CPU used between two threadCpu() samples, summed by thread name (threads that ended are missing). */
function threadDelta(a: Map<string, { name: string; cpu: number }>, b: Map<string, { name: string; cpu: number }>): string {
  const by = new Map<string, number[]>();
  for (const [tid, t] of b) {
    const used = t.cpu - (a.get(tid)?.cpu ?? 0);
    if (used < 0.05) continue;
    by.set(t.name, [...(by.get(t.name) ?? []), used]);
  }
  return [...by].map(([name, xs]) => `${name} ${xs.sort((x, y) => y - x).map((x) => x.toFixed(1)).join('+')}`).join(', ');
}

/** Busy CPU seconds of the whole machine (all CPUs, everything but idle and iowait). */
function machineBusyCpu(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3]! + f[4]!;
  return (f.reduce((a, b) => a + b, 0) - idle) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function single(root: string, pin: [string, string]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const bytes = SIZE_MIB * 1024 * 1024;
  for (const s of SERVERS) {
    const child = await startServer(s, root, pin[0]);
    const rates: number[] = [];
    try {
      // One untimed transfer first, for every server: piman's JIT warms up on it
      // (a running daemon is warm); the C servers are unaffected.
      await run(curlCmd(s.port, ['big.bin'], pin[1]), 180_000);
      for (let i = 0; i < RUNS; i++) {
        const t0 = process.hrtime.bigint();
        const r = await run(curlCmd(s.port, ['big.bin'], pin[1]), 180_000);
        const secs = Number(process.hrtime.bigint() - t0) / 1e9;
        if (r.code !== 0 || Number(r.out.trim()) !== bytes) throw new Error(`${s.name}: single transfer failed (curl ${r.code}, ${r.out.trim()} bytes)`);
        rates.push(SIZE_MIB / secs);
      }
    } finally {
      await stopServer(child);
    }
    out.set(s.name, median(rates));
  }
  return out;
}

interface StormResult {
  secs: number;
  failed: number;
  /** CPU seconds of the server and of the whole machine during the storm. */
  serverCpu: number;
  serverUser: number;
  serverSys: number;
  /** piman only: CPU seconds per thread name. */
  threads: string;
  machineCpu: number;
}

async function storm(root: string, set: Map<string, number>): Promise<Map<string, StormResult>> {
  const out = new Map<string, StormResult>();
  const names = [...set.keys()];
  const sizes = [...set.values()];
  for (const s of SERVERS) {
    const child = await startServer(s, root, null);
    try {
      const cpu0 = processCpu(child.pid);
      const th0 = threadCpu(child.pid);
      const busy0 = machineBusyCpu();
      const t0 = process.hrtime.bigint();
      const results = await Promise.all(Array.from({ length: CLIENTS }, () => run(curlCmd(s.port, names, null), 300_000)));
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu1 = processCpu(child.pid);
      const threads = s.name !== 'dnsmasq' && s.name !== 'tftpd-hpa' ? threadDelta(th0, threadCpu(child.pid)) : '';
      const serverUser = cpu1.user - cpu0.user;
      const serverSys = cpu1.sys - cpu0.sys;
      const serverCpu = serverUser + serverSys;
      const machineCpu = machineBusyCpu() - busy0;
      let failed = 0;
      for (const r of results) {
        const got = r.out.trim().split('\n').map(Number);
        sizes.forEach((size, i) => {
          if (got[i] !== size) failed++;
        });
      }
      out.set(s.name, { secs, failed, serverCpu, serverUser, serverSys, threads, machineCpu });
      console.error(`  (${s.name}: ${secs.toFixed(1)} s, failed ${failed}, server CPU ${serverCpu.toFixed(1)} s)`);
    } finally {
      await stopServer(child);
    }
  }
  return out;
}

function ratios(name: string, v: number, all: Map<string, number>, higherIsBetter: boolean): string {
  const parts: string[] = [];
  for (const [peer, pv] of all) {
    if (peer === name) continue;
    parts.push(`${(higherIsBetter ? v / pv : pv / v).toFixed(2)}x ${peer}`);
  }
  return parts.join(', ');
}

async function main(): Promise<void> {
  sh(['bash', join(here, 'tftp-deps.sh')], 'installing peers');
  work = mkdtempSync(join(tmpdir(), 'piman-tftpb-'));
  const root = join(work, 'root');
  mkdirSync(root);
  sh(['ip', 'netns', 'add', NS], 'creating the namespace (needs root)');
  sh(['ip', '-n', NS, 'link', 'set', 'lo', 'up'], 'bringing up loopback');
  // glibc's getaddrinfo (AI_ADDRCONFIG) ignores loopback-only hosts, and in.tftpd
  // then cannot resolve 127.0.0.1: give the namespace one non-loopback address.
  sh(['ip', '-n', NS, 'link', 'add', 'pb0', 'type', 'veth', 'peer', 'name', 'pb1'], 'creating a veth pair');
  sh(['ip', '-n', NS, 'addr', 'add', '10.254.254.1/30', 'dev', 'pb0'], 'addressing the veth');
  sh(['ip', '-n', NS, 'link', 'set', 'pb0', 'up'], 'bringing up the veth');
  writeFileSync(join(root, 'big.bin'), randomBytes(SIZE_MIB * 1024 * 1024));
  const set = makeSet(root);
  console.log(`TFTP bench: ${SIZE_MIB} MiB single transfer x${RUNS} (median), storm ${CLIENTS} clients x ${set.size} files (${SET_MIB} MiB each), blksize 1468, client curl`);

  if (!flag('no-single')) {
    for (const pin of [['0', '1'], ['0', '0']] as Array<[string, string]>) {
      const r = await single(root, pin);
      console.log(`\nsingle transfer, server on CPU ${pin[0]}, curl on CPU ${pin[1]}:`);
      for (const [name, v] of r) console.log(`  ${name.padEnd(10)} ${v.toFixed(1).padStart(7)} MiB/s   ${name === 'piman' ? ratios(name, v, r, true) : ''}`);
    }
  }
  if (!flag('no-storm')) {
    const r = await storm(root, set);
    console.log(`\nboot storm (${CLIENTS} x ${set.size} files, unpinned):`);
    const secs = new Map([...r].map(([k, v]) => [k, v.secs]));
    for (const [name, v] of r) {
      const cpu = `server CPU ${v.serverCpu.toFixed(1)} s (user ${v.serverUser.toFixed(1)}, sys ${v.serverSys.toFixed(1)}), machine ${v.machineCpu.toFixed(1)} s`;
      console.log(`  ${name.padEnd(10)} ${v.secs.toFixed(2).padStart(7)} s   failed ${v.failed}/${CLIENTS * set.size}   ${cpu}   ${name === 'piman' ? 'speed ' + ratios(name, v.secs, secs, false) : ''}`);
      if (v.threads) console.log(`             threads (CPU s): ${v.threads}`);
    }
  }
}

async function cleanup(): Promise<void> {
  await Promise.all([...children].map((c) => stopServer(c)));
  spawnSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
  if (work) rmSync(work, { recursive: true, force: true });
}

process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
main()
  .catch((e: unknown) => {
    console.error(`bench failed: ${(e as Error).message}`);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
