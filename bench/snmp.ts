/**
 * SNMP agent benchmark: piman's agent vs Debian snmpd on the same machine,
 * same client, same run. GETs per second (sequential and 16 in flight) and
 * the time of a full walk of a 1,000-row table: piman's pimanPortTable
 * (1,000 ports x its readable columns) against snmpd's ifTable (1,001 interfaces x 22
 * columns, made by bench/snmp.sh with 500 veth pairs in a namespace); walks
 * are compared per varbind. Prints a table and piman/snmpd ratios.
 *
 * Fairness: both servers get the same client, the same CPU pinning (taskset;
 * BENCH_PIN=split puts the client on CPU 0 and each server on CPU 1, `same`
 * puts all on CPU 0, `none` pins nothing; default `split,same`: both in
 * turn), a warm-up, and BENCH_ROUNDS rounds (default 5) of BENCH_SECONDS
 * (default 1) per measure, interleaved piman/snmpd/snmpd/piman so a change
 * of machine load hits both; the table shows medians and the range of the
 * per-round ratios. Server CPU per GET comes from /proc (user + system).
 *
 *   bash bench/snmp.sh            (root: creates and removes its namespace)
 *   npx tsx bench/snmp.ts         (inside any namespace; snmpd's ifTable is then small)
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import snmp, { type Session, type Varbind } from 'net-snmp';
import { freeUdpPort } from '../test/helpers/ports.js';
import { loadGen } from './snmp-load.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
type Pin = 'split' | 'same' | 'none';
const PINS = (process.env.BENCH_PIN ?? (os.cpus().length >= 2 ? 'split,same' : 'none')).split(',').map((p) => p.trim()) as Pin[];
const PIMAN_TABLE = '1.3.6.1.4.1.8072.9999.9999.314.1.3';
const PIMAN_CELL = '1.3.6.1.4.1.8072.9999.9999.314.1.3.1.5.1.500';
const IF_TABLE = '1.3.6.1.2.1.2.2';
const children: ChildProcess[] = [];
let tmp = '';

function cleanup(): void {
  for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGTERM');
}

/** Stops the servers and waits for them, so snmpd is done writing into the temp folder. */
async function stopChildren(): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const t = setTimeout(() => (c.kill('SIGKILL'), resolve()), 5000);
          c.once('exit', () => (clearTimeout(t), resolve()));
          c.kill('SIGTERM');
        }),
    ),
  );
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function session(port: number, timeout = 2000, retries = 2): Session {
  const s = snmp.createSession('127.0.0.1', 'public', { port, version: snmp.Version2c, timeout, retries });
  s.on('error', () => undefined);
  return s;
}
const get = (s: Session, oid: string): Promise<Varbind[]> => new Promise((res, rej) => s.get([oid], (e, v) => (e ? rej(e) : res(v ?? []))));
const getNext = (s: Session, oid: string): Promise<Varbind[]> => new Promise((res, rej) => s.getNext([oid], (e, v) => (e ? rej(e) : res(v ?? []))));

async function waitAnswer(port: number, what: string): Promise<void> {
  const s = session(port, 200, 0);
  try {
    for (let i = 0; i < 50; i++) {
      try {
        await get(s, '1.3.6.1.2.1.1.1.0');
        return;
      } catch {
        await sleep(100);
      }
    }
    throw new Error(`${what} does not answer on port ${port}`);
  } finally {
    s.close();
  }
}

async function startSnmpd(): Promise<{ port: number; pid: number }> {
  const port = await freeUdpPort();
  const conf = join(tmp, 'snmpd.conf');
  await writeFile(conf, `rocommunity public 127.0.0.1\n`);
  // MIBS="" : snmpd needs no MIB files to serve, and Debian's set is incomplete anyway
  const c = spawn('snmpd', ['-f', '-Lo', '-C', '-c', conf, `udp:127.0.0.1:${port}`], { env: { ...process.env, SNMP_PERSISTENT_DIR: tmp, MIBS: '' }, stdio: ['ignore', 'ignore', 'ignore'] });
  children.push(c);
  await waitAnswer(port, 'snmpd');
  return { port, pid: c.pid! };
}

