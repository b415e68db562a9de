/** The lab's model of a Pi 3 storm: broadcast delivery, address clashes, the boot ROM that gives up. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { DhcpDemux } from '../../src/lab/dhcp-demux.js';
import { LoopbackNetwork } from '../../src/lab/loopback-net.js';
import { VirtualPi, type DhcpLink, type PiNetwork } from '../../src/lab/virtual-pi.js';
import { labIdentity } from '../../src/lab/pi-profile.js';
import type { Lease } from '../../src/lab/pi-dhcp.js';
import { macToBytes } from '../../src/cluster/mac.js';
import { eventually } from '../helpers/eventually.js';

const lease = (ip: string): Lease => ({ ip, serverId: '127.0.0.1', tftpServer: '127.0.0.1' });

test('two Pis on one address: the second is refused and the first is told (neither boots); the neighbour table names the holder', async () => {
  const net = new LoopbackNetwork({ link: () => { throw new Error('unused'); } } as unknown as DhcpDemux);
  const a = labIdentity(3, 1);
  const b = labIdentity(3, 2);
  const told: string[] = [];
  assert.equal(await net.useLease(lease('127.0.1.1'), a, (why) => told.push(why)), '127.0.1.1');
  assert.deepEqual(await net.lookup('127.0.1.1'), { mac: a.mac, device: 'lo' });
  await assert.rejects(net.useLease(lease('127.0.1.1'), b), /clashes with/);
  assert.equal(told.length, 1);
  assert.equal(net.conflicts, 1);
  assert.equal(await net.lookup('127.0.1.1'), null);
  // After a power cycle the address is free again.
  net.release(b);
  assert.equal(await net.useLease(lease('127.0.1.1'), b), '127.0.1.1');
});

test('demux: a reply with the BROADCAST flag reaches every listening Pi, one without it only its chaddr', async () => {
  const demux = await DhcpDemux.open({ address: '127.0.0.1', port: 9 });
  const tx = createSocket('udp4');
  try {
    const a = labIdentity(3, 1);
    const b = labIdentity(3, 2);
    const got: string[] = [];
    demux.link(a.mac).onReply(() => got.push('a'));
    demux.link(b.mac).onReply(() => got.push('b'));
    const reply = (flags: number): Buffer => {
      const buf = Buffer.alloc(300);
      buf[0] = 2;
      buf.writeUInt16BE(flags, 10);
      macToBytes(a.mac).copy(buf, 28);
      return buf;
    };
    tx.send(reply(0x8000), demux.port, '127.0.0.1');
    await eventually(() => got.length === 2, 'both Pis got the broadcast', 5000);
    assert.deepEqual(got.sort(), ['a', 'b']);
    tx.send(reply(0), demux.port, '127.0.0.1');
    await eventually(() => got.length === 3, 'the unicast reply', 5000);
    assert.equal(got[2], 'a');
    assert.equal(demux.broadcasts, 1);
  } finally {
    tx.close();
    await demux.close();
  }
});

/** A network nobody answers on: the Pi's DISCOVERs go nowhere. */
class SilentNet implements PiNetwork {
  discovers = 0;
  async openDhcp(): Promise<DhcpLink> {
    return { send: async () => void this.discovers++, onReply: () => () => undefined, close: () => undefined };
  }
  async useLease(l: Lease): Promise<string> {
    return l.ip;
  }
}

test('real Pi 3 boot ROM: 4 DISCOVERs without an OFFER, then halted for good; a Pi 4 keeps trying', async () => {
  const timing = { bootDelayMs: 0, dhcpRetryMs: 20, rebootDelayMs: 10, romDiscovers: 4 };
  const ports = { tftp: 9, control: 9, install: 9, health: 9 };
  const net3 = new SilentNet();
  const pi3 = new VirtualPi({ identity: labIdentity(3, 1), net: net3, ports, timing, realRom: true });
  const net4 = new SilentNet();
  const pi4 = new VirtualPi({ identity: labIdentity(4, 1), net: net4, ports, timing, realRom: true });
  try {
    pi3.powerOn();
    pi4.powerOn();
    await pi3.waitFor('halted', 5000);
    assert.equal(net3.discovers, 4);
    assert.match(pi3.status().lastError, /gave up after 4 DISCOVERs/);
    await eventually(() => net4.discovers > 6, 'the Pi 4 keeps sending DISCOVERs', 5000);
    const before = net3.discovers;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(net3.discovers, before, 'a halted ROM stays silent');
    // Only a power cycle brings it back.
    await pi3.powerOff();
    pi3.powerOn();
    await eventually(() => net3.discovers > before, 'DISCOVERs after the power cycle', 5000);
  } finally {
    await pi3.powerOff();
    await pi4.powerOff();
  }
});

test('demux pacing experiment: broadcast replies with one xid reach the segment paceMs apart, in order', async () => {
  const demux = await DhcpDemux.open({ address: '127.0.0.1', port: 9 });
  demux.paceMs = 80;
  const tx = createSocket('udp4');
  try {
    const a = labIdentity(3, 1);
    const at: number[] = [];
    demux.link(a.mac).onReply(() => at.push(Date.now()));
    const reply = Buffer.alloc(300);
    reply[0] = 2;
    reply.writeUInt32BE(0x26f30339, 4);
    reply.writeUInt16BE(0x8000, 10);
    macToBytes(a.mac).copy(reply, 28);
    for (let i = 0; i < 3; i++) tx.send(reply, demux.port, '127.0.0.1');
    await eventually(() => at.length === 3, 'three paced replies', 5000);
    // Timers never fire early (a late one may bunch the last two): check against the first.
    assert.ok(at[1]! - at[0]! >= 75 && at[2]! - at[0]! >= 155, `arrivals ${at.join(', ')}`);
  } finally {
    tx.close();
    await demux.close();
  }
});
