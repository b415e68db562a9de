/**
 * The loopback lab's shared DHCP client socket. piman sends every reply to
 * dhcp.broadcastAddress:dhcp.clientPort (127.0.0.1:<this port>); the demux
 * plays the Ethernet segment: a reply with the BROADCAST flag set (the Pis'
 * boot ROMs set it, so piman answers them by broadcast) reaches every Pi
 * listening for DHCP, as a broadcast frame does, and each Pi's own judgement
 * decides whether it takes it (a Pi 3 boot ROM takes any OFFER with its xid);
 * a reply without the flag reaches only the Pi whose MAC is in chaddr, as an
 * L2 unicast frame does. Requests leave from the same socket towards piman's
 * DHCP port.
 */
import { createSocket, type Socket } from 'node:dgram';
import { macFromBytes } from '../cluster/mac.js';
import type { DhcpLink } from './virtual-pi.js';

const CHADDR = 28;
const FLAGS = 10;
const BROADCAST = 0x8000;

export class DhcpDemux {
  private readonly byMac = new Map<string, Set<(p: Buffer) => void>>();
  dropped = 0;
  /** Replies delivered to every listening Pi (BROADCAST flag set). */
  broadcasts = 0;

  /**
   * Experiment (`piman lab --pace-xid`): broadcast replies with one xid reach the segment at
   * least this many ms apart, later ones held in order, as a DHCP server pacing its replies
   * per xid would send them. 0 = off.
   */
  paceMs = 0;
  private readonly paced = new Map<number, number>();
  private readonly holds = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly sock: Socket,
    private readonly server: { address: string; port: number },
  ) {
    sock.on('message', (msg: Buffer) => {
      if (msg.length < CHADDR + 6) return void this.dropped++;
      if ((msg.readUInt16BE(FLAGS) & BROADCAST) !== 0 && this.paceMs > 0) {
        const xid = msg.readUInt32BE(4);
        const now = Date.now();
        // Bounded: slots already passed are forgotten once the table grows.
        if (this.paced.size > 1024) for (const [x, t] of this.paced) if (t <= now) this.paced.delete(x);
        const at = Math.max(now, this.paced.get(xid) ?? 0);
        this.paced.set(xid, at + this.paceMs);
        if (at > now) {
          const t = setTimeout(() => {
            this.holds.delete(t);
            this.deliver(msg);
          }, at - now);
          this.holds.add(t);
          return;
        }
      }
      this.deliver(msg);
    });
    sock.on('error', () => undefined);
  }

  private deliver(msg: Buffer): void {
    if ((msg.readUInt16BE(FLAGS) & BROADCAST) !== 0) {
      this.broadcasts++;
      // Copied first: a listener that takes the frame stops listening while we deliver.
      const all = [...this.byMac.values()].flatMap((set) => [...set]);
      if (all.length === 0) return void this.dropped++;
      for (const l of all) l(msg);
      return;
    }
    const listeners = this.byMac.get(macFromBytes(msg.subarray(CHADDR, CHADDR + 6)));
    if (!listeners || listeners.size === 0) return void this.dropped++;
    for (const l of [...listeners]) l(msg);
  }

  /** Binds address:port (port 0 = any free one; read `port`). */
  static open(server: { address: string; port: number }, address = '127.0.0.1', port = 0): Promise<DhcpDemux> {
    return new Promise((resolve, reject) => {
      const sock = createSocket({ type: 'udp4' });
      sock.once('error', reject);
      sock.bind({ address, port }, () => {
        sock.off('error', reject);
        resolve(new DhcpDemux(sock, server));
      });
    });
  }

  get port(): number {
    return this.sock.address().port;
  }

  link(mac: string): DhcpLink {
    const mine = new Set<(p: Buffer) => void>();
    let set = this.byMac.get(mac);
    if (!set) this.byMac.set(mac, (set = new Set()));
    const all = set;
    return {
      send: (packet) =>
        new Promise<void>((resolve) => {
          // A lost request is the boot ROM's problem; it retransmits.
          this.sock.send(packet, this.server.port, this.server.address, () => resolve());
        }),
      onReply: (listener) => {
        all.add(listener);
        mine.add(listener);
        return () => {
          all.delete(listener);
          mine.delete(listener);
        };
      },
      close: () => {
        for (const l of mine) all.delete(l);
        mine.clear();
      },
    };
  }

  close(): Promise<void> {
    for (const t of this.holds) clearTimeout(t);
    this.holds.clear();
    return new Promise((r) => this.sock.close(() => r()));
  }
}
