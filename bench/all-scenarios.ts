/**
 * The scenarios of bench/all.ts. Each starts what it compares (the one piman
 * daemon runs throughout), drives it from the client namespace or over the
 * server namespace's loopback, stops its peer and returns table rows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../test/helpers/netns.js';
import { SERVER_IP, CLIENT_IP, PI1_MAC, children, cpuOf, hostMac, inNs, memOf, pairs, stderrOf, stop, type Pair } from './all-net.js';
import { AGENT_PORT, HOSTS, PIMAN, startDnsmasqDhcp, startDnsmasqTftp, startKea, startNc, startSnmpd, startTftpdHpa, type Install } from './all-servers.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const TSX = [process.execPath, '--import', 'tsx'];

export interface Row {
  readonly scenario: string;
  readonly unit: string;
  readonly piman: number | null;
  readonly peer: string;
  readonly peerValue: number | null;
  /** Which way is better: the ratio is piman/peer for 'higher', peer/piman for 'lower' (> 1: piman ahead). */
  readonly better: 'higher' | 'lower';
  readonly goal: string;
  readonly met: boolean | null;
  readonly note?: string;
}

export interface Plan {
  readonly quick: boolean;
  readonly snmpSeconds: number;
  readonly dhcpRates: readonly number[];
  readonly dhcpPeriod: number;
  readonly singleRuns: number;
  readonly stormClients: number;
  readonly labPis: number;
  readonly cliRuns: number;
}

const median = (xs: readonly number[]): number => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 ? a[a.length >> 1]! : (a[a.length / 2 - 1]! + a[a.length / 2]!) / 2;
};

/** Runs argv to its end; stdout, exit code and wall seconds. */
function timed(argv: readonly string[], timeoutMs: number, cwd?: string): Promise<{ code: number | null; out: string; secs: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const c = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], cwd });
    children.add(c);
    let out = '';
    let err = '';
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    const k = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    c.once('exit', (code) => {
      clearTimeout(k);
      children.delete(c);
      resolve({ code, out: code === 0 ? out : out + err, secs: (performance.now() - t0) / 1000 });
    });
  });
}

const jsonLine = (out: string): Record<string, number | string> => JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, number | string>;

// ---------------------------------------------------------------- SNMP

const PIMAN_TABLE = '1.3.6.1.4.1.8072.9999.9999.314.1.3';
const IF_TABLE = '1.3.6.1.2.1.2.2';

async function snmpGets(ns: string, base: string, seconds: number): Promise<{ sequential: number; client16: number; inFlight16: number }> {
  const r = await timed(inNs(ns, [...TSX, join(here, 'all-snmp-client.ts'), String(AGENT_PORT), base, String(seconds)]), 120_000, join(here, '..'));
  if (r.code !== 0) throw new Error(`SNMP client failed: ${r.out}`);
  const o = jsonLine(r.out);
  return { sequential: Number(o.sequential), client16: Number(o.client16), inFlight16: Number(o.inFlight16) };
}

/** snmpbulkwalk -Cr25 of a table: varbinds per second (the tables differ in size). */
async function walk(ns: string, table: string): Promise<{ perSec: number; varbinds: number }> {
  const r = await timed(inNs(ns, ['snmpbulkwalk', '-v2c', '-c', 'public', '-Cr25', '-On', '-Oq', `127.0.0.1:${AGENT_PORT}`, table]), 120_000);
  if (r.code !== 0) throw new Error(`snmpbulkwalk failed: ${r.out.slice(-300)}`);
  const varbinds = r.out.split('\n').filter(Boolean).length;
  return { perSec: varbinds / r.secs, varbinds };
}