async function startPiman(): Promise<{ port: number; pid: number }> {
  const c = spawn(process.execPath, ['--import', 'tsx', new URL('./snmp-agent-child.ts', import.meta.url).pathname], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(c);
  const line = await new Promise<string>((res, rej) => {
    const rl = createInterface({ input: c.stdout! });
    rl.once('line', res);
    c.once('exit', (code) => rej(new Error(`piman agent child exited with ${code}`)));
  });
  const { port } = JSON.parse(line) as { port: number };
  await waitAnswer(port, 'piman agent');
  return { port, pid: c.pid! };
}

async function seqGets(port: number, oid: string, seconds = SECONDS): Promise<{ perSec: number; p50us: number }> {
  const s = session(port);
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t = performance.now();
    await get(s, oid);
    lat.push(performance.now() - t);
  }
  s.close();
  lat.sort((a, b) => a - b);
  return { perSec: lat.length / seconds, p50us: Math.round((lat[lat.length >> 1] ?? 0) * 1000) };
}

async function parallelGets(port: number, oid: string, inFlight: number, pid: number): Promise<{ perSec: number; cpuUs: number }> {
  const s = session(port);
  let n = 0;
  const cpu0 = await cpuMs(pid);
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        await get(s, oid);
        n++;
      }
    }),
  );
  const cpu1 = await cpuMs(pid);
  s.close();
  return { perSec: n / SECONDS, cpuUs: n > 0 ? ((cpu1 - cpu0) * 1000) / n : 0 };
}

/** CPU time of all threads of a process in ms, from schedstat (ns; /proc/PID/stat counts 10 ms ticks). */
async function cpuMs(pid: number): Promise<number> {
  let ns = 0;
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    try {
      ns += Number((await readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8')).split(' ')[0]);
    } catch {
      // the thread ended in between
    }
  }
  return ns / 1e6;
}

function taskset(cpus: string, pid: number): Promise<void> {
  return new Promise((res, rej) => execFile('taskset', ['-apc', cpus, String(pid)], (e) => (e ? rej(e) : res())));
}

async function pin(mode: Pin, servers: number[]): Promise<void> {
  const all = os.cpus().map((_, i) => i).join(',');
  const [client, server] = mode === 'split' ? ['0', '1'] : mode === 'same' ? ['0', '0'] : [all, all];
  await taskset(client, process.pid);
  for (const pid of servers) await taskset(server, pid);
}

const median = (xs: number[]): number => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 ? a[a.length >> 1]! : (a[a.length / 2 - 1]! + a[a.length / 2]!) / 2;
};

interface Side<T> {
  piman: T[];
  snmpd: T[];
}

/** `n` rounds of f on both servers, in the order piman, snmpd, snmpd, piman, ... */
async function rounds<T>(f: (who: 'piman' | 'snmpd') => Promise<T>, n = ROUNDS): Promise<Side<T>> {
  const out: Side<T> = { piman: [], snmpd: [] };
  for (let r = 0; r < n; r++) {
    const order: ('piman' | 'snmpd')[] = r % 2 === 0 ? ['piman', 'snmpd'] : ['snmpd', 'piman'];
    for (const who of order) out[who].push(await f(who));
  }
  return out;
}

interface WalkResult {
  ms: number;
  varbinds: number;
  /** Server CPU time during the walk, ms. */
  cpuMs: number;
}

async function walk(port: number, oid: string, pid: number): Promise<WalkResult> {
  const s = session(port);
  let varbinds = 0;
  const cpu0 = await cpuMs(pid);
  const t = performance.now();
  await new Promise<void>((res, rej) => s.subtree(oid, 25, (vbs) => void (varbinds += vbs.length), (e) => (e ? rej(e) : res())));
  const ms = performance.now() - t;
  const cpu = (await cpuMs(pid)) - cpu0;
  s.close();
  return { ms, varbinds, cpuMs: cpu };
}

/** One scalar each: a walk of it costs snmpbulkwalk's start-up (MIB loading, session) and one round trip. */
const PIMAN_SCALAR = '1.3.6.1.4.1.8072.9999.9999.314.1.1.1';
const SNMPD_SCALAR = '1.3.6.1.2.1.1.1';

