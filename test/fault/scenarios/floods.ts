/**
 * Floods during a real boot: an unknown-MAC DHCP DISCOVER flood and a TFTP
 * flood (read requests for the kernel from many ports of another host,
 * never acknowledged) run while a virtual Pi powers on, netboots and
 * installs. The Pi must still reach `up`.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { TestContext } from 'node:test';
import { Lab } from '../../../src/lab/lab.js';
import { until } from '../../../src/lab/run-lab.js';
import { silentLogger } from '../../../src/log.js';
import { pi4Discover } from '../../vectors/dhcp-pi.js';
import type { Rand } from '../rand.js';
import type { ScenarioCount } from '../tally.js';

/** The flooding host: not a Pi, not piman. */
const FLOODER = '127.0.0.50';

function bind(address: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, address, () => resolve(s));
  });
}

function rrq(file: string): Buffer {
  return Buffer.concat([Buffer.from([0, 1]), Buffer.from(`${file}\0octet\0blksize\x001468\0`)]);
}

export async function floodsDuringBoot(t: TestContext, c: ScenarioCount, rand: Rand): Promise<void> {
  const log = silentLogger();
  const lab = await Lab.start({ pis: 1, model: 4, log, switchLog: log });
  t.after(() => lab.stop());
  const cluster = lab.daemon.ctx.cluster;
  const socks = await Promise.all(Array.from({ length: 300 }, () => bind(FLOODER)));
  t.after(() => socks.forEach((s) => s.close()));
  let flooding = true;
  const send = (s: Socket, b: Buffer, port: number): Promise<void> => new Promise((r) => s.send(b, port, '127.0.0.1', () => r()));
  // ~2,000 datagrams a second of each kind, paced so they reach piman instead of overflowing a socket buffer.
  const flood = async (): Promise<void> => {
    while (flooding) {
      for (let i = 0; i < 20; i++) {
        await send(rand.pick(socks), pi4Discover([0x02, ...rand.bytes(5)], rand.int(2 ** 32)), lab.ports.dhcp);
        c.inputs.DHCP++;
        await send(rand.pick(socks), rrq(rand.pick(['kernel8.img', 'start4.elf', 'initramfs8'])), lab.ports.tftp);
        c.inputs.TFTP++;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const running = flood();
  c.faults += 2;
  try {
    await new Promise((r) => setTimeout(r, 500)); // the floods are in full swing before the Pi powers on
    await lab.powerOnAll();
    // A Pi 4 boots and installs in a few seconds in the lab; its ROM retries, so a busy moment is no failure.
    await until(lab, () => cluster.ports().every((p) => p.state === 'up'), 30_000, 'the Pi up during the floods').catch(() => undefined);
  } finally {
    flooding = false;
    await running;
  }
  const p = cluster.port({ switchIndex: 1, port: 1 })!;
  const st = lab.pis[0]!.status();
  if (p.state !== 'up') {
    throw new Error(`the Pi did not boot within 30 s during the floods: port ${p.state}${p.lastError ? ` (${p.lastError})` : ''}, Pi ${st.phase}, ${st.boots} boot(s), files ${st.files.length}, last error: ${st.lastError}`);
  }
}
