/** What the hostile-input modules share: how many inputs of each kind, UDP helpers. */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';

/** How many of each per run: 50,000+ in all, a few seconds each. */
export const COUNTS = { dhcp: 32_000, tftp: 10_000, controlLines: 8_000, rootfs: 1_000, config: 2_500, hosts: 4_000 };

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function udp(address = '127.0.0.1'): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, address, () => resolve(s));
  });
}

export function send(s: UdpSocket, b: Buffer, port: number): Promise<void> {
  return new Promise((r) => s.send(b, port, '127.0.0.1', () => r()));
}
