/**
 * A scripted DHCP client socket for loopback tests: sends raw requests to a
 * server and waits (with a timeout) for the reply addressed to a chaddr.
 */
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { decodeDhcp, type DhcpPacket } from '../../src/dhcp/packet.js';
import { getMessageType } from '../../src/dhcp/options.js';

export interface Waiter {
  match: (p: DhcpPacket) => boolean;
  resolve: (p: DhcpPacket) => void;
}

export class DhcpTestClient {
  readonly received: DhcpPacket[] = [];
  private waiters: Waiter[] = [];
  private constructor(readonly sock: dgram.Socket) {
    sock.on('message', (msg) => {
      let p: DhcpPacket;
      try {
        p = decodeDhcp(msg);
      } catch {
        return;
      }
      this.received.push(p);
      for (const w of [...this.waiters]) {
        if (w.match(p)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(p);
        }
      }
    });
  }

  static async open(address = '127.0.0.1', port = 0): Promise<DhcpTestClient> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((res, rej) => {
      sock.once('error', rej);
      sock.bind(port, address, () => res());
    });
    return new DhcpTestClient(sock);
  }

  get port(): number {
    return (this.sock.address() as AddressInfo).port;
  }

  send(buf: Uint8Array, port: number, address = '127.0.0.1'): Promise<void> {
    return new Promise((res, rej) => this.sock.send(buf, port, address, (e) => (e ? rej(e) : res())));
  }

  /** Next (or already received) reply for this MAC with this message type. */
  waitFor(mac: string, type: number, timeoutMs = 10_000): Promise<DhcpPacket> {
    const hex = mac.replace(/:/g, '');
    const match = (p: DhcpPacket): boolean => p.chaddr.subarray(0, 6).toString('hex') === hex && getMessageType(p) === type;
    const seen = this.received.findIndex(match);
    if (seen >= 0) return Promise.resolve(this.received.splice(seen, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no DHCP reply type ${type} for ${mac} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (p) => {
          clearTimeout(timer);
          this.received.splice(this.received.indexOf(p), 1);
          resolve(p);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Replies received so far for a MAC (not yet consumed by waitFor). */
  repliesFor(mac: string): DhcpPacket[] {
    const hex = mac.replace(/:/g, '');
    return this.received.filter((p) => p.chaddr.subarray(0, 6).toString('hex') === hex);
  }

  close(): Promise<void> {
    return new Promise((res) => this.sock.close(() => res()));
  }
}
