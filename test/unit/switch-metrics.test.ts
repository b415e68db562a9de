import { test } from 'node:test';
import assert from 'node:assert/strict';
import { switchFamilies } from '../../src/switch/switch-metrics.js';
import { renderFamilies } from '../../src/metrics/registry.js';
import type { SwitchStats } from '../../src/switch/types.js';
import { FakePoeSwitch } from '../helpers/fake-switch.js';

class CountingSwitch extends FakePoeSwitch {
  constructor(
    name: string,
    private readonly s: SwitchStats,
  ) {
    super(name);
  }
  stats(): SwitchStats {
    return this.s;
  }
}

test('per-switch queue counters as Prometheus families; switches without stats are left out', () => {
  const a = new CountingSwitch('sw1', { inFlight: 3, queued: 17, requests: 120, retried: 5, timedOut: 6, answering: true });
  const b = new CountingSwitch('rack"2', { inFlight: 0, queued: 0, requests: 9, retried: 0, timedOut: 2, answering: false });
  const text = renderFamilies(switchFamilies(new Map([[1, a], [2, b], [3, new FakePoeSwitch('fake')]])));
  for (const line of [
    'piman_switch_requests_in_flight{switch="sw1"} 3',
    'piman_switch_requests_queued{switch="sw1"} 17',
    'piman_switch_requests_total{switch="sw1"} 120',
    'piman_switch_retries_total{switch="sw1"} 5',
    'piman_switch_timeouts_total{switch="sw1"} 6',
    'piman_switch_answering{switch="sw1"} 1',
    'piman_switch_answering{switch="rack\\"2"} 0',
    '# TYPE piman_switch_retries_total counter',
    '# TYPE piman_switch_requests_queued gauge',
  ]) {
    assert.ok(text.split('\n').includes(line), `missing ${line} in\n${text}`);
  }
  assert.doesNotMatch(text, /fake/);
  assert.deepEqual(switchFamilies(new Map([[1, new FakePoeSwitch()]])), []);
});