async function toolWalk(port: number, oid: string, pid: number): Promise<WalkResult> {
  const cpu0 = await cpuMs(pid);
  const t = performance.now();
  const out = await new Promise<string>((res, rej) =>
    execFile('snmpbulkwalk', ['-v2c', '-c', 'public', '-Cr25', '-On', '-Oq', `127.0.0.1:${port}`, oid], { maxBuffer: 64 << 20 }, (e, stdout) => (e ? rej(e) : res(stdout))),
  );
  const ms = performance.now() - t;
  return { ms, varbinds: out.split('\n').filter(Boolean).length, cpuMs: (await cpuMs(pid)) - cpu0 };
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

async function main(): Promise<void> {
  tmp = await mkdtemp(join(tmpdir(), 'piman-bench-snmp-'));
  try {
    const snmpd = await startSnmpd();
    const piman = await startPiman();
    const probe = session(snmpd.port);
    const [first] = await getNext(probe, `${IF_TABLE}.1.2`).finally(() => probe.close());
    const snmpdCell = first!.oid;
    // The load generator counts replies without reading them: make sure both cells answer with a value.
    for (const [port, oid] of [[piman.port, PIMAN_CELL], [snmpd.port, snmpdCell]] as const) {
      const s = session(port);
      const [vb] = await get(s, oid).finally(() => s.close());
      if (!vb || snmp.isVarbindError(vb)) throw new Error(`GET ${oid} on port ${port} gives no value`);
    }
    const rows: [string, string, string, string][] = [];
    const ratio = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(2) : '-');

    const fmt = (n: number): string => String(Math.round(n));
    /** median piman / median snmpd, and the range of the per-round ratios. */
    const ratios = (p: number[], q: number[]): string => {
      const per = p.map((x, i) => x / q[i]!).sort((a, b) => a - b);
      return `${ratio(median(p), median(q))} (${per[0]!.toFixed(2)}–${per[per.length - 1]!.toFixed(2)})`;
    };
    for (const mode of PINS) {
      await pin(mode, [piman.pid, snmpd.pid]);
      const label = mode === 'split' ? 'client CPU 0, server CPU 1' : mode === 'same' ? 'client and server on CPU 0' : 'unpinned';
      // warm up both (JIT, caches) under this pinning before measuring
      await seqGets(piman.port, PIMAN_CELL, 0.5);
      await seqGets(snmpd.port, snmpdCell, 0.5);
      const seq = await rounds((who) => (who === 'piman' ? seqGets(piman.port, PIMAN_CELL) : seqGets(snmpd.port, snmpdCell)));
      const ps = seq.piman.map((r) => r.perSec);
      const ss = seq.snmpd.map((r) => r.perSec);
      rows.push([
        `GET/s sequential, ${label} (p50 µs)`,
        `${fmt(median(ps))} (${fmt(median(seq.piman.map((r) => r.p50us)))})`,
        `${fmt(median(ss))} (${fmt(median(seq.snmpd.map((r) => r.p50us)))})`,
        ratios(ps, ss),
      ]);
      const par = await rounds((who) => (who === 'piman' ? parallelGets(piman.port, PIMAN_CELL, 16, piman.pid) : parallelGets(snmpd.port, snmpdCell, 16, snmpd.pid)));
      const pp = par.piman.map((r) => r.perSec);
      const sp = par.snmpd.map((r) => r.perSec);
      rows.push([`GET/s, 16 in flight, ${label}`, fmt(median(pp)), fmt(median(sp)), ratios(pp, sp)]);
      const pc = par.piman.map((r) => r.cpuUs);
      const sc = par.snmpd.map((r) => r.cpuUs);
      rows.push([`  server CPU µs per GET, 16 in flight (lower is better)`, median(pc).toFixed(1), median(sc).toFixed(1), ratios(pc, sc)]);
      // the same load from a lean generator, so the server and not the client is the limit
      const gen = await rounds((who) => (who === 'piman' ? loadGen(piman.port, 'public', PIMAN_CELL, 16, SECONDS) : loadGen(snmpd.port, 'public', snmpdCell, 16, SECONDS)));
      const [gp, gs] = [gen.piman.map((r) => r.perSec), gen.snmpd.map((r) => r.perSec)];
      const lost = [...gen.piman, ...gen.snmpd].reduce((n, r) => n + r.lost, 0);
      rows.push([`GET/s, 16 in flight, lean load generator, ${label}${lost ? ` (${lost} lost)` : ''}`, fmt(median(gp)), fmt(median(gs)), ratios(gp, gs)]);
    }
    // walks: same rounds and pinning (split when measured), compared per varbind returned
    await pin(PINS.includes('split') ? 'split' : 'none', [piman.pid, snmpd.pid]);
    const vps = (w: { ms: number; varbinds: number }): number => (w.varbinds / w.ms) * 1000;
    let snmpdVarbinds = 0;
    for (const [label, f] of [
      ['walk, net-snmp subtree(25)', walk],
      ['walk, snmpbulkwalk -Cr25', toolWalk],
    ] as const) {
      // one untimed walk each first, as for the GETs (JIT, caches)
      await f(piman.port, PIMAN_TABLE, piman.pid);
      await f(snmpd.port, IF_TABLE, snmpd.pid);
      // a walk takes ~0.1 s, so one burst of load spoils a round: three times the rounds
      const w = await rounds((who) => (who === 'piman' ? f(piman.port, PIMAN_TABLE, piman.pid) : f(snmpd.port, IF_TABLE, snmpd.pid)), 3 * ROUNDS);
      const [pv, sv] = [w.piman[0]!.varbinds, w.snmpd[0]!.varbinds];
      snmpdVarbinds = sv;
      rows.push([
        `${label}: ms / varbinds`,
        `${Math.round(median(w.piman.map((r) => r.ms)))} / ${pv}`,
        `${Math.round(median(w.snmpd.map((r) => r.ms)))} / ${sv}`,
        `${ratios(w.piman.map(vps), w.snmpd.map(vps))} per varbind`,
      ]);
      if (f === toolWalk) {
        // The tool's start-up is paid once per walk: with tables of different sizes it weighs more per
        // varbind on the smaller one's side. Per varbind without it compares the servers' walks.
        const one = await rounds((who) => (who === 'piman' ? f(piman.port, PIMAN_SCALAR, piman.pid) : f(snmpd.port, SNMPD_SCALAR, snmpd.pid)), 3 * ROUNDS);
        const [p0, s0] = [median(one.piman.map((r) => r.ms)), median(one.snmpd.map((r) => r.ms))];
        rows.push([`  the tool alone (start-up + one varbind), ms`, p0.toFixed(1), s0.toFixed(1), ratio(p0, s0)]);
        const net = (r: WalkResult, fixed: number): number => (r.varbinds / Math.max(0.001, r.ms - fixed)) * 1000;
        rows.push([`  that walk less the tool alone: varbinds/s`, fmt(median(w.piman.map((r) => net(r, p0)))), fmt(median(w.snmpd.map((r) => net(r, s0)))), ratios(w.piman.map((r) => net(r, p0)), w.snmpd.map((r) => net(r, s0)))]);
      }
      const cpv = (r: WalkResult): number => (r.cpuMs * 1000) / r.varbinds;
      const [pc, sc] = [w.piman.map(cpv), w.snmpd.map(cpv)];
      rows.push([`  server CPU µs per varbind (lower is better)`, median(pc).toFixed(2), median(sc).toFixed(2), ratios(pc, sc)]);
    }
    await pin('none', [piman.pid, snmpd.pid]);
    const [pr, sr] = [await rssMiB(piman.pid), await rssMiB(snmpd.pid)];
    rows.push(['RSS after the runs (MiB)', String(pr), String(sr), ratio(pr, sr)]);

    const head: [string, string, string, string] = ['measure', 'piman agent', 'snmpd', 'piman/snmpd'];
    const all: string[][] = [head, ...rows];
    const w = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
    for (const r of all) console.log(r.map((c, i) => c.padEnd(w[i]!)).join('  '));
    if (snmpdVarbinds < 5000) console.log('note: snmpd ifTable is small here; run bash bench/snmp.sh for the 1,001-interface table');
  } finally {
    await stopChildren();
    await rm(tmp, { recursive: true, force: true, maxRetries: 3 });
  }
}

await main();