export async function snmpScenario(plan: Plan, dir: string): Promise<Row[]> {
  const snmpd = await startSnmpd(dir);
  try {
    const p = await snmpGets(pairs.piman.server, `${PIMAN_TABLE}.1.5.1.499`, plan.snmpSeconds);
    const s = await snmpGets(pairs.peer.server, `${IF_TABLE}.1.2`, plan.snmpSeconds);
    await walk(pairs.piman.server, PIMAN_TABLE); // warm-up, as for the GETs
    await walk(pairs.peer.server, IF_TABLE);
    const pw = await walk(pairs.piman.server, PIMAN_TABLE);
    const sw = await walk(pairs.peer.server, IF_TABLE);
    const row = (scenario: string, unit: string, a: number, b: number, note?: string): Row => ({ scenario, unit, piman: a, peer: 'snmpd', peerValue: b, better: 'higher', goal: '>= snmpd', met: a >= b, note });
    return [
      row('SNMP GET/s, sequential (net-snmp client)', 'GET/s', p.sequential, s.sequential),
      row('SNMP GET/s, 16 in flight (net-snmp client)', 'GET/s', p.client16, s.client16),
      row('SNMP GET/s, 16 in flight (load generator)', 'GET/s', p.inFlight16, s.inFlight16),
      row(`SNMP walk of a 1,000-row table, snmpbulkwalk -Cr25`, 'varbinds/s', pw.perSec, sw.perSec, `pimanPortTable ${pw.varbinds} varbinds, ifTable ${sw.varbinds}`),
    ];
  } finally {
    await stop(snmpd);
  }
}

// ---------------------------------------------------------------- DHCP

function stat(section: string, key: string, text: string): number {
  const part = text.split(`***Statistics for: ${section}***`)[1] ?? '';
  return Number(new RegExp(`${key}: (\\d+)`).exec(part)?.[1] ?? 0);
}

/** perfdhcp as a relay (giaddr = the client namespace), DORA at `rate`; leases/s = ACKs / period. */
async function perfdhcp(pair: Pair, dir: string, rate: number, period: number): Promise<{ perSec: number; loss: number }> {
  const argv = inNs(pair.client, ['perfdhcp', '-4', '-r', String(rate), '-p', String(period), '-M', join(dir, 'macs.txt'), '-l', CLIENT_IP, '-g', 'single', '-W', '500000', SERVER_IP]);
  const r = await run(argv[0]!, argv.slice(1), (period + 30) * 1000);
  // perfdhcp exits 3 whenever a packet was dropped: a result, not a failure.
  if (r.code !== 0 && r.code !== 3) throw new Error(`perfdhcp failed (${r.code}): ${r.stderr || r.stdout}`);
  const sent = stat('DISCOVER-OFFER', 'sent packets', r.stdout);
  const acks = stat('REQUEST-ACK', 'received packets', r.stdout);
  return { perSec: acks / period, loss: sent ? (100 * (sent - acks)) / sent : 100 };
}

/**
 * Best leases/s at <= 1 % loss over the rates; stops once a rate loses over 20 %.
 * With the server's PID, each rate's line also gives its CPU per lease: a figure that one
 * hiccup of the shared machine (which ends a rate with losses) moves far less than the rate.
 */
async function cleanRate(pair: Pair, dir: string, plan: Plan, label: string, pid?: number): Promise<number> {
  let best = 0;
  for (const rate of plan.dhcpRates) {
    const cpu0 = pid ? await cpuOf(pid) : 0;
    const r = await perfdhcp(pair, dir, rate, plan.dhcpPeriod);
    const leases = r.perSec * plan.dhcpPeriod;
    const perLease = pid && leases > 0 ? `, server CPU ${(((await cpuOf(pid)) - cpu0) * 1e6 / leases).toFixed(0)} µs/lease` : '';
    process.stderr.write(`  DHCP ${label}: offered ${rate}/s -> ${r.perSec.toFixed(0)} leases/s, loss ${r.loss.toFixed(1)} %${perLease}\n`);
    if (r.loss <= 1) best = Math.max(best, r.perSec);
    if (r.loss > 20) break;
  }
  return best;
}

export async function dhcpScenario(plan: Plan, dir: string, pimanPid: number): Promise<Row[]> {
  await writeFile(join(dir, 'macs.txt'), Array.from({ length: HOSTS }, (_, i) => hostMac(i)).join('\n') + '\n');
  const piman = await cleanRate(pairs.piman, dir, plan, 'piman', pimanPid);
  const rows: Row[] = [];
  const peers: Array<[string, (d: string) => Promise<ChildProcess>, string]> = [
    ['dnsmasq', startDnsmasqDhcp, 'lease file on'],
    ['Kea', startKea, 'memfile, persist'],
  ];
  for (const [name, start, how] of peers) {
    const server = await start(dir);
    try {
      const v = await cleanRate(pairs.peer, dir, plan, name, server.pid);
      rows.push({ scenario: `DHCP leases/s at <= 1 % loss (perfdhcp relay, ${HOSTS} hosts)`, unit: 'leases/s', piman, peer: `${name} (${how})`, peerValue: v, better: 'higher', goal: `>= ${name}`, met: piman >= v });
    } finally {
      await stop(server);
    }
  }
  return rows;
}

