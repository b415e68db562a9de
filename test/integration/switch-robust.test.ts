/**
 * Hostile packets: the simulated switch survives crafted requests (guarded
 * dgram), and the switch client survives garbage answers (it listens for the
 * Session 'error' event and ends in a timeout, not a crash).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import fc from 'fast-check';
import { SimSwitch } from '../../src/lab/sim-switch.js';
import { SnmpPoeSwitch } from '../../src/switch/snmp-switch.js';
import { PimanError } from '../../src/errors.js';
import { loopbackSwitchOptions } from '../helpers/switch-options.js';

function tlv(tag: number, body: Buffer): Buffer {
  const len = body.length < 128 ? Buffer.from([body.length]) : Buffer.from([0x82, body.length >> 8, body.length & 255]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}
/** An SNMPv2c GET whose OID body is `oid` verbatim. */
function getWithOidBytes(oid: Buffer): Buffer {
  const int = (n: number): Buffer => tlv(0x02, Buffer.from([n]));
  const vb = tlv(0x30, Buffer.concat([tlv(0x06, oid), Buffer.from([0x05, 0x00])]));
  const pdu = tlv(0xa0, Buffer.concat([int(1), int(0), int(0), tlv(0x30, vb)]));
  return tlv(0x30, Buffer.concat([int(1), tlv(0x04, Buffer.from('public')), pdu]));
}

const options = (port: number) => loopbackSwitchOptions(port, { timeoutMs: 1500, retries: 0 });

test('the simulated switch keeps answering after crafted and random packets', async (t) => {
  const sim = await SimSwitch.start({ ports: 4, port: 0 });
  t.after(() => sim.stop());
  const sock = createSocket('udp4');
  t.after(() => sock.close());
  const send = (b: Buffer): Promise<void> => new Promise((r) => sock.send(b, sim.port, '127.0.0.1', () => r()));
  await send(getWithOidBytes(Buffer.from([0x2b, 0x06, 0x01, 0xff, 0xff, 0xff, 0xff, 0x78])));
  await send(getWithOidBytes(Buffer.from([0x2b, 0x78, 0x80])));
  const samples = fc.sample(
    fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 40, size: 'max' }).map((b) => getWithOidBytes(Buffer.from(b))),
      fc.uint8Array({ maxLength: 200, size: 'max' }).map((b) => Buffer.from(b)),
    ),
    { numRuns: 300, seed: 42 },
  );
  // Paced: a burst of 300 datagrams overflows the socket's receive buffer, which proves nothing.
  for (const [i, b] of samples.entries()) {
    await send(b);
    if (i % 20 === 19) await new Promise((r) => setTimeout(r, 5));
  }
  const sw = new SnmpPoeSwitch({ ...options(sim.port), timeoutMs: 6000, retries: 2 });
  t.after(() => sw.close());
  assert.equal(await sw.getPower(2), 'on');
});

test('the client turns garbage answers into a timeout error, without crashing', async (t) => {
  const liar = createSocket('udp4');
  t.after(() => liar.close());
  await new Promise<void>((r) => liar.bind(0, '127.0.0.1', () => r()));
  let answered = 0;
  liar.on('message', (_msg, rinfo) => {
    answered++;
    liar.send(Buffer.from([0x30, 0x03, 0x02, 0x01, 0xff, 0x00, 0x99]), rinfo.port, rinfo.address);
  });
  const sw = new SnmpPoeSwitch(options(liar.address().port));
  t.after(() => sw.close());
  await assert.rejects(sw.setPower(1, 'off'), (e: unknown) => e instanceof PimanError && e.code === 'E_SWITCH_TIMEOUT' && /did not answer within 1\.5 s/.test(e.message));
  assert.ok(answered >= 1);
});
