import { test } from 'node:test';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { decodeDhcp, encodeDhcp, type DhcpPacket } from '../../src/dhcp/packet.js';
import { MessageType, Opt, getString, getUint16, ipOption, isPxeRequest, clientMac } from '../../src/dhcp/options.js';
import { PI_OPTION_43 } from '../vectors/dhcp-pi.js';
import { PI3_XID, PI_VENDOR_CLASS, buildDiscover, buildRequest, judgeReply, xidFor } from '../../src/lab/pi-dhcp.js';
import { labIdentity } from '../../src/lab/pi-profile.js';
import { isPiMac } from '../../src/cluster/mac.js';

const pi3 = labIdentity(3, 7);
const pi4 = labIdentity(4, 258);

test('lab identities: Pi OUIs, stable MACs and 8-digit serials', () => {
  assert.equal(pi3.mac, 'b8:27:eb:4c:00:07');
  assert.equal(pi4.mac, 'dc:a6:32:4c:01:02');
  assert.ok(isPiMac(pi3.mac) && isPiMac(pi4.mac));
  assert.match(pi4.serial, /^[0-9a-f]{8}$/);
  assert.notEqual(labIdentity(4, 1).serial, labIdentity(4, 2).serial);
  assert.throws(() => labIdentity(3, 0), RangeError);
});

test('DISCOVER carries the boot ROM options (60 PXEClient, 93, 97 on a Pi 4)', () => {
  const d = decodeDhcp(encodeDhcp(buildDiscover(pi4, 0x1234, 3)));
  assert.equal(d.op, 1);
  assert.equal(d.secs, 3);
  assert.equal(clientMac(d), pi4.mac);
  assert.equal(getString(d, Opt.vendorClass), PI_VENDOR_CLASS);
  assert.ok(isPxeRequest(d));
  assert.equal(getUint16(d, Opt.clientArch), 0);
  const guid = d.options.get(Opt.clientUuid)!;
  assert.equal(guid[0], 0);
  assert.equal(guid.subarray(1, 5).toString('latin1'), 'RPi4');
  assert.equal(d.options.get(Opt.messageType)![0], MessageType.DISCOVER);
  // Pi 3 has no option 97.
  assert.equal(decodeDhcp(encodeDhcp(buildDiscover(pi3, PI3_XID))).options.has(Opt.clientUuid), false);
});

test('Pi 3 quirk: every Pi 3 uses the same xid; Pi 4s pick their own', () => {
  assert.equal(xidFor(pi3), PI3_XID);
  assert.equal(xidFor(labIdentity(3, 99)), PI3_XID);
  let n = 0;
  const rnd = (): number => [0.1, 0.9][n++ % 2]!;
  assert.notEqual(xidFor(pi4, rnd), xidFor(pi4, rnd));
});

test('Pi 4 REQUEST names the offer and its server, and leaves option 60 out', () => {
  const r = decodeDhcp(encodeDhcp(buildRequest(pi4, 9, { ip: '10.0.0.5', serverId: '10.0.0.1', tftpServer: '10.0.0.1' })));
  assert.equal(r.options.get(Opt.messageType)![0], MessageType.REQUEST);
  assert.deepEqual(r.options.get(Opt.requestedIp), ipOption('10.0.0.5'));
  assert.deepEqual(r.options.get(Opt.serverId), ipOption('10.0.0.1'));
  assert.equal(r.options.has(Opt.vendorClass), false);
});

function reply(to: DhcpPacket, type: number, patch: Partial<DhcpPacket> = {}, drop: number[] = []): DhcpPacket {
  const options = new Map<number, Buffer>([
    [Opt.messageType, Buffer.from([type])],
    [Opt.serverId, ipOption('10.0.0.1')],
    [Opt.subnetMask, ipOption('255.255.255.0')],
    [Opt.vendorClass, Buffer.from('PXEClient')],
    [Opt.vendorSpecific, PI_OPTION_43],
    [Opt.tftpServerName, Buffer.from('10.0.0.1')],
  ]);
  for (const d of drop) options.delete(d);
  return decodeDhcp(encodeDhcp({ ...to, op: 2, yiaddr: '10.0.0.7', siaddr: '10.0.0.1', options, ...patch }));
}

