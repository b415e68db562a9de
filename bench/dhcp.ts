/**
 * DHCP exchanges (DORA) per second: piman vs dnsmasq, same namespaces, same
 * 1,000 static hosts, lease files on, driven by Kea's perfdhcp as a relay
 * (giaddr set, replies unicast to the relay). Prints a table and the ratio.
 *
 *   npx tsx bench/dhcp.ts [--hosts 1000] [--rates 1000,4000,8000,12000,16000] [--period 4]
 *
 * Needs root (network namespaces). Installs kea-admin (perfdhcp) and
 * dnsmasq-base (the dnsmasq binary without the system service) when missing.
 * Everything it creates (namespaces, temp files, processes) is removed at exit.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { addNetns, delNetns, must, run, startJsonChild, vethPair, type ChildHandle } from '../test/helpers/netns.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const HOSTS = Number(args.get('hosts') ?? 1000);
const RATES = (args.get('rates') ?? '1000,4000,8000,12000,16000').split(',').map(Number);
const PERIOD = Number(args.get('period') ?? 4);

const pid = process.pid;
const NS_S = `piman-bdhs-${pid}`;
const NS_C = `piman-bdhc-${pid}`;
const DEV_S = `bds${pid}`;
const DEV_C = `bdc${pid}`;
const SERVER = '10.77.0.1';
const RELAY = '10.77.0.2';

/** perfdhcp (kea-admin) and dnsmasq, installed only when missing (scripts/apt-need.sh). */
async function ensurePackages(): Promise<void> {
  const script = new URL('../scripts/apt-need.sh', import.meta.url).pathname;
  await must('bash', [script, 'bench/dhcp.ts', 'perfdhcp:kea-admin', 'dnsmasq:dnsmasq-base'], 900_000);
}

