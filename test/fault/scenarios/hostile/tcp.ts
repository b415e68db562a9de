/** Hostile TCP inputs: control-channel lines (long, binary, cut, dribbled, half-closed) and rootfs connections. */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import type { Site } from '../../site.js';
import type { Rand } from '../../rand.js';
import type { ScenarioCount } from '../../tally.js';
import { COUNTS } from './common.js';

const TOKENS = ['IS_INSTALLED', 'IS_UNINSTALLED', 'IS_FORMATTED', 'RECEIVED_DATE', 'MOUNTING', 'FINISHED_MOUNTING', 'FINISHED MOUNTING', 'EOM', '+ send IS_UNINSTALLED', 'INSTALL_FAILED x', 'boot', 'format'];

function hostileLine(rand: Rand): Buffer {
  switch (rand.int(6)) {
    case 0:
      return Buffer.from(rand.pick(TOKENS) + rand.pick(['\n', '\r\n', '\n\n', ' \n']));
    case 1:
      return Buffer.concat([rand.bytes(rand.int(200)), Buffer.from('\n')]);
    case 2:
      return Buffer.from('A'.repeat(4000 + rand.int(20_000)) + '\n'); // overlong: cut, not buffered
    case 3:
      return Buffer.from(rand.pick(TOKENS).slice(0, 1 + rand.int(8))); // a line cut mid-way
    case 4:
      return Buffer.concat([Buffer.from(rand.pick(TOKENS)), Buffer.from([0, 0xff, 0xfe]), Buffer.from('\n')]);
    default:
      return rand.mutate(Buffer.from(rand.pick(TOKENS) + '\n'), 300);
  }
}

function tcp(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Waits until the server closes `s` or `ms` pass, then makes sure it is closed. */
function settle(s: Socket, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      s.destroy();
      resolve();
    };
    const timer = setTimeout(done, ms);
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    s.once('close', done);
  });
}

export async function controlInputs(c: ScenarioCount, rand: Rand, site: Site): Promise<void> {
  const piIps = site.hosts.map((h) => h.ip);
  let lines = 0;
  while (lines < COUNTS.controlLines) {
    const batch: Promise<void>[] = [];
    for (let k = 0; k < 32 && lines < COUNTS.controlLines; k++) {
      const n = 1 + rand.int(60);
      const chunks: Buffer[] = [];
      for (let i = 0; i < n; i++) chunks.push(hostileLine(rand));
      lines += n;
      c.inputs.control += n;
      const from = rand.int(10) === 0 ? '127.0.0.9' : rand.pick(piIps);
      const how = rand.int(3);
      batch.push(
        tcp(site.ports.control, from).then(
          (s) => {
            s.on('error', () => undefined);
            // Dribbled in small pieces or sent at once; then closed, half-closed, or left open.
            const all = Buffer.concat(chunks);
            if (rand.int(2)) s.write(all);
            else {
              const piece = all.length > 4096 ? 1024 : 7;
              for (let at = 0; at < all.length; at += piece) s.write(all.subarray(at, at + piece));
            }
            if (how === 0) s.destroy();
            else if (how === 1) s.end();
            return settle(s, how === 2 ? 150 : 50);
          },
          () => undefined,
        ),
      );
    }
    await Promise.all(batch);
  }
}

/** The Pi `host` (an index into site.hosts) connects and is sent the date line. */
export async function probeControl(site: Site, host: number): Promise<void> {
  const s = await tcp(site.ports.control, site.hosts[host]!.ip);
  try {
    const first = await new Promise<string>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error('no date line within 5 s')), 5000);
      s.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('\n')) {
          clearTimeout(timer);
          resolve(buf.split('\n')[0]!);
        }
      });
      s.on('close', () => reject(new Error('control channel closed without a line')));
    });
    assert.match(first, /^busybox date -s \d{12}\.\d{2}$/);
  } finally {
    s.destroy();
  }
}

export async function rootfsInputs(c: ScenarioCount, rand: Rand, site: Site): Promise<void> {
  const froms = [...site.hosts.map((h) => h.ip), '127.0.0.9', '127.0.0.1'];
  for (let done = 0; done < COUNTS.rootfs; ) {
    const batch: Promise<void>[] = [];
    for (let k = 0; k < 25 && done < COUNTS.rootfs; k++, done++) {
      c.inputs.rootfs++;
      batch.push(
        tcp(site.ports.install, rand.pick(froms)).then(
          (s) => {
            s.on('error', () => undefined);
            if (rand.int(2)) s.write(rand.bytes(rand.int(2000)));
            if (rand.int(2)) s.end();
            return settle(s, 30);
          },
          () => undefined,
        ),
      );
    }
    await Promise.all(batch);
  }
}

export async function probeTcp(port: number): Promise<void> {
  const s = await tcp(port, '127.0.0.1');
  s.destroy();
}
