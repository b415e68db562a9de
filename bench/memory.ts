/**
 * `node --import tsx bench/memory.ts [options]`: piman server's memory as
 * `npm run bench` measures it (RSS at idle with 1,000 Pis configured; peak
 * RSS, wall time and CPU of a TFTP storm), on 127.0.0.1 with free ports: no
 * root, no namespaces, no peers, so memory work can be measured and
 * repeated anywhere. Builds dist/ first when stale. Options:
 *   --node-options '...'  NODE_OPTIONS for piman server (default: none)
 *   --tftp-workers N      tftp.workers (default auto, as the bench)
 *   --tftp-datagrams P    tftp.datagrams: auto (default, as the bench), native or node
 *   --wait S              seconds from start to the idle reading (default 65, as npm run bench; 15 s is printed too)
 *   --storm N             then N curl clients at once, each fetching a 20-file 20 MiB Pi 4 boot set
 *   --rootfs-mib N        a rootfs.tgz of N MiB of gzip, as the bench's (default: a small one)
 *   --trace               RSS every second until the idle reading
 * MEMORY_HOOK='cmd PID': run before the idle reading, PID replaced (e.g. a smaps summary).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBootFolder, writeRootfs } from '../src/lab/lab-files.js';
import { freeUdpPort } from '../src/lab/free-port.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const nodeOptions = arg('--node-options');
/** As bench/all.ts: RSS 15 s after the start, and at idle once V8 has given the start-up's memory back. */
const STARTED_MS = 15_000;
const waitMs = arg('--wait') ? Number(arg('--wait')) * 1000 : 65_000;
const tftpWorkers = arg('--tftp-workers') ?? 'auto';
const tftpDatagrams = arg('--tftp-datagrams') ?? 'auto';
const stormClients = Number(arg('--storm') ?? 0);
const rootfsMib = Number(arg('--rootfs-mib') ?? 0);
const HOSTS = 1000;
/** bench/all-servers.ts's full-size boot set: 20 files, 20 MiB. */
const SET_FILES = 20;
const SET_BYTES = 20 * 1048576;

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return (Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) * 1024) / 1e6;
}

async function cpuSecs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** bench/all-servers.ts's Pi 4 boot set shape: name -> size. */
async function writeSet(boot: string): Promise<Map<string, number>> {
  const shape: Array<[string, number]> = [['kernel8.img', 0.4], ['initramfs8', 0.36], ['start4.elf', 0.11], ['bcm2711-rpi-4-b.dtb', 0.0026], ['fixup4.dat', 0.00026]];
  const files = new Map<string, number>(shape.map(([n, f]) => [`set/${n}`, Math.max(64, Math.round(SET_BYTES * f))]));
  const used = [...files.values()].reduce((a, b) => a + b, 0);
  const rest = SET_FILES - files.size;
  for (let i = 0; i < rest; i++) files.set(`set/o${i}.dtbo`, Math.max(512, Math.floor((SET_BYTES - used) / rest)));
  await mkdir(join(boot, 'set'), { recursive: true });
  for (const [n, size] of files) await writeFile(join(boot, n), randomBytes(size));
  return files;
}

