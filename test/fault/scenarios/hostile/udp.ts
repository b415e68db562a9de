/** Hostile UDP inputs: mutated Pi DHCP packets; mutated TFTP requests and ACK/ERRORs inside live transfers. */
import assert from 'node:assert/strict';
import type { Socket as UdpSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { pi3Discover, pi4Discover, pi4Request } from '../../../vectors/dhcp-pi.js';
import { decodeDhcp } from '../../../../src/dhcp/packet.js';
import { macToBytes } from '../../../../src/cluster/mac.js';
import type { Site } from '../../site.js';
import type { Rand } from '../../rand.js';
import type { ScenarioCount } from '../../tally.js';
import { COUNTS, send, sleep, udp } from './common.js';

const tftpVectors = JSON.parse(await readFile(new URL('../../../vectors/tftp-packets.json', import.meta.url), 'utf8')) as Record<'good' | 'bad', Array<{ hex: string }>>;
const TFTP_SEEDS = [...tftpVectors.good, ...tftpVectors.bad].map((v) => Buffer.from(v.hex, 'hex'));

export async function dhcpInputs(c: ScenarioCount, rand: Rand, s: UdpSocket, site: Site): Promise<void> {
  const known = [...macToBytes(site.hosts[0]!.identity.mac)];
  const seeds = [pi3Discover(), pi4Discover(), pi4Request([127, 0, 1, 1], [127, 0, 0, 1]), pi4Discover(known, 1), pi4Request([127, 0, 1, 1], [127, 0, 0, 1], known, 1)];
  for (let i = 0; i < COUNTS.dhcp; i++) {
    const kind = rand.int(10);
    let b: Buffer;
    if (kind < 7) b = rand.mutate(rand.pick(seeds), 1500);
    else if (kind < 9) b = pi4Discover([0x02, ...rand.bytes(5)], rand.int(2 ** 32)); // unknown MACs
    else b = rand.bytes(rand.int(600));
    await send(s, b, site.ports.dhcp);
    c.inputs.DHCP++;
    // Paced: a burst that overflows the receive buffer proves nothing.
    if (i % 200 === 199) await sleep(3);
  }
}

/** A PXE DISCOVER from the Pi `host` (an index into site.hosts) gets an OFFER. */
export async function probeDhcp(s: UdpSocket, replies: UdpSocket, site: Site, host = 1): Promise<void> {
  const xid = 0x5a000000 + Math.floor(Math.random() * 0xffffff);
  const mac = [...macToBytes(site.hosts[host]!.identity.mac)];
  const got = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => (replies.off('message', on), clearInterval(again), reject(new Error('no DHCP OFFER within 5 s'))), 5000);
    const on = (msg: Buffer): void => {
      try {
        if (decodeDhcp(msg).xid !== xid) return;
      } catch {
        return;
      }
      clearTimeout(timer);
      clearInterval(again);
      replies.off('message', on);
      resolve();
    };
    replies.on('message', on);
  });
  // Retransmitted like a Pi does: the one right after a flood may wait behind it in a full socket buffer.
  const discover = pi4Discover(mac, xid);
  const again = setInterval(() => void send(s, discover, site.ports.dhcp), 1000);
  await send(s, discover, site.ports.dhcp);
  await got;
}

/** An RRQ as a client would write it. */
function rrq(file: string, opts: Array<[string, string]> = []): Buffer {
  return Buffer.concat([Buffer.from([0, 1]), Buffer.from(`${file}\0octet\0`), ...opts.map(([k, v]) => Buffer.from(`${k}\0${v}\0`))]);
}

export async function tftpInputs(c: ScenarioCount, rand: Rand, site: Site): Promise<void> {
  const names = ['bootcode.bin', 'start4.elf', 'cmdline.txt', '../../../etc/passwd', '/etc/shadow', 'a'.repeat(600), 'overlays/../../x', '10000001/start4.elf', '', '.', 'boot\\..\\x'];
  const socks = await Promise.all(Array.from({ length: 8 }, () => udp()));
  try {
    let sent = 0;
    // Half the inputs: mutated requests and stray packets at the server port.
    while (sent < COUNTS.tftp / 2) {
      const s = rand.pick(socks);
      const k = rand.int(4);
      const b =
        k === 0
          ? rrq(rand.pick(names), rand.int(2) ? [['tsize', '0'], ['blksize', rand.pick(['0', '7', '1024', '65465', '-1', '1e9', 'x'])]] : [])
          : k === 1
            ? rand.mutate(rand.pick(TFTP_SEEDS), 700)
            : k === 2
              ? Buffer.concat([Buffer.from([0, rand.pick([2, 3, 4, 5, 6, 0, 9])]), rand.bytes(rand.int(40))])
              : rand.bytes(rand.int(100));
      await send(s, b, site.ports.tftp);
      c.inputs.TFTP++;
      sent++;
      if (sent % 100 === 0) await sleep(3);
    }
    // The other half inside live transfers: a real request, then hostile ACKs/ERRORs to its transfer port.
    // Each transfer from a new port, as clients do (the same file again from the same port is a retransmission).
    while (sent < COUNTS.tftp) {
      const peer = await udp();
      try {
        const tid = await openTransfer(peer, site.ports.tftp, rand.pick(['bootcode.bin', 'start4.elf', 'kernel8.img']));
        c.inputs.TFTP++;
        sent++;
        for (let j = 0; j < 20 && sent < COUNTS.tftp; j++, sent++) {
          const k = rand.int(4);
          const b =
            k === 0
              ? Buffer.from([0, 4, rand.int(256), rand.int(256)]) // ACK of any block
              : k === 1
                ? Buffer.concat([Buffer.from([0, 5, 0, rand.int(9)]), rand.bytes(rand.int(30))]) // ERROR, maybe without NUL
                : k === 2
                  ? rand.mutate(Buffer.from([0, 4, 0, 1]), 64)
                  : rand.bytes(rand.int(20));
          await send(peer, b, tid);
          c.inputs.TFTP++;
        }
      } finally {
        peer.close();
      }
    }
  } finally {
    for (const s of socks) s.close();
  }
}

/**
 * Sends an RRQ from `s` and returns the transfer's port (from its first
 * answer). Repeated every second like a real client: right after a burst the
 * server's socket buffer may be full and drop it.
 */
function openTransfer(s: UdpSocket, port: number, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const again = setInterval(() => void send(s, rrq(file), port), 1000);
    const timer = setTimeout(() => (clearInterval(again), s.off('message', on), reject(new Error(`no answer to RRQ ${file} within 5 s`))), 5000);
    const on = (_m: Buffer, from: { port: number }): void => {
      if (from.port === port) return;
      clearTimeout(timer);
      clearInterval(again);
      s.off('message', on);
      resolve(from.port);
    };
    s.on('message', on);
    void send(s, rrq(file), port);
  });
}

export async function probeTftp(site: Site): Promise<void> {
  const s = await udp();
  try {
    const got = new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no TFTP DATA within 5 s')), 5000);
      s.on('message', (m) => {
        if (m.readUInt16BE(0) === 3) {
          clearTimeout(timer);
          resolve(m);
        }
      });
    });
    const again = setInterval(() => void send(s, rrq('cmdline.txt'), site.ports.tftp), 1000);
    await send(s, rrq('cmdline.txt'), site.ports.tftp);
    const data = await got.finally(() => clearInterval(again));
    assert.match(data.subarray(4).toString(), /master=127\.0\.0\.1/);
  } finally {
    s.close();
  }
}
