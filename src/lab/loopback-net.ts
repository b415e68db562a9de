/**
 * PiNetwork for the loopback lab: DHCP through the shared demux, sockets
 * bound to the Pi's 127/8 address. It also plays the two parts of a real
 * Ethernet segment that loopback lacks: address clashes (two Pis using one
 * address break each other's boot, as ARP replies from two MACs do) and the
 * neighbour table piman reads to check who is behind an address.
 */
import { PimanError } from '../errors.js';
import type { Neighbour, NeighbourTable } from '../control/neighbours.js';
import type { DhcpDemux } from './dhcp-demux.js';
import type { Lease } from './pi-dhcp.js';
import type { PiIdentity } from './pi-profile.js';
import type { DhcpLink, PiNetwork } from './virtual-pi.js';

interface Holder {
  readonly mac: string;
  readonly onConflict: ((reason: string) => void) | undefined;
}

export class LoopbackNetwork implements PiNetwork, NeighbourTable {
  /** Who uses which address now (the lab's ARP view); bounded by the number of Pis. */
  private readonly holders = new Map<string, Holder>();
  /** Address clashes seen (a Pi 3 took an OFFER meant for another). */
  conflicts = 0;

  constructor(private readonly demux: DhcpDemux) {}

  async openDhcp(id: PiIdentity): Promise<DhcpLink> {
    return this.demux.link(id.mac);
  }

  async useLease(lease: Lease, id?: PiIdentity, onConflict?: (reason: string) => void): Promise<string> {
    // Linux routes all of 127/8 to lo, so the leased address is already "configured".
    if (!lease.ip.startsWith('127.')) {
      throw new PimanError('E_CONFIG', `loopback lab: leased address ${lease.ip} is not in 127/8; hosts.csv must use 127.x.y.z addresses`);
    }
    if (!id) return lease.ip;
    const held = this.holders.get(lease.ip);
    if (held && held.mac !== id.mac) {
      // Both now answer ARP for the address: neither's TFTP or TCP is reliable, neither boots.
      this.conflicts++;
      this.holders.delete(lease.ip);
      held.onConflict?.(`address ${lease.ip} clashes with ${id.mac}`);
      throw new PimanError('E_ROOTFS', `address ${lease.ip} clashes with ${held.mac} (an OFFER meant for another Pi)`);
    }
    this.release(id);
    this.holders.set(lease.ip, { mac: id.mac, onConflict });
    return lease.ip;
  }

  release(id: PiIdentity): void {
    for (const [ip, h] of this.holders) if (h.mac === id.mac) this.holders.delete(ip);
  }

  /** The MAC behind an address, as the kernel's neighbour table would say after a TCP handshake. */
  async lookup(ip: string): Promise<Neighbour | null> {
    const h = this.holders.get(ip);
    return h ? { mac: h.mac, device: 'lo' } : null;
  }
}