// ---------------------------------------------------------------- TFTP

function curl(pair: Pair, files: readonly string[]): string[] {
  const c = ['curl', '-s', '--tftp-blksize', '1468', '--max-time', '120', '-w', '%{size_download}\\n'];
  for (const f of files) c.push('-o', '/dev/null', `tftp://${SERVER_IP}/${f}`);
  return inNs(pair.client, c);
}

async function single(pair: Pair, inst: Install, mib: number, runs: number): Promise<number> {
  const rates: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const r = await timed(curl(pair, ['big.bin']), 180_000);
    if (r.code !== 0 || Number(r.out.trim()) !== mib * 1048576) throw new Error(`TFTP single transfer failed (curl ${r.code}, ${r.out.trim()})`);
    if (i > 0) rates.push(mib / r.secs); // the first one warms up (a running daemon is warm)
  }
  return median(rates);
}

interface Storm {
  secs: number;
  failed: number;
  cpu: number;
  peakMb: number;
}

/** `clients` curls at once, each fetching the boot set one file after another; server CPU and its peak RSS sampled meanwhile. */
async function storm(pair: Pair, inst: Install, clients: number, serverPid: number): Promise<Storm> {
  const names = [...inst.set.keys()];
  const sizes = [...inst.set.values()];
  const cpu0 = await cpuOf(serverPid);
  let peakMb = (await memOf(serverPid)).rssMb;
  const sampler = setInterval(() => void memOf(serverPid).then((m) => (peakMb = Math.max(peakMb, m.rssMb)), () => undefined), 50);
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: clients }, () => timed(curl(pair, names), 300_000)));
  const secs = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const cpu = (await cpuOf(serverPid)) - cpu0;
  let failed = 0;
  for (const r of results) {
    const got = r.out.trim().split('\n').map(Number);
    sizes.forEach((size, i) => void (got[i] !== size && failed++));
  }
  return { secs, failed, cpu, peakMb };
}

export async function tftpScenario(plan: Plan, inst: Install, pimanPid: number, singleMib: number): Promise<{ rows: Row[]; pimanStorm: Storm; dnsmasqStorm: Storm }> {
  const ps = await single(pairs.piman, inst, singleMib, plan.singleRuns);
  const pStorm = await storm(pairs.piman, inst, plan.stormClients, pimanPid);
  const rows: Row[] = [];
  const storms = new Map<string, Storm>();
  for (const [name, start] of [['tftpd-hpa', startTftpdHpa], ['dnsmasq', startDnsmasqTftp]] as const) {
    const server = await start(inst.boot);
    try {
      const s = await single(pairs.peer, inst, singleMib, plan.singleRuns);
      storms.set(name, await storm(pairs.peer, inst, plan.stormClients, server.pid!));
      rows.push({ scenario: `TFTP single transfer, ${singleMib} MiB, blksize 1468 (curl)`, unit: 'MiB/s', piman: ps, peer: name, peerValue: s, better: 'higher', goal: `>= 0.9x ${name}`, met: ps >= 0.9 * s });
    } finally {
      await stop(server);
    }
  }
  const what = `${plan.stormClients} clients x ${inst.set.size} files`;
  for (const [name, st] of storms) {
    rows.push({ scenario: `TFTP storm ${what}: wall time`, unit: 's', piman: pStorm.secs, peer: name, peerValue: st.secs, better: 'lower', goal: name === 'dnsmasq' ? '<= dnsmasq' : '<= tftpd-hpa', met: pStorm.secs <= st.secs });
    rows.push({ scenario: `TFTP storm ${what}: failed files`, unit: 'files', piman: pStorm.failed, peer: name, peerValue: st.failed, better: 'lower', goal: '0', met: pStorm.failed === 0 });
    // in.tftpd ignores SIGCHLD: its per-transfer children are never waited for, so their CPU is in no counter of its.
    const cpu = name === 'tftpd-hpa' ? null : st.cpu;
    const note = name === 'tftpd-hpa' ? 'tftpd-hpa forks a process per transfer and never waits for it: its CPU cannot be read' : undefined;
    rows.push({ scenario: `TFTP storm ${what}: server CPU`, unit: 'CPU s', piman: pStorm.cpu, peer: name, peerValue: cpu, better: 'lower', goal: name === 'dnsmasq' ? '<= dnsmasq' : '-', met: name === 'dnsmasq' ? pStorm.cpu <= st.cpu : null, note });
  }
  return { rows, pimanStorm: pStorm, dnsmasqStorm: storms.get('dnsmasq')! };
}

