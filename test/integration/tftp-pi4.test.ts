/**
 * A scripted Pi 4 against the TFTP part on loopback: tsize probe aborted
 * with ERROR 0, then ~20 files with up to 7 in flight at blksize 1024,
 * byte-identical, cmdline.txt rewritten, boot state and counters updated.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { validateConfig } from '../../src/config/load.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { MemoryStateStore } from '../../src/store/state-store.js';
import { PowerController } from '../../src/switch/power.js';
import { silentLogger } from '../../src/log.js';
import { MetricRegistry } from '../../src/metrics/registry.js';
import type { TftpPart } from '../../src/tftp/part.js';
import { tftpFromConfig } from '../../src/parts.js';
import { sharedState } from '../../src/daemon.js';
import { tftpGet } from '../../src/tftp/client.js';
import type { DaemonContext } from '../../src/daemon.js';

const SERIAL = '1a2b3c4d';
const PI_IP = '127.0.1.4';
const work = mkdtempSync(join(tmpdir(), 'piman-tftp-pi4-'));
const root = join(work, 'boot');
const expected = new Map<string, Buffer>();
let part: TftpPart;
let cluster: Cluster;
let port = 0;

function put(rel: string, content: Buffer): void {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), content);
}

// The Pi 4 set: what the bootloader and start4.elf fetch, prefixed with the serial.
const FILES = [
  'start4.elf', 'fixup4.dat', 'config.txt', 'bcm2711-rpi-4-b.dtb', 'cmdline.txt', 'kernel8.img', 'initramfs8',
  ...Array.from({ length: 13 }, (_, i) => `overlays/o${i}.dtbo`),
];

before(async () => {
  mkdirSync(root);
  for (const f of FILES) {
    const size = f === 'kernel8.img' ? 3_000_000 : f === 'initramfs8' ? 1_500_000 : f === 'start4.elf' ? 700_000 : 1000 + f.length * 377;
    const content = f === 'cmdline.txt' ? Buffer.from('console=serial0 root=/dev/nfs nfsroot=MASTER:/srv/pi ip=dhcp\n') : randomBytes(size);
    // Some files live in the serial folder, the rest only in the root (fallback).
    put(f === 'config.txt' || f.startsWith('overlays/o1') ? `${SERIAL}/${f}` : f, content);
    expected.set(f, f === 'cmdline.txt' ? Buffer.from('console=serial0 root=/dev/nfs nfsroot=10.9.8.7:/srv/pi ip=dhcp\n') : content);
  }
  put('config.txt', Buffer.from('not for this pi'));
  const config = validateConfig({
    server: { address: '10.9.8.7' },
    switches: [{ name: 'sw1', address: '127.0.0.1', ports: 8 }],
    tftp: { address: '127.0.0.1', port: 0, root, timeoutSeconds: 2 },
  }, 'piman.yaml');
  cluster = await Cluster.open({
    switches: [{ index: 1, name: 'sw1', address: '127.0.0.1', ports: 8 }],
    hosts: [{ switchIndex: 1, port: 4, mac: 'dc:a6:32:01:36:c2', ip: PI_IP, hostname: 'pi4' }],
    store: new MemoryStateStore(),
    timeoutMs: 180_000,
  });
  const ctx: DaemonContext = {
    config,
    cluster,
    power: new PowerController({ cluster, switches: new Map(), offMs: 0, staggerMs: 0 }),
    switches: new Map(),
    log: silentLogger(),
    metrics: new MetricRegistry(), ...sharedState(),
  };
  part = tftpFromConfig(ctx);
  await part.start();
  port = part.server!.address().port;
});

after(async () => {
  await part?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('Pi 4 boot: tsize probe + ERROR 0, then 20 files, 7 in parallel, blksize 1024', async () => {
  const server = part.server!;
  const ends: string[] = [];
  server.on('transferEnd', (e) => ends.push(`${e.result}:${e.file}`));
  const served = new Set<string>();
  const allServed = new Promise<void>((resolve) => {
    server.on('served', (e) => {
      served.add(e.file);
      if (served.size === FILES.length) resolve();
    });
  });

  const probeEnded = once(server, 'transferEnd');
  const probe = await tftpGet({ host: '127.0.0.1', port, file: `${SERIAL}/start4.elf`, localAddress: PI_IP, tsize: true, blksize: 1024, probeOnly: true });
  assert.equal(probe.tsize, expected.get('start4.elf')!.length);
  assert.equal(probe.blksize, 1024);
  const [probeEnd] = await probeEnded;
  assert.equal(probeEnd.result, 'aborted');

  const queue = [...FILES];
  const got = new Map<string, Buffer>();
  const worker = async (): Promise<void> => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
      const r = await tftpGet({ host: '127.0.0.1', port, file: `${SERIAL}/${f}`, localAddress: PI_IP, tsize: true, blksize: 1024, timeoutMs: 2000 });
      assert.equal(r.tsize, expected.get(f)!.length, `tsize of ${f}`);
      got.set(f, r.data);
    }
  };
  await Promise.all(Array.from({ length: 7 }, worker));
  for (const f of FILES) assert.ok(got.get(f)!.equals(expected.get(f)!), `${f} is byte-identical`);
  assert.match(got.get('cmdline.txt')!.toString(), /nfsroot=10\.9\.8\.7:/);

  await Promise.race([allServed, new Promise((_, rej) => setTimeout(() => rej(new Error(`only ${served.size} files reported served`)), 20_000).unref())]);
  assert.equal(cluster.getCounters().tftpFiles, FILES.length, 'the probe is not counted');
  const view = cluster.port({ switchIndex: 1, port: 4 })!;
  assert.equal(view.state, 'netbooting');
  assert.ok(FILES.map((f) => `${SERIAL}/${f}`).includes(view.lastFile));
  assert.equal(ends.filter((e) => e.startsWith('complete:')).length, FILES.length);
});

test('an unknown peer is served but changes no port', async () => {
  const before = cluster.getCounters().tftpFiles;
  const served = once(part.server!, 'served');
  const r = await tftpGet({ host: '127.0.0.1', port, file: 'fixup4.dat', localAddress: '127.0.1.99', blksize: 1468 });
  assert.ok(r.data.equals(readFileSync(join(root, 'fixup4.dat'))));
  await served;
  assert.equal(cluster.getCounters().tftpFiles, before + 1);
  assert.equal(cluster.ports().filter((p) => p.state === 'netbooting').length, 1);
});

test('block numbers roll over: 70,000 blocks of 8 bytes arrive intact', async () => {
  const data = randomBytes(70_000 * 8 + 3);
  put('rollover.bin', data);
  const r = await tftpGet({ host: '127.0.0.1', port, file: 'rollover.bin', blksize: 8, timeoutMs: 3000 });
  assert.ok(r.data.equals(data));
});

test('RFC 7440 windowsize: negotiated (capped at tftp.maxWindowsize) and the file arrives intact', async () => {
  const data = randomBytes(1_000_003);
  put('window.bin', data);
  const r = await tftpGet({ host: '127.0.0.1', port, file: 'window.bin', blksize: 1468, windowsize: 64, timeoutMs: 3000 });
  assert.equal(r.oack?.find(([k]) => k === 'windowsize')?.[1], '16');
  assert.ok(r.data.equals(data));
});
