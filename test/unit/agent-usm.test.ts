/**
 * The agent's USM (usm-agent.ts): RFC 3414 3.2 step by step, and the
 * net-snmp crypto it relies on pinned to the RFC's test vectors (these fail
 * if an upgrade of net-snmp changes its key localisation).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getCiphers } from 'node:crypto';
import snmp from 'net-snmp';
import { UsmAgent } from '../../src/snmp/usm-agent.js';
import { decodeMessage, PDU, type V3Message } from '../../src/snmp/wire.js';
import type { UsmUserConfig } from '../../src/config/schema.js';
import { GET, openV3Reply, pdu, readReply, tlv, v3AuthPriv, v3Message } from '../helpers/snmp-packets.js';

const ENGINE = Buffer.from('000000000000000000000002', 'hex');

test('net-snmp key localisation matches RFC 3414 A.3.1 (MD5) and A.3.2 (SHA)', () => {
  assert.equal(snmp.Authentication.passwordToKey(snmp.AuthProtocols.md5, 'maplesyrup', ENGINE).toString('hex'), '526f5eed9fcce26f8964c2930787d82b');
  assert.equal(snmp.Authentication.passwordToKey(snmp.AuthProtocols.sha, 'maplesyrup', ENGINE).toString('hex'), '6695febc9288e36282235fc7151f128497b38f3f');
  assert.equal(snmp.Authentication.getParametersLength(snmp.AuthProtocols.sha256), 24);
  assert.equal(snmp.Authentication.getParametersLength(snmp.AuthProtocols.md5), 12);
});

const USERS: UsmUserConfig[] = [
  { name: 'md5des', authProtocol: 'md5', authKey: 'auth-pass-1', privProtocol: 'des', privKey: 'priv-pass-1', access: 'ro' },
  { name: 'shaaes', authProtocol: 'sha', authKey: 'auth-pass-2', privProtocol: 'aes', privKey: 'priv-pass-2', access: 'rw' },
  { name: 'sha256', authProtocol: 'sha256', authKey: 'auth-pass-3', privProtocol: 'aes', privKey: 'priv-pass-3', access: 'rw' },
  { name: 'sha512b', authProtocol: 'sha512', authKey: 'auth-pass-4', privProtocol: 'aes256b', privKey: 'priv-pass-4', access: 'ro' },
  { name: 'shar', authProtocol: 'sha', authKey: 'auth-pass-5', privProtocol: 'aes256r', privKey: 'priv-pass-5', access: 'ro' },
];
const AUTH = { md5: snmp.AuthProtocols.md5, sha: snmp.AuthProtocols.sha, sha256: snmp.AuthProtocols.sha256, sha512: snmp.AuthProtocols.sha512 };
const PRIV = { des: snmp.PrivProtocols.des, aes: snmp.PrivProtocols.aes, aes256b: snmp.PrivProtocols.aes256b, aes256r: snmp.PrivProtocols.aes256r };

function agent(time = 1000): { usm: UsmAgent; clock: { t: number } } {
  const clock = { t: time };
  const usm = new UsmAgent({ engineID: ENGINE, engineBoots: 5, engineTime: () => clock.t }, USERS, 8192);
  return { usm, clock };
}

const decode = (b: Buffer): V3Message => {
  const m = decodeMessage(b);
  assert.ok(m && m.version === 3);
  return m;
};

function request(u: UsmUserConfig, o: { boots?: number; time?: number; signWith?: string; privKey?: string } = {}): Buffer {
  return v3AuthPriv({
    msgId: 4711,
    engineId: ENGINE,
    boots: o.boots ?? 5,
    time: o.time ?? 1000,
    user: u.name,
    auth: AUTH[u.authProtocol],
    authKey: u.authKey,
    priv: PRIV[u.privProtocol],
    privKey: o.privKey ?? u.privKey,
    pdu: pdu(GET, 42, [['1.3.6.1.2.1.1.5.0']]),
    ...(o.signWith ? { signWith: o.signWith } : {}),
  });
}

/** Node 20's OpenSSL 3 has no des-cbc without its legacy provider: DES users cannot work there. */
const HAS_DES = getCiphers().includes('des-cbc');

for (const u of USERS.filter((x) => HAS_DES || x.privProtocol !== 'des')) {
  test(`authPriv ${u.authProtocol}/${u.privProtocol}: the request is opened, the response sealed for the manager`, () => {
    const { usm } = agent();
    const r = usm.process(decode(request(u)));
    assert.equal(r.kind, 'request');
    if (r.kind !== 'request') return;
    assert.equal(r.user, u.name);
    assert.equal(r.access, u.access);
    assert.equal(r.pdu.requestId, 42);
    assert.equal(r.pdu.varbinds[0]!.oid, '1.3.6.1.2.1.1.5.0');
    const responsePdu = pdu(PDU.RESPONSE, 42, [['1.3.6.1.2.1.1.5.0', tlv(0x04, Buffer.from('piman'))]]);
    const sealed = r.seal(tlv(0x30, Buffer.concat([tlv(0x04, ENGINE), tlv(0x04, Buffer.alloc(0)), responsePdu])));
    const reply = openV3Reply(sealed, AUTH[u.authProtocol], u.authKey, PRIV[u.privProtocol], u.privKey);
    assert.ok(reply.authentic, 'signed with the user key');
    assert.equal(reply.flags, 3);
    assert.equal(reply.requestId, 42);
    assert.equal(reply.varbinds[0]!.value.toString(), 'piman');
  });
}

