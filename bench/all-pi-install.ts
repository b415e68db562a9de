/**
 * The Pi of bench/all.ts's rootfs scenario, run in a client namespace:
 * `all-pi-install.ts SERVER [control MAC]`. With `control` it first netboots
 * (a Pi 3 boot ROM's PXE DISCOVER for MAC, relayed from this namespace's
 * address: piman streams a rootfs only to a Pi it saw netboot), says hello
 * on the control channel (port 3333) as an uninstalled Pi and waits for
 * `format`, as piman's Pi-side script does; then it times what the
 * initramfs runs: `busybox nc SERVER 4444 | gunzip | tar -x`. Prints one
 * JSON line {seconds}.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { encodeDhcp } from '../src/dhcp/packet.js';
import { buildDiscover, PI3_XID } from '../src/lab/pi-dhcp.js';

const [server, mode, mac] = process.argv.slice(2);
const dest = await mkdtemp(join(tmpdir(), 'piman-bench-pi-'));

/** A relayed PXE DISCOVER (giaddr: our address, the relay piman.yaml allows); resolves on piman's OFFER. */
async function netboot(): Promise<void> {
  const relay = createSocket('udp4');
  relay.bind(67);
  await once(relay, 'listening');
  try {
    const p = buildDiscover({ model: 3, mac: mac!, serial: '0badc0de' }, PI3_XID);
    const local = (await new Promise<string>((res, rej) => {
      const probe = createSocket('udp4');
      probe.connect(67, server, () => (res(probe.address().address), probe.close()));
      probe.once('error', rej);
    }));
    const offer = once(relay, 'message');
    const t = setInterval(() => relay.send(encodeDhcp({ ...p, giaddr: local, hops: 1 }), 67, server), 500);
    const timeout = new Promise((_, rej) => setTimeout(() => rej(new Error(`no DHCP offer from ${server} within 10 s`)), 10_000).unref());
    try {
      relay.send(encodeDhcp({ ...p, giaddr: local, hops: 1 }), 67, server);
      await Promise.race([offer, timeout]);
    } finally {
      clearInterval(t);
    }
  } finally {
    relay.close();
  }
}

async function hello(): Promise<() => void> {
  await netboot();
  const sock = connect({ host: server!, port: 3333 });
  let text = '';
  let sent = false;
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no format from ${server}:3333 within 20 s; got ${JSON.stringify(text)}`)), 20_000);
    sock.on('error', reject);
    sock.on('data', (d: Buffer) => {
      text += d.toString();
      // piman opens with the date command; the Pi answers what its card holds.
      if (!sent && text.includes('\n')) {
        sent = true;
        sock.write('IS_UNINSTALLED\n');
      }
      if (/^format$/m.test(text)) (clearTimeout(t), resolve());
    });
  });
  return () => sock.destroy();
}

try {
  const close = mode === 'control' ? await hello() : () => undefined;
  const t0 = performance.now();
  // nc's stdin stays open (a pipe nobody writes): busybox nc quits when its stdin ends.
  const c = spawn('bash', ['-c', `set -o pipefail; busybox nc ${server} 4444 | gunzip | tar -xf - -C ${dest}`], { stdio: ['pipe', 'inherit', 'inherit'] });
  const code = await new Promise<number | null>((res) => {
    const k = setTimeout(() => c.kill('SIGKILL'), 300_000);
    c.once('exit', (x) => (clearTimeout(k), res(x)));
  });
  const seconds = (performance.now() - t0) / 1000;
  c.stdin!.destroy();
  close();
  if (code !== 0 || !existsSync(join(dest, 'bin/hello'))) throw new Error(`receiver failed (exit ${code})`);
  process.stdout.write(JSON.stringify({ seconds }) + '\n');
} finally {
  await rm(dest, { recursive: true, force: true });
}
