/**
 * The network of bench/all.ts: two twin pairs of namespaces, one for piman
 * and one for its peers, so `piman server` keeps ports 67/69/161/3333/4444
 * for the whole run while each peer takes the same ports in its own pair.
 * Each pair is a server namespace (SERVER_IP on a veth) and a client
 * namespace (CLIENT_IP, with the MAC of hosts.csv's first Pi): clients run
 * the same commands against the same address in either pair.
 * Names carry the bench's pid; `destroy()` removes every namespace it made.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { addNetns, delNetns, must, run, vethPair } from '../test/helpers/netns.js';

export const SERVER_IP = '10.78.0.1';
/** The client namespace's address: perfdhcp's relay address and hosts.csv's first Pi. */
export const CLIENT_IP = '10.78.0.2';
export const PI1_MAC = 'b8:27:eb:00:00:00';
export const SERVER_DEV = 'bs0';

export interface Pair {
  readonly server: string;
  readonly client: string;
}

export const pairs = {
  piman: { server: `pmb-${process.pid}-s`, client: `pmb-${process.pid}-c` },
  peer: { server: `pmb-${process.pid}-ps`, client: `pmb-${process.pid}-pc` },
} satisfies Record<string, Pair>;

/** Host i of the bench's hosts.csv (0 = the client namespace itself). */
export function hostMac(i: number): string {
  return `b8:27:eb:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
}
export function hostIp(i: number): string {
  return i === 0 ? CLIENT_IP : `10.78.${1 + (i >> 8)}.${i & 255}`;
}

async function buildPair(p: Pair, tag: string): Promise<void> {
  await addNetns(p.server);
  await addNetns(p.client);
  // veth names live in the root namespace for a moment: unique per run, at most 15 characters.
  const s = `pb${tag}s${process.pid}`.slice(0, 15);
  const c = `pb${tag}c${process.pid}`.slice(0, 15);
  await vethPair({ ns: p.server, dev: s, cidr: `${SERVER_IP}/16` }, { ns: p.client, dev: c, cidr: `${CLIENT_IP}/16`, mac: PI1_MAC });
  await must('ip', ['-n', p.server, 'link', 'set', s, 'name', SERVER_DEV]);
}

/** Both pairs; the peers' server namespace also gets 500 veth pairs, so snmpd's ifTable has 1,001+ rows. */
export async function buildNetwork(dir: string): Promise<void> {
  await buildPair(pairs.piman, 'a');
  await buildPair(pairs.peer, 'b');
  const batch = join(dir, 'veths.batch');
  await writeFile(batch, Array.from({ length: 500 }, (_, i) => `link add va${i} type veth peer name vb${i}\n`).join(''));
  await must('ip', ['-n', pairs.peer.server, '-b', batch], 60_000);
}

export async function destroyNetwork(): Promise<void> {
  for (const p of Object.values(pairs)) {
    await delNetns(p.client);
    await delNetns(p.server);
  }
}

/** `ip netns exec NS argv...`: the exec'd program keeps the pid. */
export function inNs(ns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}

/** Every process the bench started, stopped by pid at the end. */
export const children = new Set<ChildProcess>();

export function startIn(ns: string, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const cmd = inNs(ns, argv);
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env });
  children.add(child);
  child.once('exit', () => children.delete(child));
  // The last output of either stream (piman logs on stdout), for error messages.
  let err = '';
  const keep = (d: Buffer): void => void (err = (err + d.toString()).slice(-2000));
  child.stderr!.on('data', keep);
  child.stdout!.on('data', keep);
  Object.defineProperty(child, 'lastStderr', { get: () => err });
  return child;
}

export function stderrOf(c: ChildProcess): string {
  return (c as ChildProcess & { lastStderr?: string }).lastStderr ?? '';
}

export function stop(child: ChildProcess, timeoutMs = 8000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => (clearTimeout(t), resolve()));
    child.kill('SIGTERM');
  });
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => stop(c)));
}

/** Resolves once something listens on `proto` port `port` in `ns` (ss), or throws when `child` exits or time runs out. */
export async function waitListen(ns: string, proto: 'udp' | 'tcp', port: number, child: ChildProcess, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await run('ip', ['netns', 'exec', ns, 'ss', proto === 'udp' ? '-Hlun' : '-Hltn', `sport = :${port}`]);
    if (r.stdout.trim() !== '') return;
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}): ${stderrOf(child)}`);
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${proto} ${port} within ${timeoutMs / 1000} s: ${stderrOf(child)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resident and peak resident memory of a process, MB (10^6 bytes), from /proc. */
export async function memOf(pid: number): Promise<{ rssMb: number; hwmMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rssMb: (kb('VmRSS') * 1024) / 1e6, hwmMb: (kb('VmHWM') * 1024) / 1e6 };
}

/** CPU seconds of a process, its threads and its reaped children (in.tftpd forks per transfer). */
export async function cpuOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
}
