/**
 * OIDs of every length (up to 200 sub-identifiers, arcs up to 2^31 - 1)
 * through the agent's request decoder and the BER helper, against an
 * encoder written here from X.690 8.19. The generator is shared
 * (test/helpers/fc-sizes.ts) and proven to pass 128 sub-identifiers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeMessage } from '../../src/snmp/wire.js';
import { oidTlv } from '../../src/snmp/ber.js';
import { oidArcs } from '../helpers/fc-sizes.js';

/** X.690: definite length, short form below 128, else 0x81/0x82 + big-endian. */
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 128 ? [n] : n < 256 ? [0x81, n] : [0x82, n >> 8, n & 255];
  return Buffer.concat([Buffer.from([tag, ...len]), content]);
}

/** X.690 8.19: first two arcs as 40a + b, then base-128 with the high bit on all but the last octet. */
function oidContent(arcs: readonly number[]): Buffer {
  const out = [arcs[0]! * 40 + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const septets: number[] = [];
    let v = arc;
    do {
      septets.unshift(v % 128);
      v = Math.floor(v / 128);
    } while (v > 0);
    out.push(...septets.map((s, i) => (i < septets.length - 1 ? s | 0x80 : s)));
  }
  return Buffer.from(out);
}

/** An SNMPv2c GET of one OID with a NULL value. */
function v2cGet(arcs: readonly number[]): Buffer {
  const vb = tlv(0x30, Buffer.concat([tlv(0x06, oidContent(arcs)), Buffer.from([0x05, 0x00])]));
  const int0 = Buffer.from([0x02, 0x01, 0x00]);
  const pdu = tlv(0xa0, Buffer.concat([Buffer.from([0x02, 0x01, 0x07]), int0, int0, tlv(0x30, vb)]));
  return tlv(0x30, Buffer.concat([Buffer.from([0x02, 0x01, 0x01]), tlv(0x04, Buffer.from('public')), pdu]));
}

test('property: the request decoder reads back every OID up to 128 sub-identifiers and drops longer ones (snmpd\'s bound)', () => {
  fc.assert(
    fc.property(oidArcs, (arcs) => {
      const msg = decodeMessage(v2cGet(arcs));
      if (arcs.length > 128) {
        assert.equal(msg, null, `an OID of ${arcs.length} sub-identifiers is dropped`);
        return;
      }
      assert.ok(msg && msg.version !== 3, `decoded an OID of ${arcs.length} sub-identifiers`);
      assert.deepEqual(msg.pdu.varbinds[0]!.address, arcs);
    }),
    { numRuns: 500 },
  );
});

test('property: oidTlv writes what X.690 says', () => {
  fc.assert(
    fc.property(oidArcs, (arcs) => {
      assert.ok(oidTlv(arcs).equals(tlv(0x06, oidContent(arcs))));
    }),
    { numRuns: 500 },
  );
});