/** One curl fetching every file in turn; the sizes it got, one a line. */
function curl(port: number, files: readonly string[]): Promise<string> {
  const argv = ['-s', '--tftp-blksize', '1468', '--max-time', '120', '-w', '%{size_download}\\n'];
  for (const f of files) argv.push('-o', '/dev/null', `tftp://127.0.0.1:${port}/${f}`);
  return new Promise((resolve) => {
    const c = spawn('curl', argv, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.once('exit', () => resolve(out));
  });
}

async function storm(pid: number, port: number, set: Map<string, number>): Promise<void> {
  const names = [...set.keys()];
  const sizes = [...set.values()];
  const cpu0 = await cpuSecs(pid);
  let peak = await rssMb(pid);
  const sampler = setInterval(() => void rssMb(pid).then((m) => (peak = Math.max(peak, m)), () => undefined), 50);
  const t0 = performance.now();
  const outs = await Promise.all(Array.from({ length: stormClients }, () => curl(port, names)));
  const secs = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const cpu = (await cpuSecs(pid)) - cpu0;
  let failed = 0;
  for (const out of outs) {
    const got = out.trim().split('\n').map(Number);
    sizes.forEach((size, i) => void (got[i] !== size && failed++));
  }
  console.log(`storm ${stormClients} clients x ${SET_FILES} files: ${secs.toFixed(1)} s, ${cpu.toFixed(1)} CPU s, ${failed} failed files, peak RSS ${peak.toFixed(1)} MB`);
}

const main = join(root, 'dist/cli/main.js');
if (!existsSync(main) || execFileSync('find', [join(root, 'src'), '-newer', main, '-print', '-quit'], { encoding: 'utf8' }).trim() !== '') {
  execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}
const dir = await mkdtemp(join(tmpdir(), 'piman-memory-'));
try {
  await writeBootFolder(join(dir, 'boot'));
  const set = stormClients > 0 ? await writeSet(join(dir, 'boot')) : new Map<string, number>();
  if (rootfsMib > 0) {
    // As bench/all-servers.ts: incompressible data, so the archive really is that big.
    const tree = join(dir, 'tree');
    await mkdir(join(tree, 'bin'), { recursive: true });
    execFileSync('bash', ['-c', `head -c ${rootfsMib}M /dev/urandom > ${tree}/blob && echo hi > ${tree}/bin/hello && tar -cf - -C ${tree} . | gzip -1 > ${dir}/rootfs.tgz && rm -rf ${tree}`]);
  } else await writeRootfs(join(dir, 'rootfs.tgz'), 'memory');
  const mac = (i: number): string => `b8:27:eb:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
  const ip = (i: number): string => (i === 0 ? '10.78.0.2' : `10.78.${1 + (i >> 8)}.${i & 255}`);
  const csv = ['switch,port,mac,ip,hostname', ...Array.from({ length: HOSTS }, (_, i) => `sw1,${i + 1},${mac(i)},${ip(i)},pi${i + 1}`)];
  await writeFile(join(dir, 'hosts.csv'), csv.join('\n') + '\n');
  const tftpPort = await freeUdpPort();
  await writeFile(
    join(dir, 'piman.yaml'),
    [
      // bench/all-servers.ts's piman.yaml, on loopback with free ports.
      'server: { address: 127.0.0.1, netmask: 255.0.0.0 }',
      'dhcp: { port: 0, clientPort: 0, listenAddress: 127.0.0.1, relays: [127.0.0.2] }',
      `tftp: { address: 127.0.0.1, port: ${tftpPort}, root: ./boot, maxTransfers: 400, maxTransfersPerClient: 400, workers: ${tftpWorkers}, datagrams: ${tftpDatagrams} }`,
      'control: { port: 0 }',
      'install: { port: 0, rootfs: ./rootfs.tgz }',
      'agent: { address: 127.0.0.1, port: 0, switchPollSeconds: 0 }',
      'hosts: ./hosts.csv',
      'state: ./state',
      `switches: [{ name: sw1, address: 127.0.0.1, port: 16100, ports: ${HOSTS} }]`,
      'log: { level: warn }',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, PIMAN_LOG_LEVEL: 'warn', ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) };
  const c = spawn(process.execPath, [join(root, 'bench/dist-entry.mjs'), '-c', join(dir, 'piman.yaml'), 'server'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  try {
    for (let t = 0; t < waitMs; t += 1000) {
      await new Promise((r) => setTimeout(r, Math.min(1000, waitMs - t)));
      if (c.exitCode !== null) throw new Error(`piman server exited ${c.exitCode}`);
      if (process.argv.includes('--trace')) process.stderr.write(`${((t + 1000) / 1000).toFixed(0)} s: ${(await rssMb(c.pid!)).toFixed(1)} MB\n`);
      if (t + 1000 === STARTED_MS && waitMs > STARTED_MS) console.log(`piman server RSS ${STARTED_MS / 1000} s after start: ${(await rssMb(c.pid!)).toFixed(1)} MB`);
    }
    if (process.env.MEMORY_HOOK) execFileSync('bash', ['-c', process.env.MEMORY_HOOK.replaceAll('PID', String(c.pid))], { stdio: 'inherit' });
    console.log(`piman server RSS at idle (1,000 Pis, ${waitMs / 1000} s after start${nodeOptions ? `, NODE_OPTIONS=${nodeOptions}` : ''}): ${(await rssMb(c.pid!)).toFixed(1)} MB`);
    if (stormClients > 0) await storm(c.pid!, tftpPort, set);
  } finally {
    c.kill('SIGTERM');
    await new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)));
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
