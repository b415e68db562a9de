/**
 * One virtual Pi as a process, for a Pi's own network namespace:
 *   ip netns exec <ns> node --import tsx src/lab/netns/pi-main.ts '<json>'
 * It is powered while it runs: it boots at once (real broadcast DHCP, TFTP,
 * control channel), stays up answering its health endpoint, and the port's
 * power-off is a SIGKILL of its process group. Its SD card is a folder that
 * outlives the process. Progress goes to stdout as JSON lines.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VirtualPi, type PiTiming } from '../virtual-pi.js';
import { labIdentity, type PiModel } from '../pi-profile.js';
import type { InstalledImage } from '../rootfs-receiver.js';
import { NetnsNetwork } from './netns-net.js';
import { diskRelease, scriptControl } from './script-control.js';
import { describeError } from '../../errors.js';

export interface NetnsPiArgs {
  readonly n: number;
  readonly model: PiModel;
  /** Folder standing in for the SD card. */
  readonly disk: string;
  readonly ports: { readonly tftp: number; readonly control: number; readonly install: number; readonly health: number };
  /** 'script': busybox nc + the shipped hello_protocol.sh; 'builtin': the lab's own client. */
  readonly control: 'script' | 'builtin';
  readonly script?: string;
  readonly hooks?: string;
  readonly timing?: Partial<PiTiming>;
}

const out = (o: Record<string, unknown>): void => void process.stdout.write(JSON.stringify({ t: Date.now(), ...o }) + '\n');

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2] ?? '{}') as NetnsPiArgs;
  await mkdir(a.disk, { recursive: true });
  const identity = labIdentity(a.model, a.n);
  const net = new NetnsNetwork('eth0');
  await net.reset();
  const imageFile = join(a.disk, 'image.json');
  let disk: InstalledImage | null = null;
  if (a.control === 'script') {
    const release = await diskRelease(a.disk);
    disk = release === null ? null : { release, files: 0, gzBytes: 0, sha256: '' };
  } else {
    disk = JSON.parse(await readFile(imageFile, 'utf8').catch(() => 'null')) as InstalledImage | null;
  }
  const pi = new VirtualPi({
    identity,
    net,
    ports: a.ports,
    disk,
    noisy: true,
    timing: { bootDelayMs: 200, ...a.timing },
    ...(a.control === 'script'
      ? {
          control: scriptControl({
            script: a.script!,
            hooks: a.hooks!,
            disk: a.disk,
            controlPort: a.ports.control,
            installPort: a.ports.install,
            trace: true,
            timeoutMs: 60_000,
          }),
        }
      : {}),
  });
  pi.on('phase', (phase) => out({ pi: a.n, phase, ...(phase === 'up' ? { release: pi.disk?.release ?? null, ip: pi.status().lease?.ip } : {}) }));
  pi.on('bootError', (error) => out({ pi: a.n, error }));
  pi.on('installed', (img) => {
    out({ pi: a.n, installed: img.release });
    if (a.control === 'builtin') void writeFile(imageFile, JSON.stringify(img));
  });
  const stop = (): void => {
    void pi.powerOff().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  out({ pi: a.n, mac: identity.mac, powered: true });
  pi.powerOn();
}

main().catch((e: unknown) => {
  out({ fatal: describeError(e) });
  process.exit(1);
});