test('reports, in RFC 3414 order: unknown engine, unknown or empty user, security level, digest, time window', () => {
  const { usm } = agent();
  const u = USERS[2]!;
  const plain = (engineId: Buffer, user: string, flags = 4): V3Message => decode(v3Message({ msgId: 9, engineId, user, flags, pdu: pdu(GET, 3, [['1.3.6.1']]) }));
  const expectReport = (m: V3Message, counter: string, oid: string): ReturnType<typeof readReply> => {
    const r = usm.process(m);
    assert.equal(r.kind, 'report');
    if (r.kind !== 'report') throw new Error('unreachable');
    assert.equal(r.counter, counter);
    assert.ok(r.packet);
    const rep = readReply(r.packet);
    assert.equal(rep.pduType, PDU.REPORT);
    assert.deepEqual(rep.varbinds.map((v) => v.oid), [oid]);
    assert.deepEqual(rep.engineId, ENGINE);
    return rep;
  };
  const disc = expectReport(plain(Buffer.alloc(0), ''), 'unknownEngineIDs', '1.3.6.1.6.3.15.1.1.4.0');
  assert.equal(disc.requestId, 3, 'a plaintext request keeps its request-id');
  assert.equal(disc.engineBoots, 5);
  expectReport(plain(ENGINE, ''), 'unknownUserNames', '1.3.6.1.6.3.15.1.1.3.0');
  expectReport(plain(ENGINE, 'nobody'), 'unknownUserNames', '1.3.6.1.6.3.15.1.1.3.0');
  expectReport(plain(ENGINE, u.name), 'unsupportedSecLevels', '1.3.6.1.6.3.15.1.1.1.0');
  expectReport(plain(ENGINE, u.name, 5), 'unsupportedSecLevels', '1.3.6.1.6.3.15.1.1.1.0');
  assert.equal(usm.process(plain(ENGINE, u.name, 6)).kind, 'drop', 'priv without auth is invalid');
  assert.equal(usm.stats.unknownUserNames, 2);
  const wrong = usm.process(decode(request(u, { signWith: 'not-the-key' })));
  assert.equal(wrong.kind === 'report' && wrong.counter, 'wrongDigests');
  assert.equal(usm.stats.wrongDigests, 1);
  // a manager with a stale clock (e.g. boots of the previous start) gets an authenticated notInTimeWindow
  for (const stale of [{ boots: 4 }, { time: 1000 + 151 }, { time: 1000 - 151 }]) {
    const r = usm.process(decode(request(u, stale)));
    assert.ok(r.kind === 'report' && r.counter === 'notInTimeWindows' && r.packet);
    const rep = openV3Reply(r.packet, AUTH[u.authProtocol], u.authKey, PRIV[u.privProtocol], u.privKey);
    assert.ok(rep.authentic, 'the manager can trust the boots and time it carries');
    assert.equal(rep.flags, 1);
    assert.equal(rep.engineBoots, 5);
    assert.equal(rep.engineTime, 1000);
  }
  assert.equal(usm.process(decode(request(u, { time: 1000 + 150 }))).kind, 'request', 'within the 150 s window');
  const badPriv = usm.process(decode(request(u, { privKey: 'other-priv-key' })));
  assert.equal(badPriv.kind === 'report' ? badPriv.counter : badPriv.kind, 'decryptionErrors');
});

test('a DES user where OpenSSL has no des-cbc: a decryptionErrors report, no crash', { skip: HAS_DES && 'this OpenSSL has des-cbc (the round trip above covers DES)' }, () => {
  const { usm } = agent();
  const u = USERS[0]!;
  const m = v3AuthPriv({
    msgId: 1, engineId: ENGINE, boots: 5, time: 1000, user: u.name, auth: AUTH.md5, authKey: u.authKey, priv: PRIV.des, privKey: u.privKey,
    pdu: pdu(GET, 1, [['1.3.6.1']]), encrypted: Buffer.alloc(32, 7),
  });
  const r = usm.process(decode(m));
  assert.equal(r.kind === 'report' && r.counter, 'decryptionErrors');
});

test('a report never answers a request that is not reportable', () => {
  const { usm } = agent();
  const r = usm.process(decode(v3Message({ msgId: 9, engineId: Buffer.alloc(0), user: '', flags: 0, pdu: pdu(GET, 3, []) })));
  assert.ok(r.kind === 'report' && r.packet === null);
});