// ---------------------------------------------------------------- rootfs

async function receive(pair: Pair, control: boolean, server: ChildProcess): Promise<number> {
  const r = await timed(inNs(pair.client, [...TSX, join(here, 'all-pi-install.ts'), SERVER_IP, ...(control ? ['control', PI1_MAC] : [])]), 320_000, join(here, '..'));
  if (r.code !== 0) throw new Error(`rootfs receiver from ${pair.server} failed: ${r.out.slice(-500)}\nserver said: ${stderrOf(server)}`);
  return Number(jsonLine(r.out).seconds);
}

export async function rootfsScenario(inst: Install, mib: number, piman: ChildProcess): Promise<Row[]> {
  await run('bash', ['-c', `cat ${inst.rootfs} > /dev/null`]); // the page cache, warm for both
  const nc = await startNc(inst.rootfs);
  let ncSecs: number;
  try {
    ncSecs = await receive(pairs.peer, false, nc);
  } finally {
    await stop(nc);
  }
  const pSecs = await receive(pairs.piman, true, piman);
  const [p, n] = [mib / pSecs, mib / ncSecs];
  return [{ scenario: `rootfs stream, ${mib} MiB gzip into nc | gunzip | tar -x`, unit: 'MiB/s', piman: p, peer: 'busybox nc -l < file', peerValue: n, better: 'higher', goal: '>= 0.9x nc', met: p >= 0.9 * n }];
}

// ---------------------------------------------------------------- lab, memory, CLI

export async function labScenario(plan: Plan): Promise<Row[]> {
  const r = await timed([...PIMAN, 'lab', '--pis', String(plan.labPis), '--demo'], 600_000);
  return [{ scenario: `piman lab --pis ${plan.labPis} --demo: wall time`, unit: 's', piman: r.secs, peer: '-', peerValue: null, better: 'lower', goal: 'exit 0', met: r.code === 0, note: r.code === 0 ? undefined : `exit ${r.code}` }];
}

export function startedRssRow(rssMb: number, afterMs: number): Row {
  return { scenario: `piman server RSS, ${afterMs / 1000} s after start (1,000 Pis configured)`, unit: 'MB', piman: rssMb, peer: '-', peerValue: null, better: 'lower', goal: '-', met: null };
}

export async function idleRssRow(pimanPid: number, dir: string, afterMs: number): Promise<Row> {
  const piman = (await memOf(pimanPid)).rssMb;
  // The peers that do piman's jobs at idle: dnsmasq (DHCP and TFTP) and snmpd.
  const snmpd = await startSnmpd(dir);
  const dnsmasq = await startDnsmasqDhcp(dir);
  await new Promise((r) => setTimeout(r, 1000));
  const peer = (await memOf(snmpd.pid!)).rssMb + (await memOf(dnsmasq.pid!)).rssMb;
  await stop(snmpd);
  await stop(dnsmasq);
  return { scenario: `piman server RSS, idle: ${afterMs / 1000} s after start (1,000 Pis configured)`, unit: 'MB', piman, peer: 'snmpd + dnsmasq', peerValue: peer, better: 'lower', goal: '< 70 MB', met: piman < 70 };
}

export function stormRssRow(p: Storm, d: Storm): Row {
  return { scenario: "piman server RSS, peak during the TFTP storm", unit: 'MB', piman: p.peakMb, peer: 'dnsmasq', peerValue: d.peakMb, better: 'lower', goal: '< 150 MB', met: p.peakMb < 150 };
}

export async function cliScenario(plan: Plan): Promise<Row[]> {
  const times = async (argv: string[]): Promise<number> => {
    const xs: number[] = [];
    for (let i = 0; i < plan.cliRuns; i++) {
      const r = await timed(argv, 30_000);
      if (r.code !== 0) throw new Error(`${argv.join(' ')} failed: ${r.out}`);
      xs.push(r.secs);
    }
    return median(xs);
  };
  const piman = await times([...PIMAN, '--version']);
  const node = await times([process.execPath, '-e', '']);
  return [{ scenario: 'CLI start-up: piman --version (built package)', unit: 's', piman, peer: "node -e '' (the floor)", peerValue: node, better: 'lower', goal: '< 0.2 s', met: piman < 0.2 }];
}
