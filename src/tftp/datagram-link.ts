/**
 * A transfer's datagram path to its one client: a UDP socket on a fresh
 * port (the transfer ID of RFC 1350), connected to the client's address and
 * port, so the kernel drops packets from any other TID and sends need no
 * address. Two kinds carry it: node:dgram, and the native batch path
 * (native-datagrams.ts) that enters JavaScript once per batch of datagrams
 * instead of once per datagram. Transfer sees only this interface.
 */
import { createSocket, type Socket } from 'node:dgram';
import { openNativeLink } from './native-datagrams.js';

/** Which code carries a transfer's datagrams (tftp.datagrams once resolved). */
export type DatagramPath = 'native' | 'node';

export interface LinkEvents {
  /** A well-formed 4-byte ACK: the datagram of every block. */
  readonly ack: (block: number) => void;
  /** Any other datagram from the client. */
  readonly datagram: (msg: Buffer) => void;
  /** The socket failed (say, an ICMP port unreachable from a client that went away). */
  readonly failed: (message: string) => void;
}

export interface TransferLink {
  /** Called once, before the first send. */
  listen(events: LinkEvents): void;
  /** Hands one datagram to the kernel; a failure arrives later through `failed`. */
  send(packet: Buffer): void;
  /** Datagrams given to send() that the kernel has not taken yet. */
  queued(): number;
  close(): void;
}

/** Opens a link from bindAddress:<fresh port> to the client; rejects when it cannot. */
export function openLink(path: DatagramPath, bindAddress: string, peerAddress: string, peerPort: number): Promise<TransferLink> {
  return path === 'native' ? openNativeLink(bindAddress, peerAddress, peerPort) : openDgramLink(bindAddress, peerAddress, peerPort);
}

function openDgramLink(bindAddress: string, peerAddress: string, peerPort: number): Promise<TransferLink> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type: 'udp4' });
    s.once('error', (e) => {
      s.close();
      reject(new Error(`cannot open a transfer socket: ${e.message}`));
    });
    s.bind({ address: bindAddress, port: 0 }, () => {
      try {
        // connect() throws on a bad peer (port 0 from a forged packet); that must reject, not crash
        s.connect(peerPort, peerAddress, (err?: Error) => {
          if (err) {
            s.close();
            reject(new Error(`cannot open a transfer socket: ${err.message}`));
            return;
          }
          s.removeAllListeners('error');
          resolve(new DgramLink(s));
        });
      } catch (e) {
        s.close();
        reject(new Error(`cannot open a transfer socket: ${(e as Error).message}`));
      }
    });
  });
}

class DgramLink implements TransferLink {
  constructor(private readonly socket: Socket) {}

  listen(events: LinkEvents): void {
    this.socket.on('message', (msg) => {
      // Hot path: a well-formed ACK, without building a packet object.
      if (msg.length === 4 && msg[0] === 0 && msg[1] === 4) events.ack((msg[2]! << 8) | msg[3]!);
      else events.datagram(msg);
    });
    this.socket.on('error', (e) => events.failed(e.message));
  }

  send(packet: Buffer): void {
    // Connected socket, no callback: the cheapest send Node has.
    this.socket.send(packet);
  }

  queued(): number {
    return this.socket.getSendQueueCount();
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      /* already closed */
    }
  }
}