test('judgeReply takes a proper Pi OFFER/ACK and reads the lease', () => {
  const disc = buildDiscover(pi4, 77);
  const v = judgeReply(pi4, 77, reply(disc, MessageType.OFFER));
  assert.deepEqual(v, { kind: 'offer', lease: { ip: '10.0.0.7', serverId: '10.0.0.1', tftpServer: '10.0.0.1', netmask: '255.255.255.0' } });
  assert.equal(judgeReply(pi4, 77, reply(disc, MessageType.ACK)).kind, 'ack');
  assert.equal(judgeReply(pi4, 77, reply(disc, MessageType.NAK)).kind, 'nak');
});

test('judgeReply ignores what a real boot ROM ignores', () => {
  const disc = buildDiscover(pi4, 77);
  const why = (p: DhcpPacket, xid = 77): string => {
    const v = judgeReply(pi4, xid, p);
    return v.kind === 'ignore' ? v.why : v.kind;
  };
  assert.equal(why(reply(disc, MessageType.OFFER), 78), 'other xid');
  assert.equal(why(reply(buildDiscover(labIdentity(4, 3), 77), MessageType.OFFER)), 'other MAC');
  assert.match(why(reply(disc, MessageType.OFFER, {}, [Opt.vendorClass])), /option 60/);
  assert.match(why(reply(disc, MessageType.OFFER, {}, [Opt.vendorSpecific])), /option 43/);
  assert.match(why(reply(disc, MessageType.OFFER, {}, [Opt.serverId])), /option 54/);
  assert.match(why(reply(disc, MessageType.OFFER, { yiaddr: '0.0.0.0' })), /no address/);
  assert.equal(why({ ...disc }), 'not a reply');
});

test('without option 66 the TFTP server is siaddr', () => {
  const disc = buildDiscover(pi3, PI3_XID);
  const v = judgeReply(pi3, PI3_XID, reply(disc, MessageType.OFFER, { siaddr: '10.0.0.9' }, [Opt.tftpServerName]));
  assert.equal(v.kind === 'offer' && v.lease.tftpServer, '10.0.0.9');
});

test('Pi 3 quirk on request: with acceptForeignOffer a Pi 3 takes an OFFER for another MAC (same xid); a Pi 4 never does', () => {
  const other = labIdentity(3, 8);
  const offer = reply(buildDiscover(other, PI3_XID), MessageType.OFFER);
  assert.equal(judgeReply(pi3, PI3_XID, offer).kind, 'ignore');
  const v = judgeReply(pi3, PI3_XID, offer, { acceptForeignOffer: true });
  assert.equal(v.kind === 'offer' && v.lease.ip, '10.0.0.7');
  const otherPi4 = reply(buildDiscover(labIdentity(4, 9), 5), MessageType.OFFER);
  assert.equal(judgeReply(pi4, 5, otherPi4, { acceptForeignOffer: true }).kind, 'ignore');
});

test('judgeReply never throws, whatever a decodable datagram holds', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 240, maxLength: 600, size: 'max' }), fc.boolean(), (bytes, foreign) => {
      const b = Buffer.from(bytes);
      b[0] = 2;
      b[2] = 6;
      b.writeUInt32BE(0x63825363, 236);
      let p: DhcpPacket;
      try {
        p = decodeDhcp(b);
      } catch (e) {
        assert.equal((e as { code?: string }).code, 'E_DECODE');
        return;
      }
      const v = judgeReply(pi4, p.xid, p, { acceptForeignOffer: foreign });
      assert.ok(['offer', 'ack', 'nak', 'ignore'].includes(v.kind));
    }),
  );
});
