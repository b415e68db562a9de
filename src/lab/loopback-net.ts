/** PiNetwork for the loopback lab: DHCP through the shared demux, sockets bound to the Pi's 127/8 address. */
import { PimanError } from '../errors.js';
import type { DhcpDemux } from './dhcp-demux.js';
import type { Lease } from './pi-dhcp.js';
import type { PiIdentity } from './pi-profile.js';
import type { DhcpLink, PiNetwork } from './virtual-pi.js';

export class LoopbackNetwork implements PiNetwork {
  constructor(private readonly demux: DhcpDemux) {}

  async openDhcp(id: PiIdentity): Promise<DhcpLink> {
    return this.demux.link(id.mac);
  }

  async useLease(lease: Lease): Promise<string> {
    // Linux routes all of 127/8 to lo, so the leased address is already "configured".
    if (!lease.ip.startsWith('127.')) {
      throw new PimanError('E_CONFIG', `loopback lab: leased address ${lease.ip} is not in 127/8; hosts.csv must use 127.x.y.z addresses`);
    }
    return lease.ip;
  }
}
