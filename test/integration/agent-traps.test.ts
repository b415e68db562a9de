/**
 * Notifications: snmptrapd (Debian) receives and decodes pimanPortStateChange
 * by name; a burst of changes on one port is paced to one per 500 ms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import snmp, { type ReceivedNotification } from 'net-snmp';
import { startAgentFixture } from '../helpers/agent-fixture.js';
import { freeUdpPort } from '../helpers/ports.js';
import { startTrapd, waitForOutput } from '../helpers/trapd.js';
import { NOTIFICATION } from '../../src/agent/oids.js';

/** Tag of the PDU in an SNMPv2c message: after the outer SEQUENCE header, the version and the community. */
function pduTag(b: Buffer): number {
  let p = 1;
  p += b[p]! < 0x80 ? 1 : 1 + (b[p]! & 0x7f); // outer length
  p += 2 + b[p + 1]!; // version INTEGER
  p += 2 + b[p + 1]!; // community OCTET STRING (short length)
  return b[p]!;
}

test('snmptrapd receives pimanPortStateChange with the port state by name', async (t) => {
  const { port, output: out } = await startTrapd(t);

  const f = await startAgentFixture({ traps: [{ address: '127.0.0.1', port, community: 'public' }] });
  t.after(() => f.stop());
  f.cluster.apply({ switchIndex: 1, port: 7 }, { type: 'powerOn' });
  await waitForOutput(out, /pimanPortStateChange/, 20_000, 'the notification');
  assert.match(out(), /PIMAN-MIB::pimanPortBootState\.1\.7 = INTEGER: poweringOn\(3\)/);
  assert.match(out(), /PIMAN-MIB::pimanPortHostname\.1\.7 = STRING: "?pi7"?/);
  assert.match(out(), /SNMPv2-MIB::snmpTrapOID\.0 = OID: PIMAN-MIB::pimanPortStateChange/);
  // The monitor reports threshold crossings through the cluster; they leave as pimanHealthAlert.
  f.cluster.alert({ switchIndex: 1, port: 7 }, 'pi7: cpu 95.0 % > 50 %');
  await waitForOutput(out, /OID: PIMAN-MIB::pimanHealthAlert/, 20_000, 'the health alert');
  assert.match(out(), /pimanHealthMessage\.0 = STRING: "?pi7: cpu 95\.0 % > 50 %"?/);
});

test('a burst of state changes on one port is paced: one notification per 500 ms, the latest state last', async (t) => {
  const port = await freeUdpPort();
  const got: { at: number; n: ReceivedNotification }[] = [];
  const receiver = snmp.createReceiver({ port, address: '127.0.0.1', disableAuthorization: true }, (err, n) => {
    if (!err && n) got.push({ at: Date.now(), n });
  });
  t.after(() => new Promise<void>((r) => receiver.close(() => r())));
  const f = await startAgentFixture({ traps: [{ address: '127.0.0.1', port, community: 'public' }] });
  t.after(() => f.stop());
  const key = { switchIndex: 1, port: 5 };
  // off, poweringOn, off, poweringOn, off: five changes within a few ms
  for (let i = 0; i < 5; i++) f.cluster.apply(key, { type: i % 2 === 0 ? 'powerOff' : 'powerOn' });
  const deadline = Date.now() + 20_000;
  while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  // a little longer: any extra notification would show up now
  await new Promise((r) => setTimeout(r, 700));
  const stateChanges = got.filter((g) => g.n.pdu.varbinds.some((v) => v.value === NOTIFICATION.pimanPortStateChange));
  assert.equal(stateChanges.length, 2, 'first change at once, the rest coalesced into one');
  assert.ok(stateChanges[1]!.at - stateChanges[0]!.at >= 450, `gap ${stateChanges[1]!.at - stateChanges[0]!.at} ms`);
  const last = stateChanges[1]!.n.pdu.varbinds.find((v) => v.oid.startsWith('1.3.6.1.4.1.8072.9999.9999.314.1.3.1.5.'));
  assert.equal(last?.value, 2, 'the latest state (off) is what arrives');
});

test('informs: snmptrapd acknowledges each one, so it arrives once; a silent receiver gets it 1 + retries times', async (t) => {
  const { port: trapdPort, output: out } = await startTrapd(t);

  // A receiver that never answers: every copy of the inform is kept.
  const silent = createSocket('udp4');
  silent.bind(0, '127.0.0.1');
  await once(silent, 'listening');
  t.after(() => silent.close());
  const copies: Buffer[] = [];
  silent.on('message', (m) => copies.push(m));

  const inform = { community: 'public', inform: true, timeoutSeconds: 0.3, retries: 2 };
  const f = await startAgentFixture({
    traps: [
      { address: '127.0.0.1', port: trapdPort, ...inform },
      { address: '127.0.0.1', port: silent.address().port, ...inform },
    ],
  });
  t.after(() => f.stop());
  f.cluster.apply({ switchIndex: 1, port: 3 }, { type: 'powerOn' });
  await waitForOutput(out, /pimanPortStateChange/, 20_000, 'the inform at snmptrapd');
  assert.match(out(), /PIMAN-MIB::pimanPortBootState\.1\.3 = INTEGER: poweringOn\(3\)/);
  // Past 3 x 0.3 s: the silent receiver has had every retry, snmptrapd none.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(out().match(/OID: PIMAN-MIB::pimanPortStateChange/g)?.length, 1, 'acknowledged, so sent once');
  assert.equal(copies.length, 3, 'the first inform and 2 retries');
  assert.equal(pduTag(copies[0]!), 0xa6, 'an InformRequest PDU');
  assert.ok(copies.every((c) => c.equals(copies[0]!)), 'the same request each time');
});
