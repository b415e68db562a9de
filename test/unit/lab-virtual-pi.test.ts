import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { decodeDhcp, encodeDhcp, type DhcpPacket } from '../../src/dhcp/packet.js';
import { MessageType, Opt, getIp, ipOption } from '../../src/dhcp/options.js';
import { PI_OPTION_43 } from '../vectors/dhcp-pi.js';
import { VirtualPi, type DhcpLink, type PiNetwork } from '../../src/lab/virtual-pi.js';
import { PI3_XID, type Lease } from '../../src/lab/pi-dhcp.js';
import { labIdentity, type PiIdentity } from '../../src/lab/pi-profile.js';
import { macToBytes } from '../../src/cluster/mac.js';

/** A network where the test plays the DHCP server. */
class FakeNet implements PiNetwork {
  readonly sent: DhcpPacket[] = [];
  readonly leases: Lease[] = [];
  private listener: ((p: Buffer) => void) | null = null;
  private waiters: Array<() => void> = [];
  closed = 0;
  failLease = false;

  async openDhcp(): Promise<DhcpLink> {
    return {
      send: async (b) => {
        this.sent.push(decodeDhcp(b));
        for (const w of this.waiters.splice(0)) w();
      },
      onReply: (l) => {
        this.listener = l;
        return () => (this.listener = null);
      },
      close: () => {
        this.closed++;
        this.listener = null;
      },
    };
  }

  async useLease(lease: Lease): Promise<string> {
    this.leases.push(lease);
    if (this.failLease) throw new Error('no such address here');
    return lease.ip;
  }

  /** Resolves when the Pi has sent `n` packets in total. */
  async sentCount(n: number): Promise<void> {
    while (this.sent.length < n) await new Promise<void>((r) => this.waiters.push(r));
  }

  private cursor = 0;

  /** The next packet of this message type the Pi sends (retransmissions of others are skipped). */
  async next(type: number): Promise<DhcpPacket> {
    for (;;) {
      while (this.cursor < this.sent.length) {
        const p = this.sent[this.cursor++]!;
        if (p.options.get(Opt.messageType)?.[0] === type) return p;
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  reply(to: DhcpPacket, type: number, mac?: string): void {
    const chaddr = Buffer.alloc(16);
    if (mac) macToBytes(mac).copy(chaddr);
    else to.chaddr.copy(chaddr);
    const options = new Map<number, Buffer>([
      [Opt.messageType, Buffer.from([type])],
      [Opt.serverId, ipOption('10.0.0.1')],
      [Opt.vendorClass, Buffer.from('PXEClient')],
      [Opt.vendorSpecific, PI_OPTION_43],
    ]);
    this.listener?.(encodeDhcp({ ...to, op: 2, chaddr, yiaddr: '10.0.0.9', siaddr: '10.0.0.1', options }));
  }
}

const timing = { bootDelayMs: 0, dhcpRetryMs: 300, rebootDelayMs: 20, tftpTimeoutMs: 100, tftpRetries: 0 };
const ports = { tftp: 9, control: 9, install: 9, health: 9 };
const make = (id: PiIdentity, net: FakeNet): VirtualPi => new VirtualPi({ identity: id, net, ports, timing });

test('Pi 3: DISCOVERs carry the shared xid; an OFFER for another MAC is ignored; power off stops it in DHCP', async () => {
  const net = new FakeNet();
  const pi = make(labIdentity(3, 1), net);
  pi.powerOn();
  await net.sentCount(1);
  assert.equal(pi.phase, 'dhcp');
  net.reply(net.sent[0]!, MessageType.OFFER, labIdentity(3, 2).mac); // same xid, other Pi
  await net.sentCount(2); // it retransmitted instead of taking it
  assert.ok(net.sent.every((p) => p.xid === PI3_XID && p.options.get(Opt.messageType)![0] === MessageType.DISCOVER));
  assert.equal(net.leases.length, 0);
  await pi.powerOff();
  assert.equal(pi.phase, 'off');
  assert.equal(pi.powered, false);
  assert.equal(net.closed, 1, 'the DHCP socket is released');
});

test('Pi 3 boots from the OFFER (no REQUEST); Pi 4 sends a REQUEST naming the server and waits for the ACK', async () => {
  const net3 = new FakeNet();
  net3.failLease = true; // stop right after DHCP
  const pi3 = make(labIdentity(3, 1), net3);
  pi3.powerOn();
  net3.reply(await net3.next(MessageType.DISCOVER), MessageType.OFFER);
  await once(pi3, 'bootError');
  assert.equal(net3.leases[0]?.ip, '10.0.0.9');
  assert.ok(net3.sent.every((p) => p.options.get(Opt.messageType)![0] === MessageType.DISCOVER));
  await pi3.powerOff();

  const net4 = new FakeNet();
  net4.failLease = true;
  const pi4 = make(labIdentity(4, 1), net4);
  pi4.powerOn();
  const disc = await net4.next(MessageType.DISCOVER);
  net4.reply(disc, MessageType.OFFER);
  const req = await net4.next(MessageType.REQUEST);
  assert.equal(req.xid, disc.xid);
  assert.equal(getIp(req, Opt.serverId), '10.0.0.1');
  assert.equal(getIp(req, Opt.requestedIp), '10.0.0.9');
  assert.equal(net4.leases.length, 0, 'no lease before the ACK');
  net4.reply(req, MessageType.ACK);
  const err = (await once(pi4, 'bootError')) as [string];
  assert.match(err[0], /no such address/);
  assert.equal(pi4.status().lastError, err[0]);
  await pi4.powerOff();
  assert.equal(pi4.phase, 'off');
});

test('a failed boot starts over from DHCP, as a boot ROM retries', async () => {
  const net = new FakeNet();
  net.failLease = true;
  const pi = make(labIdentity(4, 3), net);
  pi.powerOn();
  for (let round = 0; round < 2; round++) {
    net.reply(await net.next(MessageType.DISCOVER), MessageType.OFFER);
    net.reply(await net.next(MessageType.REQUEST), MessageType.ACK);
    await once(pi, 'bootError');
  }
  assert.equal(net.leases.length, 2);
  assert.equal(pi.status().boots, 2);
  await pi.powerOff();
});