function hostMac(i: number): string {
  return `b8:27:eb:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
}
function hostIp(i: number): string {
  return `10.77.${1 + (i >> 8)}.${i & 255}`;
}

interface Result {
  rate: number;
  offers: number;
  acks: number;
  sentRequests: number;
  sentDiscovers: number;
  perSecond: number;
  lossPercent: number;
}

function stat(section: string, key: string, text: string): number {
  const part = text.split(`***Statistics for: ${section}***`)[1] ?? '';
  const m = new RegExp(`${key}: (\\d+)`).exec(part);
  return m ? Number(m[1]) : 0;
}

async function perfdhcp(dir: string, rate: number): Promise<Result> {
  const r = await run(
    'ip',
    ['netns', 'exec', NS_C, 'perfdhcp', '-4', '-r', String(rate), '-p', String(PERIOD), '-M', join(dir, 'macs.txt'), '-l', RELAY, '-g', 'single', '-W', '500000', SERVER],
    (PERIOD + 30) * 1000,
  );
  // perfdhcp exits 3 whenever a packet was dropped: that is a result, not a failure.
  if (r.code !== 0 && r.code !== 3) throw new Error(`perfdhcp failed (${r.code}): ${r.stderr || r.stdout}`);
  const sentDiscovers = stat('DISCOVER-OFFER', 'sent packets', r.stdout);
  const offers = stat('DISCOVER-OFFER', 'received packets', r.stdout);
  const sentRequests = stat('REQUEST-ACK', 'sent packets', r.stdout);
  const acks = stat('REQUEST-ACK', 'received packets', r.stdout);
  return {
    rate,
    offers,
    acks,
    sentDiscovers,
    sentRequests,
    perSecond: acks / PERIOD,
    lossPercent: sentDiscovers ? (100 * (sentDiscovers - acks)) / sentDiscovers : 100,
  };
}

async function startPiman(dir: string): Promise<ChildHandle> {
  const hosts = Array.from({ length: HOSTS }, (_, i) => ({ switchIndex: 1, port: i + 1, mac: hostMac(i), ip: hostIp(i), hostname: `pi${i}` }));
  const cfg = {
    settings: { address: SERVER, netmask: '255.255.0.0', router: SERVER, dns: [SERVER], leaseSeconds: 3600 },
    hosts,
    ports: HOSTS,
    stateDir: join(dir, 'piman-state'),
    port: 67,
    clientPort: 68,
    broadcastAddress: '255.255.255.255',
    relays: [RELAY],
    logLevel: 'warn',
  };
  const child = startJsonChild('ip', ['netns', 'exec', NS_S, process.execPath, '--import', 'tsx', resolve('test/helpers/dhcp-netns-server.ts'), JSON.stringify(cfg)]);
  await child.waitLine((o) => (o.ready ? true : undefined), 60_000);
  return child;
}

async function startDnsmasq(dir: string): Promise<ChildHandle> {
  await writeFile(join(dir, 'dnsmasq.hosts'), Array.from({ length: HOSTS }, (_, i) => `${hostMac(i)},${hostIp(i)}`).join('\n') + '\n');
  await writeFile(
    join(dir, 'dnsmasq.conf'),
    [
      'port=0',
      `interface=${DEV_S}`,
      'bind-interfaces',
      `dhcp-range=10.77.0.0,static,255.255.0.0,1h`,
      `dhcp-hostsfile=${join(dir, 'dnsmasq.hosts')}`,
      `dhcp-leasefile=${join(dir, 'dnsmasq.leases')}`,
      'pxe-service=0,"Raspberry Pi Boot"',
      'no-ping',
      'quiet-dhcp',
      'user=root',
      `pid-file=${join(dir, 'dnsmasq.pid')}`,
      '',
    ].join('\n'),
  );
  const child = startJsonChild('ip', ['netns', 'exec', NS_S, 'dnsmasq', '--keep-in-foreground', `--conf-file=${join(dir, 'dnsmasq.conf')}`, '--log-facility=-']);
  // dnsmasq prints no ready line: wait until its DHCP socket is bound in the namespace.
  for (let i = 0; i < 100; i++) {
    const ss = await run('ip', ['netns', 'exec', NS_S, 'ss', '-lunH', 'sport = :67']);
    if (ss.stdout.trim() !== '') return child;
    if (child.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await child.stop();
  throw new Error('dnsmasq did not bind port 67 within 10 s');
}

async function series(name: string, dir: string, start: (d: string) => Promise<ChildHandle>): Promise<Result[]> {
  const server = await start(dir);
  const out: Result[] = [];
  try {
    for (const rate of RATES) {
      const r = await perfdhcp(dir, rate);
      out.push(r);
      console.log(`${name.padEnd(8)} offered ${String(rate).padStart(6)}/s  ACKs ${String(r.acks).padStart(7)}  -> ${r.perSecond.toFixed(0).padStart(6)} leases/s  loss ${r.lossPercent.toFixed(1)} %`);
    }
  } finally {
    await server.stop();
  }
  return out;
}

function best(rs: Result[]): { max: number; clean: number } {
  const max = Math.max(...rs.map((r) => r.perSecond));
  const clean = Math.max(0, ...rs.filter((r) => r.lossPercent <= 1).map((r) => r.perSecond));
  return { max, clean };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench/dhcp.ts needs root (network namespaces)');
  await ensurePackages();
  const dir = await mkdtemp(join(tmpdir(), 'piman-bench-dhcp-'));
  const cleanup = async (): Promise<void> => {
    await delNetns(NS_S);
    await delNetns(NS_C);
    await rm(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    await addNetns(NS_S);
    await addNetns(NS_C);
    await vethPair({ ns: NS_S, dev: DEV_S, cidr: `${SERVER}/16` }, { ns: NS_C, dev: DEV_C, cidr: `${RELAY}/16` });
    await writeFile(join(dir, 'macs.txt'), Array.from({ length: HOSTS }, (_, i) => hostMac(i)).join('\n') + '\n');
    console.log(`DHCP DORA via perfdhcp relay mode, ${HOSTS} static hosts, ${PERIOD} s per rate, lease files on`);
    const piman = await series('piman', dir, startPiman);
    const dnsmasq = await series('dnsmasq', dir, startDnsmasq);
    const p = best(piman);
    const d = best(dnsmasq);
    console.log(`\nbest leases/s      piman ${p.max.toFixed(0)}   dnsmasq ${d.max.toFixed(0)}   ratio piman/dnsmasq ${(p.max / d.max).toFixed(2)}`);
    console.log(`best at <=1 % loss piman ${p.clean.toFixed(0)}   dnsmasq ${d.clean.toFixed(0)}   ratio piman/dnsmasq ${d.clean ? (p.clean / d.clean).toFixed(2) : 'n/a'}`);
  } finally {
    await cleanup();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
