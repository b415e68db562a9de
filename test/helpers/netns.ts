/**
 * Network namespaces for DHCP tests and benches: created with the test's
 * pid in their names, removed in `after` hooks. Every command has a timeout.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export function run(cmd: string, args: string[], timeoutMs = 20_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? Number((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export async function must(cmd: string, args: string[], timeoutMs = 20_000): Promise<string> {
  const r = await run(cmd, args, timeoutMs);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Why netns tests cannot run here, or null when they can. */
export async function netnsUnavailable(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'needs root (ip netns)';
  const probe = `piman-probe-${process.pid}`;
  const r = await run('ip', ['netns', 'add', probe]);
  if (r.code !== 0) return `ip netns add failed: ${r.stderr.trim()}`;
  await run('ip', ['netns', 'del', probe]);
  return null;
}

export async function addNetns(name: string): Promise<void> {
  await run('ip', ['netns', 'del', name]); // a leftover from a killed run
  await must('ip', ['netns', 'add', name]);
  await must('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
}

export async function delNetns(name: string): Promise<void> {
  await run('ip', ['netns', 'del', name]);
}

/** A veth pair with one end in each namespace. */
export async function vethPair(a: { ns: string; dev: string; cidr?: string; mac?: string }, b: { ns: string; dev: string; cidr?: string; mac?: string }): Promise<void> {
  await must('ip', ['link', 'add', a.dev, 'type', 'veth', 'peer', 'name', b.dev]);
  for (const end of [a, b]) {
    await must('ip', ['link', 'set', end.dev, 'netns', end.ns]);
    if (end.mac) await must('ip', ['-n', end.ns, 'link', 'set', end.dev, 'address', end.mac]);
    if (end.cidr) await must('ip', ['-n', end.ns, 'addr', 'add', end.cidr, 'dev', end.dev]);
    await must('ip', ['-n', end.ns, 'link', 'set', end.dev, 'up']);
  }
}

export interface ChildHandle {
  readonly child: ChildProcess;
  /** Resolves with the first stdout JSON line (from index `from` on) for which `pick` returns a value. */
  waitLine<T>(pick: (o: Record<string, unknown>) => T | undefined, timeoutMs?: number, from?: number): Promise<T>;
  readonly lines: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Starts a child that speaks JSON lines on stdout; kills it by pid on stop. */
export function startJsonChild(cmd: string, args: string[]): ChildHandle {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  const listeners = new Set<(o: Record<string, unknown>) => void>();
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  createInterface({ input: child.stdout! }).on('line', (l) => {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(l) as Record<string, unknown>;
    } catch {
      return;
    }
    lines.push(o);
    for (const f of listeners) f(o);
  });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  return {
    child,
    lines,
    waitLine<T>(pick: (o: Record<string, unknown>) => T | undefined, timeoutMs = 30_000, from = 0): Promise<T> {
      for (const o of lines.slice(from)) {
        const v = pick(o);
        if (v !== undefined) return Promise.resolve(v);
      }
      return new Promise((resolve, reject) => {
        const done = (): void => {
          clearTimeout(timer);
          listeners.delete(f);
          child.off('exit', onExit);
        };
        const f = (o: Record<string, unknown>): void => {
          const v = pick(o);
          if (v !== undefined) {
            done();
            resolve(v);
          }
        };
        const onExit = (): void => {
          done();
          reject(new Error(`child exited before the expected line; stderr: ${stderr}`));
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no expected line from child within ${timeoutMs} ms; stderr: ${stderr}`));
        }, timeoutMs);
        listeners.add(f);
        child.once('exit', onExit);
      });
    },
    async stop(): Promise<void> {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}
