import { test } from 'node:test';
import assert from 'node:assert/strict';
import { portValue } from '../../src/agent/values.js';
import { PORT_COL } from '../../src/agent/oids.js';
import { renderMetrics } from '../../src/metrics/prometheus.js';
import { formatPortTable, portRowsJson } from '../../src/cli/port-table.js';
import { initialPortState, zeroCounters, type PortView } from '../../src/cluster/types.js';
import type { PortRow } from '../../src/cli/agent-client.js';

const view: PortView = { ...initialPortState(0), switchIndex: 2, port: 5, switchName: 'sw2', mac: null, ip: null, hostname: 'pi5', state: 'netbooting', bootAttempts: 2 };

test('pimanPortBootAttempts (column 12) reads the port\'s retries as a Gauge32', () => {
  assert.equal(PORT_COL.pimanPortBootAttempts, 12);
  assert.deepEqual(portValue(PORT_COL.pimanPortBootAttempts, view, 0), { kind: 'gauge', value: 2 });
});

test('/metrics has the retries per port and in all', () => {
  const text = renderMetrics([view], { ...zeroCounters(), bootRetries: 7 });
  assert.match(text, /^piman_port_boot_attempts\{switch="sw2",port="5"\} 2$/m);
  assert.match(text, /^piman_boot_retries_total 7$/m);
});

test('piman status shows the retries of a port (table and JSON)', () => {
  const row: PortRow = { switchIndex: 2, port: 5, mac: null, ip: null, hostname: 'pi5', state: 'netbooting', reinstall: false, power: 'on', progress: 0, lastChange: 0, lastError: 'retry 2 of 3: netbooting for 91 s', attempts: 2, image: '', installedImage: '', installedDigest: '', health: null };
  const sw = [{ index: 2, name: 'sw2', address: '10.0.0.3', ports: 24 }];
  const table = formatPortTable([row], sw);
  assert.match(table.split('\n')[0]!, /RETRIES/);
  assert.match(table.split('\n')[1]!, /netbooting\s+-\s+-\s+2\s+-\s+-\s+retry 2 of 3/);
  assert.equal(JSON.parse(portRowsJson([row], sw))[0].bootAttempts, 2);
});
