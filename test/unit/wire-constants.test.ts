/**
 * Every wire constant in the source, compared with a vector written down
 * apart from it: the RFC's numbers typed in here, the byte list in
 * README.md, the Pi packets of test/vectors, or net-snmp's own copy of
 * SNMPv2-MIB through snmptranslate. A typo in a constant would otherwise
 * pass every test that builds its expectations from the same constant.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BOOTREPLY, BOOTREQUEST, FLAG_BROADCAST, HEADER_LENGTH, MAGIC_COOKIE, MIN_PACKET_LENGTH } from '../../src/dhcp/packet.js';
import { MessageType, Opt, PI_PXE_VENDOR_OPTIONS, PXE_CLIENT } from '../../src/dhcp/options.js';
import { MAX_BLKSIZE, MIN_BLKSIZE, TFTP_ERRORS, TFTP_OPCODES } from '../../src/tftp/packet.js';
import { DOT1D_BASE_PORT_IFINDEX, DOT1D_TP_FDB_PORT, DOT1Q_TP_FDB_PORT, PETH_ADMIN_ENABLE, PETH_DETECTION_STATUS, detectionToNumber } from '../../src/switch/oids.js';
import { SNMP_GROUP, SNMP_STATS, SYS, SYSTEM } from '../../src/agent/oids.js';
import { PI_OPTION_43, PXE_VENDOR_CLASS } from '../vectors/dhcp-pi.js';
import { MIB_ARGS, runTool } from '../helpers/snmp-tools.js';

/** README.md's option 43, `06 01 ... "Raspberry Pi Boot" FF`, as bytes. */
function readmeOption43(): Buffer {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const m = /option 43 =\s*`([^`]+)`/.exec(readme);
  assert.ok(m, 'README.md gives option 43 as a byte list');
  const out: number[] = [];
  for (const tok of m[1]!.match(/"[^"]*"|[0-9A-Fa-f]{2}/g)!) {
    if (tok.startsWith('"')) out.push(...Buffer.from(tok.slice(1, -1), 'latin1'));
    else out.push(parseInt(tok, 16));
  }
  return Buffer.from(out);
}

test('option 43 is the byte list of README.md and of the Pi vectors', () => {
  const readme = readmeOption43();
  assert.equal(readme.length, 32);
  assert.deepEqual([...PI_PXE_VENDOR_OPTIONS], [...readme]);
  assert.deepEqual([...PI_OPTION_43], [...readme]);
  // PXE sub-options (PXE spec 2.1): 6 discovery control = 3, 10 menu prompt, 9 boot menu, 255 end
  assert.deepEqual([...readme.subarray(0, 3)], [6, 1, 3]);
  assert.equal(readme.at(-1), 255);
});

test('DHCP header constants are those of RFC 2131 and RFC 1542', () => {
  assert.deepEqual([MAGIC_COOKIE >>> 24, (MAGIC_COOKIE >>> 16) & 255, (MAGIC_COOKIE >>> 8) & 255, MAGIC_COOKIE & 255], [99, 130, 83, 99]);
  // op, htype, hlen, hops 4 + xid 4 + secs, flags 4 + 4 addresses 16 + chaddr 16 + sname 64 + file 128 + cookie 4
  assert.equal(HEADER_LENGTH, 4 + 4 + 4 + 16 + 16 + 64 + 128 + 4);
  assert.equal(MIN_PACKET_LENGTH, 300);
  assert.equal(FLAG_BROADCAST, 0b1000_0000_0000_0000, 'the leftmost bit of flags');
  assert.deepEqual([BOOTREQUEST, BOOTREPLY], [1, 2]);
  assert.equal(PXE_VENDOR_CLASS.startsWith(PXE_CLIENT), true);
  assert.equal(PXE_CLIENT, 'PXEClient');
});

test('DHCP option codes and message types are those of RFC 2132 and RFC 4578', () => {
  const rfc: Record<keyof typeof Opt, number> = {
    subnetMask: 1, router: 3, dns: 6, hostname: 12, domainName: 15, broadcastAddress: 28, vendorSpecific: 43,
    requestedIp: 50, leaseTime: 51, overload: 52, messageType: 53, serverId: 54, paramList: 55, message: 56,
    maxMessageSize: 57, renewalTime: 58, rebindingTime: 59, vendorClass: 60, clientId: 61, tftpServerName: 66,
    bootfileName: 67, clientArch: 93, clientNdi: 94, clientUuid: 97,
  };
  assert.deepEqual({ ...Opt }, rfc);
  assert.deepEqual({ ...MessageType }, { DISCOVER: 1, OFFER: 2, REQUEST: 3, DECLINE: 4, ACK: 5, NAK: 6, RELEASE: 7, INFORM: 8 });
});

test('TFTP opcodes and error codes are those of RFC 1350 and RFC 2347; blksize limits of RFC 2348', () => {
  assert.deepEqual({ ...TFTP_OPCODES }, { rrq: 1, wrq: 2, data: 3, ack: 4, error: 5, oack: 6 });
  assert.deepEqual(Object.values(TFTP_ERRORS), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(TFTP_ERRORS.accessViolation, 2);
  assert.equal(TFTP_ERRORS.fileNotFound, 1);
  assert.equal(TFTP_ERRORS.optionRefused, 8);
  assert.deepEqual([MIN_BLKSIZE, MAX_BLKSIZE], [8, 65464]);
});

test('PoE and bridge OIDs are those of RFC 3621, RFC 4188 and RFC 4363', () => {
  // pethPsePortEntry = pethObjects(1.3.6.1.2.1.105.1).1.1; AdminEnable is column 3, DetectionStatus 6
  assert.equal(PETH_ADMIN_ENABLE, '1.3.6.1.2.1.105.1.1.1.3');
  assert.equal(PETH_DETECTION_STATUS, '1.3.6.1.2.1.105.1.1.1.6');
  // dot1dBridge = mib-2.17; dot1dTpFdbEntry = .4.3.1, dot1dBasePortEntry = .1.4.1
  assert.equal(DOT1D_TP_FDB_PORT, '1.3.6.1.2.1.17.4.3.1.2');
  assert.equal(DOT1D_BASE_PORT_IFINDEX, '1.3.6.1.2.1.17.1.4.1.2');
  // qBridgeMIB = dot1dBridge.7; dot1qTpFdbEntry = .1.2.2.1, dot1qTpFdbPort column 2
  assert.equal(DOT1Q_TP_FDB_PORT, '1.3.6.1.2.1.17.7.1.2.2.1.2');
  const rfc3621 = ['disabled', 'searching', 'deliveringPower', 'fault', 'test', 'otherFault'] as const;
  rfc3621.forEach((name, i) => assert.equal(detectionToNumber(name), i + 1, name));
});

test("SNMPv2-MIB OIDs the agent serves match net-snmp's copy of the MIB (snmptranslate)", async () => {
  const expect: Record<string, string> = { system: SYSTEM, snmp: SNMP_GROUP };
  for (const [name, n] of Object.entries(SYS)) expect[name] = `${SYSTEM}.${n}`;
  for (const [name, n] of Object.entries(SNMP_STATS)) expect[name] = `${SNMP_GROUP}.${n}`;
  const names = Object.keys(expect);
  const r = await runTool('snmptranslate', [...MIB_ARGS, '-On', ...names.map((n) => `SNMPv2-MIB::${n}`)]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.stdout.split('\n').filter((l) => l.trim() !== ''),
    names.map((n) => `.${expect[n]}`),
  );
});
