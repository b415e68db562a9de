import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { fetchSwitchLoad, formatSwitchLoad, parseSwitchLoad } from '../../src/cli/switch-load.js';
import { switchFamilies } from '../../src/switch/switch-metrics.js';
import { renderFamilies } from '../../src/metrics/registry.js';
import type { SwitchStats } from '../../src/switch/types.js';
import { FakePoeSwitch } from '../helpers/fake-switch.js';

function withStats(name: string, s: SwitchStats): FakePoeSwitch {
  const sw = new FakePoeSwitch(name);
  return Object.assign(sw, { stats: () => s });
}

const text = renderFamilies(
  switchFamilies(
    new Map([
      [1, withStats('sw1', { inFlight: 4, queued: 120, requests: 300, retried: 7, timedOut: 9, answering: true })],
      [2, withStats('sw"2', { inFlight: 0, queued: 0, requests: 3, retried: 0, timedOut: 3, answering: false })],
    ]),
  ),
);

test('status reads the switch rows from /metrics text, and prints them as a table', () => {
  const rows = parseSwitchLoad('piman_port_info{switch="sw1",port="1"} 1\n' + text + 'piman_switch_requests_queued{switch="x"} 1e9\ngarbage\n');
  assert.deepEqual(rows, [
    { switch: 'sw1', inFlight: 4, queued: 120, retried: 7, timedOut: 9, answering: true },
    { switch: 'sw"2', inFlight: 0, queued: 0, retried: 0, timedOut: 3, answering: false },
  ]);
  assert.equal(
    formatSwitchLoad(rows),
    'SWITCH  IN FLIGHT  QUEUED  RETRIED  TIMED OUT  ANSWERING\n' + 'sw1     4          120     7        9          yes\n' + 'sw"2    0          0       0        3          no\n',
  );
  assert.deepEqual(parseSwitchLoad(''), []);
});

test('fetchSwitchLoad: from a live /metrics; null when metrics are off or nothing answers', async (t) => {
  const server = createServer((_req, res) => res.end(text));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as { port: number }).port;
  const rows = await fetchSwitchLoad({ metrics: { enabled: true, address: '127.0.0.1', port } });
  assert.equal(rows?.length, 2);
  assert.equal(await fetchSwitchLoad({ metrics: { enabled: false, address: '127.0.0.1', port } }), null);
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  assert.equal(await fetchSwitchLoad({ metrics: { enabled: true, address: '127.0.0.1', port } }), null);
});
