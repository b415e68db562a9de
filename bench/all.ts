/**
 * `npm run bench [-- --quick]`: every scenario against one `piman server`
 * (the compiled package, its own piman.yaml, in network namespaces) and the
 * tools a lab would run instead, in the same run; one table, and JSON in
 * bench/results/<date>-<host>[-quick].json so runs can be compared.
 * Linux, root (namespaces, ports 67/69/161); installs its peers from Debian
 * (bench/all-deps.sh). Stops what it started by pid and removes its
 * namespaces and files, also on Ctrl-C. README "Benchmarks" reads the table.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNetwork, destroyNetwork, memOf, stopAll } from './all-net.js';
import { startPiman, writeInstall, type Sizes } from './all-servers.js';
import { cliScenario, dhcpScenario, idleRssRow, startedRssRow, labScenario, rootfsScenario, snmpScenario, stormRssRow, tftpScenario, type Plan, type Row } from './all-scenarios.js';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The idle RSS readings, ms after every port listens (README "Benchmarks": where the memory goes). */
const STARTED_MS = 15_000;
const IDLE_MS = 65_000;
const quick = process.argv.includes('--quick');
/** `--only snmp,dhcp`: run only these steps (idle, snmp, dhcp, tftp, rootfs, lab, cli); `--dhcp-rates 500,1000`: offered rates; `--storm-clients N`;
 * `--daemon-node-options '--max-semi-space-size=1'`: NODE_OPTIONS for piman server only. */
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt > 0 ? new Set((process.argv[onlyAt + 1] ?? '').split(',')) : null;

const nodeOptionsAt = process.argv.indexOf('--daemon-node-options');
const daemonNodeOptions = nodeOptionsAt > 0 ? process.argv[nodeOptionsAt + 1] : undefined;
const clientsAt = process.argv.indexOf('--storm-clients');
const stormClients = clientsAt > 0 ? Number(process.argv[clientsAt + 1]) : null;
const ratesAt = process.argv.indexOf('--dhcp-rates');
const rates = ratesAt > 0 ? (process.argv[ratesAt + 1] ?? '').split(',').map(Number) : null;
const plan: Plan = quick
  ? { quick, snmpSeconds: 1, dhcpRates: rates ?? [500, 1000, 2000, 4000, 8000], dhcpPeriod: 2, singleRuns: 1, stormClients: stormClients ?? 20, labPis: 20, cliRuns: 5 }
  : { quick, snmpSeconds: 3, dhcpRates: rates ?? [500, 1000, 2000, 4000, 8000, 10000, 12000, 14000, 16000, 20000, 24000], dhcpPeriod: 4, singleRuns: 3, stormClients: stormClients ?? 100, labPis: 100, cliRuns: 20 };
const sizes: Sizes = quick ? { singleMib: 8, setMib: 4, setFiles: 10, rootfsMib: 64 } : { singleMib: 32, setMib: 20, setFiles: 20, rootfsMib: 256 };

function fmt(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '-';
  if (Math.abs(v) >= 100) return String(Math.round(v));
  return v.toFixed(Math.abs(v) >= 10 ? 1 : 2);
}

export function ratioOf(r: Row): number | null {
  if (r.piman === null || r.peerValue === null) return null;
  if (r.better === 'higher') return r.peerValue > 0 ? r.piman / r.peerValue : null;
  return r.piman > 0 ? r.peerValue / r.piman : r.peerValue === 0 ? 1 : null;
}

function table(rows: readonly Row[]): string {
  const head = ['scenario', 'piman', 'peer', 'ratio', 'goal', 'met'];
  const lines = rows.map((r) => {
    const ratio = ratioOf(r);
    return [
      r.scenario,
      `${fmt(r.piman)} ${r.unit}`,
      r.peerValue === null ? r.peer : `${r.peer}: ${fmt(r.peerValue)}`,
      ratio === null ? '-' : `${ratio.toFixed(2)}x`,
      r.goal,
      r.met === null ? '-' : r.met ? 'yes' : 'NO',
    ];
  });
  const w = head.map((_, i) => Math.max(head[i]!.length, ...lines.map((l) => l[i]!.length)));
  return [head, ...lines].map((l) => l.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd()).join('\n');
}

