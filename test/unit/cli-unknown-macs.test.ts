/** Decoding and rendering of pimanUnknownMacTable rows for `piman status --unknown`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { VarbindValue } from 'net-snmp';
import { decodeUnknownMacRow, formatUnknownMacTable, NO_UNKNOWN_MACS, unknownMacsJson } from '../../src/cli/unknown-macs.js';
import { dateAndTime } from '../../src/agent/unknown-mac-values.js';
import { UNKNOWN_MAC_COL as C } from '../../src/agent/oids.js';

test('a row decodes from its cells; missing or malformed cells give placeholders, not a crash', () => {
  const t = Date.UTC(2026, 10, 25, 16, 5, 9, 300);
  const row = decodeUnknownMacRow(
    4,
    new Map<number, VarbindValue>([
      [C.pimanUnknownMacAddress, Buffer.from('b827eb0000aa', 'hex')],
      [C.pimanUnknownMacRaspberryPi, 1],
      [C.pimanUnknownMacVendorClass, Buffer.from('PXEClient')],
      [C.pimanUnknownMacFirstSeen, dateAndTime(t)],
      [C.pimanUnknownMacLastSeen, dateAndTime(t + 1000)],
      [C.pimanUnknownMacRequests, 3],
    ]),
  );
  assert.deepEqual(row, { index: 4, mac: 'b8:27:eb:00:00:aa', raspberryPi: true, vendorClass: 'PXEClient', firstSeen: t, lastSeen: t + 1000, count: 3 });
  const empty = decodeUnknownMacRow(5, new Map<number, VarbindValue>([[C.pimanUnknownMacFirstSeen, Buffer.alloc(3)]]));
  assert.deepEqual(empty, { index: 5, mac: '?', raspberryPi: false, vendorClass: '', firstSeen: null, lastSeen: null, count: 0 });
  assert.match(formatUnknownMacTable([empty]), /^\?\s+no\s+-\s+-\s+-\s+0$/m);
});

test('empty list: a clear line, or [] as JSON', () => {
  assert.equal(formatUnknownMacTable([]), NO_UNKNOWN_MACS);
  assert.equal(unknownMacsJson([]), '[]\n');
});
