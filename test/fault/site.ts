/**
 * A piman site on loopback for the fault suite: a folder with boot files,
 * rootfs, hosts.csv and piman.yaml (the lab's config, see src/lab/lab.ts),
 * and `piman server` on it as a child process, so a crash is a dead process
 * and a SIGKILL is real.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { labConfig, LAB_SWITCH, type LabPorts } from '../../src/lab/lab.js';
import { hostsCsv, labIp, writeBootFolder, writeRootfs, type LabHost } from '../../src/lab/lab-files.js';
import { labIdentity, type PiModel } from '../../src/lab/pi-profile.js';
import { freePorts } from '../../src/lab/free-port.js';
import { JsonLines } from '../helpers/json-lines.js';

const PIMAN = new URL('../../bin/piman.js', import.meta.url).pathname;

export interface Site {
  readonly dir: string;
  readonly configPath: string;
  readonly hosts: readonly LabHost[];
  readonly ports: LabPorts;
}

export interface SiteOptions {
  readonly pis: number;
  readonly model?: PiModel;
  /** UDP port of the (simulated) switch; a port nobody listens on is a dead switch. */
  readonly switchPort: number;
  /** Changes to the lab's config before it is written. */
  readonly patch?: (raw: Record<string, Record<string, unknown>>) => void;
}

export async function writeSite(o: SiteOptions): Promise<Site> {
  const dir = await mkdtemp(join(tmpdir(), 'piman-fault-'));
  const model = o.model ?? 4;
  const hosts: LabHost[] = [];
  for (let n = 1; n <= o.pis; n++) hosts.push({ port: n, identity: labIdentity(model, n), ip: labIp(n), hostname: `pi${String(n).padStart(3, '0')}` });
  await writeBootFolder(join(dir, 'boot'));
  await writeRootfs(join(dir, 'rootfs.tgz'), 'fault rootfs');
  await writeFile(join(dir, 'hosts.csv'), hostsCsv(LAB_SWITCH, hosts));
  const [dhcp, tftp, agent, dhcpClient] = (await freePorts('udp', 4)) as [number, number, number, number];
  const [control, install, health] = (await freePorts('tcp', 3)) as [number, number, number];
  const ports: LabPorts = { dhcp, tftp, control, install, agent, health, switch: o.switchPort, dhcpClient };
  const raw = labConfig({ pis: o.pis, model }, ports) as Record<string, Record<string, unknown>>;
  raw['dhcp']!['listenAddress'] = '127.0.0.1';
  o.patch?.(raw);
  const configPath = join(dir, 'piman.yaml');
  await writeFile(configPath, stringify(raw));
  return { dir, configPath, hosts, ports };
}

/** `piman server` in a child process; its JSON log lines are collected. */
export class PimanProcess {
  readonly out: JsonLines;
  readonly exited: Promise<void>;
  stderr = '';

  private constructor(readonly child: ChildProcess) {
    this.out = new JsonLines(child.stdout!);
    child.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.exited = new Promise((r) => child.once('exit', () => r()));
  }

  /** Starts piman and resolves once it logged that every part runs. */
  static async start(configPath: string, timeoutMs = 30_000): Promise<PimanProcess> {
    const child = spawn(process.execPath, [PIMAN, '-c', configPath, 'server'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const p = new PimanProcess(child);
    running.add(p);
    try {
      await p.out.waitFor((j) => j.msg === 'piman server running', 'piman server running', timeoutMs);
    } catch (e) {
      await p.kill();
      throw new Error(`${(e as Error).message}; stderr: ${p.stderr}`);
    }
    return p;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL (default) or another signal; resolves once the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.alive && this.child.pid) process.kill(this.child.pid, signal);
    await this.exited;
    running.delete(this);
  }
}

const running = new Set<PimanProcess>();

/** Kills every piman this module started and that still runs (for after()). */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.kill()));
}