/** dist/ as `npm pack` would build it, rebuilt when a source file is newer. */
function ensureBuild(): void {
  const main = join(root, 'dist/cli/main.js');
  const stale = !existsSync(main) || execFileSync('find', [join(root, 'src'), '-newer', main, '-print', '-quit'], { encoding: 'utf8' }).trim() !== '';
  if (stale) {
    process.stderr.write('building dist/ (npm run build) ...\n');
    execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  // The daemon's TFTP transfers run on the native datagram path (tftp.datagrams: auto), as after an install with a compiler.
  execFileSync(process.execPath, [join(root, 'scripts/build-native.mjs'), '--require'], { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('npm run bench needs root (network namespaces, ports 67/69/161)');
  execFileSync('bash', [join(root, 'bench/all-deps.sh')], { stdio: 'inherit' });
  ensureBuild();
  const t0 = performance.now();
  const load0 = os.loadavg()[0]!;
  const dir = await mkdtemp(join(tmpdir(), 'piman-bench-all-'));
  let cleaned = false;
  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    await stopAll();
    await destroyNetwork();
    await rm(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  process.once('SIGTERM', () => void cleanup().finally(() => process.exit(143)));
  const rows: Row[] = [];
  const step = async (name: string, f: () => Promise<Row[]>): Promise<void> => {
    if (only && !only.has(name.split(' ')[0]!.toLowerCase())) return;
    const s = performance.now();
    process.stderr.write(`${name} ...\n`);
    rows.push(...(await f()));
    process.stderr.write(`${name}: ${((performance.now() - s) / 1000).toFixed(1)} s\n`);
  };
  try {
    const inst = await writeInstall(dir, sizes);
    await buildNetwork(dir);
    const piman = await startPiman(inst, daemonNodeOptions);
    const pid = piman.pid!;
    const listening = performance.now();
    const until = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, listening + ms - performance.now())));
    // Every part listening, nothing asked yet: once soon after the start, and once V8 has given the
    // start-up's memory back (its memory reducer acts after about a minute with little allocation).
    await step('idle memory', async () => {
      await until(STARTED_MS);
      const started = startedRssRow((await memOf(pid)).rssMb, STARTED_MS);
      await until(IDLE_MS);
      return [started, await idleRssRow(pid, dir, IDLE_MS)];
    });
    await step('SNMP', () => snmpScenario(plan, dir));
    await step('DHCP', () => dhcpScenario(plan, dir, pid));
    let stormRow: Row | null = null;
    await step('TFTP', async () => {
      const t = await tftpScenario(plan, inst, pid, sizes.singleMib);
      stormRow = stormRssRow(t.pimanStorm, t.dnsmasqStorm);
      return t.rows;
    });
    if (stormRow) rows.push(stormRow);
    await step('rootfs', () => rootfsScenario(inst, sizes.rootfsMib, piman));
    await step('lab', () => labScenario(plan));
    await step('CLI', () => cliScenario(plan));
  } finally {
    await cleanup();
  }
  const secs = (performance.now() - t0) / 1000;
  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', memGB: Math.round(os.totalmem() / 1e8) / 10, kernel: os.release(), node: process.version, loadAvgStart: load0, loadAvgEnd: os.loadavg()[0]! };
  if (daemonNodeOptions) console.log(`\npiman server ran with NODE_OPTIONS=${daemonNodeOptions}`);
  console.log(`\npiman bench${quick ? ' --quick' : ''}: ${os.hostname()}, ${machine.cpus} CPUs, Node ${process.version}, load average ${load0.toFixed(1)} -> ${machine.loadAvgEnd.toFixed(1)}, ${secs.toFixed(0)} s`);
  console.log('ratio > 1: piman ahead (piman/peer when higher is better, peer/piman when lower is better)\n');
  console.log(table(rows));
  for (const r of rows) if (r.note) console.log(`note: ${r.scenario}: ${r.note}`);
  const date = new Date().toISOString().slice(0, 10);
  const out = join(root, 'bench/results', `${date}-${os.hostname()}${quick ? '-quick' : ''}.json`);
  await mkdir(join(root, 'bench/results'), { recursive: true });
  const json = { date: new Date().toISOString(), host: os.hostname(), quick, daemonNodeOptions: daemonNodeOptions ?? null, tftpDatagrams: 'native', seconds: secs, machine, plan, sizes, rows: rows.map((r) => ({ ...r, ratio: ratioOf(r) })) };
  await writeFile(out, JSON.stringify(json, null, 2) + '\n');
  console.log(`\nwritten: ${out}`);
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
});
