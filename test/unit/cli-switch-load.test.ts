import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { VarbindValue } from 'net-snmp';
import { decodeSwitchRow, formatSwitchLoad } from '../../src/cli/switch-load.js';
import { FALSE, SWITCH_COL, TRUE } from '../../src/agent/oids.js';

const C = SWITCH_COL;
const cells = (entries: [number, VarbindValue][]): Map<number, VarbindValue> => new Map(entries);

test('status decodes pimanSwitchTable rows and prints them as a table', () => {
  const rows = [
    decodeSwitchRow(
      1,
      cells([
        [C.pimanSwitchName, Buffer.from('sw1')],
        [C.pimanSwitchReachable, TRUE],
        [C.pimanSwitchRequestsInFlight, 4],
        [C.pimanSwitchRequestsQueued, 120],
        [C.pimanSwitchRequests, 300],
        [C.pimanSwitchRetries, 7],
        [C.pimanSwitchTimeouts, 9],
      ]),
    ),
    decodeSwitchRow(2, cells([[C.pimanSwitchName, Buffer.from('sw"2')], [C.pimanSwitchReachable, FALSE], [C.pimanSwitchTimeouts, 3]])),
  ];
  assert.deepEqual(rows, [
    { switch: 'sw1', inFlight: 4, queued: 120, requests: 300, retried: 7, timedOut: 9, reachable: true },
    { switch: 'sw"2', inFlight: 0, queued: 0, requests: 0, retried: 0, timedOut: 3, reachable: false },
  ]);
  assert.equal(
    formatSwitchLoad(rows),
    'SWITCH  IN FLIGHT  QUEUED  REQUESTS  RETRIED  TIMED OUT  REACHABLE\n' +
      'sw1     4          120     300       7        9          yes\n' +
      'sw"2    0          0       0         0        3          no\n',
  );
});

test('a hostile or missing cell reads zero, a nameless switch its index', () => {
  const r = decodeSwitchRow(3, cells([[C.pimanSwitchRequestsQueued, Buffer.from('x')], [C.pimanSwitchRetries, -5]]));
  assert.deepEqual(r, { switch: '#3', inFlight: 0, queued: 0, requests: 0, retried: 0, timedOut: 0, reachable: true });
});
