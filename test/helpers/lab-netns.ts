/**
 * A rack in network namespaces for the end-to-end test: piman's namespace
 * with a bridge (the Pi network), one namespace per Pi wired to the bridge
 * by a veth pair, and the processes that live in them. Names carry the
 * test's pid; everything is stopped by pid and removed by `destroy()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { must, run } from './netns.js';

export const SERVER_IP = '10.77.0.1';

export interface RackNames {
  readonly server: string;
  /** A workstation on the Pi network (static address, not in hosts.csv) for client tools. */
  readonly tool: string;
  pi(n: number): string;
}

export const TOOL_IP = '10.77.0.250';

export function rackNames(tag: string): RackNames {
  const base = `piman-${tag}-${process.pid}`;
  return { server: `${base}-srv`, tool: `${base}-tool`, pi: (n) => `${base}-pi${n}` };
}

/** A namespace with eth0 on the bridge; `cidr` gives it a static address. */
async function plugIn(names: RackNames, ns: string, tag: string, mac?: string, cidr?: string): Promise<void> {
  const srv = names.server;
  // veth names live briefly in the root namespace: keep them unique per run (<= 15 chars).
  const a = `pm${process.pid}s${tag}`.slice(-15);
  const b = `pm${process.pid}p${tag}`.slice(-15);
  await run('ip', ['netns', 'del', ns]);
  await must('ip', ['netns', 'add', ns]);
  await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  await must('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
  await must('ip', ['link', 'set', a, 'netns', srv]);
  await must('ip', ['link', 'set', b, 'netns', ns]);
  await must('ip', ['-n', srv, 'link', 'set', a, 'master', 'br0']);
  await must('ip', ['-n', srv, 'link', 'set', a, 'up']);
  await must('ip', ['-n', ns, 'link', 'set', b, 'name', 'eth0']);
  if (mac) await must('ip', ['-n', ns, 'link', 'set', 'eth0', 'address', mac]);
  if (cidr) await must('ip', ['-n', ns, 'addr', 'add', cidr, 'dev', 'eth0']);
  await must('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
}

/** piman's namespace with br0 = SERVER_IP/24, and one namespace per Pi with eth0 (the Pi's MAC) on br0. */
export async function buildRack(names: RackNames, macs: readonly string[]): Promise<void> {
  const srv = names.server;
  await run('ip', ['netns', 'del', srv]);
  await must('ip', ['netns', 'add', srv]);
  await must('ip', ['-n', srv, 'link', 'set', 'lo', 'up']);
  await must('ip', ['-n', srv, 'link', 'add', 'br0', 'type', 'bridge']);
  await must('ip', ['-n', srv, 'addr', 'add', `${SERVER_IP}/24`, 'dev', 'br0']);
  await must('ip', ['-n', srv, 'link', 'set', 'br0', 'up']);
  for (const [i, mac] of macs.entries()) await plugIn(names, names.pi(i + 1), String(i + 1), mac);
  await plugIn(names, names.tool, 't', undefined, `${TOOL_IP}/24`);
}

/** Deleting a namespace deletes its veth ends (and so their peers) and the bridge. */
export async function destroyRack(names: RackNames, pis: number): Promise<void> {
  for (let n = 1; n <= pis; n++) await run('ip', ['netns', 'del', names.pi(n)]);
  await run('ip', ['netns', 'del', names.tool]);
  await run('ip', ['netns', 'del', names.server]);
}

export type JsonLine = Record<string, unknown>;

/**
 * A process started in a namespace (`ip netns exec` execs it, so the pid is
 * the program's). It leads its own process group, so `kill()` takes its
 * children (busybox nc, the script, gunzip, tar) with it.
 */
export class NsProcess {
  readonly lines: JsonLine[] = [];
  private readonly listeners = new Set<(o: JsonLine) => void>();
  private stderr = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(
    readonly label: string,
    ns: string,
    argv: readonly string[],
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.child = spawn('ip', ['netns', 'exec', ns, ...argv], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    createInterface({ input: this.child.stdout! }).on('line', (l) => {
      let o: JsonLine;
      try {
        o = JSON.parse(l) as JsonLine;
      } catch {
        return;
      }
      this.lines.push(o);
      for (const f of this.listeners) f(o);
    });
    this.exited = new Promise((res) => this.child.once('exit', (c) => res(c)));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get lastStderr(): string {
    return this.stderr;
  }

  /** The first line (seen before or after the call) that `pick` maps to a value. */
  waitLine<T>(pick: (o: JsonLine) => T | undefined, timeoutMs: number, what: string): Promise<T> {
    for (const o of this.lines) {
      const v = pick(o);
      if (v !== undefined) return Promise.resolve(v);
    }
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(f);
      };
      const f = (o: JsonLine): void => {
        const v = pick(o);
        if (v === undefined) return;
        done();
        resolve(v);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.label}: no ${what} within ${timeoutMs / 1000} s; last lines: ${JSON.stringify(this.lines.slice(-5))}; stderr: ${this.stderr.slice(-800)}`));
      }, timeoutMs);
      this.listeners.add(f);
    });
  }

  on(f: (o: JsonLine) => void): void {
    this.listeners.add(f);
  }

  /** Signal the whole process group; SIGKILL after graceMs; resolves when it exited. */
  async kill(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
    const pid = this.child.pid;
    if (!pid || !this.running) return;
    const sig = (s: NodeJS.Signals): void => {
      try {
        process.kill(-pid, s);
      } catch {
        // already gone
      }
    };
    sig(signal);
    const t = setTimeout(() => sig('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
    // Children of the group that outlived the leader (none expected) go too.
    sig('SIGKILL');
  }
}

/** Runs a command inside a namespace and returns its stdout (throws on failure). */
export function nsRun(ns: string, argv: readonly string[], timeoutMs = 20_000): Promise<string> {
  return must('ip', ['netns', 'exec', ns, ...argv], timeoutMs);
}
