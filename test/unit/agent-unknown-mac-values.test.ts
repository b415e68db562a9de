/** pimanUnknownMacTable values: DateAndTime encoding and parsing, column mapping. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dateAndTime, parseDateAndTime, unknownMacValue } from '../../src/agent/unknown-mac-values.js';
import { UNKNOWN_MAC_COL } from '../../src/agent/oids.js';

test('DateAndTime: RFC 2579 layout in UTC', () => {
  const b = dateAndTime(Date.UTC(2026, 10, 25, 16, 5, 9, 340));
  assert.deepEqual([...b], [0x07, 0xea, 11, 25, 16, 5, 9, 3, 0x2b, 0, 0]);
  assert.equal(parseDateAndTime(b), Date.UTC(2026, 10, 25, 16, 5, 9, 300));
});

test('DateAndTime: an offset is honoured, the 8-octet form reads as UTC, other lengths are refused', () => {
  // 1992-05-26,13:30:15.0,-4:0 (the RFC 2579 example) is 17:30:15 UTC
  assert.equal(parseDateAndTime(Buffer.from([0x07, 0xc8, 5, 26, 13, 30, 15, 0, 0x2d, 4, 0])), Date.UTC(1992, 4, 26, 17, 30, 15));
  assert.equal(parseDateAndTime(Buffer.from([0x07, 0xc8, 5, 26, 13, 30, 15, 0])), Date.UTC(1992, 4, 26, 13, 30, 15));
  assert.equal(parseDateAndTime(Buffer.alloc(0)), null);
  assert.equal(parseDateAndTime(Buffer.alloc(10)), null);
});

test('property: encode then parse keeps the time to a tenth of a second; parsing any bytes never throws', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: Date.UTC(9999, 0) }), (ms) => {
      assert.equal(parseDateAndTime(dateAndTime(ms)), ms - (ms % 100));
    }),
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 16 }), (bytes) => {
      const t = parseDateAndTime(Buffer.from(bytes));
      assert.ok(t === null || Number.isFinite(t));
    }),
  );
});

test('columns: MAC bytes, TruthValue, printable vendor class, counter wraps at 2^32', () => {
  const e = { index: 7, mac: 'b8:27:eb:00:00:01', firstSeen: 0, lastSeen: 0, count: 2 ** 32 + 3, vendorClass: 'PXE\nClient\x01', raspberryPi: true };
  assert.deepEqual(unknownMacValue(UNKNOWN_MAC_COL.pimanUnknownMacIndex, e), { kind: 'unsigned', value: 7 });
  assert.deepEqual(unknownMacValue(UNKNOWN_MAC_COL.pimanUnknownMacAddress, e).value, Buffer.from('b827eb000001', 'hex'));
  assert.equal(unknownMacValue(UNKNOWN_MAC_COL.pimanUnknownMacRaspberryPi, e).value, 1);
  assert.equal(unknownMacValue(UNKNOWN_MAC_COL.pimanUnknownMacRaspberryPi, { ...e, raspberryPi: false }).value, 2);
  assert.equal(unknownMacValue(UNKNOWN_MAC_COL.pimanUnknownMacVendorClass, e).value, 'PXE Client?');
  assert.equal(unknownMacValue(UNKNOWN_MAC_COL.pimanUnknownMacVendorClass, { ...e, vendorClass: null }).value, '');
  assert.deepEqual(unknownMacValue(UNKNOWN_MAC_COL.pimanUnknownMacRequests, e), { kind: 'counter', value: 3 });
});
