import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nagiosReport, type MonitoringRow } from '../../src/cli/nagios.js';

const t = { cpuPercent: 50, memoryPercent: 70, diskPercent: 50, pids: 100, temp: 80 };
const row = (i: number, patch: Partial<MonitoringRow> = {}): MonitoringRow => ({
  switch: 'sw1', port: i, hostname: `pi${i}`, ip: `10.0.0.${i}`, cpu: 10 + i, memory: 30, disk: 40, pids: 80, temp: 45.25, unreachable: false, problems: [], ...patch,
});

test('all healthy: OK, exit 0, totals and maxima as perfdata with the thresholds', () => {
  const r = nagiosReport([row(1), row(2)], t);
  assert.equal(r.exitCode, 0);
  assert.equal(r.line, 'PIMAN OK - 2 Pis healthy | pis=2;;;0 unreachable=0;;1;0;2 alerting=0;1;;0;2 cpu_max=12%;50;;0;100 memory_max=30%;70;;0;100 disk_max=40%;50;;0;100 pids_max=80;100;;0 temp_max=45.3;80;;');
});

test('a Pi over a threshold: WARNING, exit 1, naming it; unreachable wins: CRITICAL, exit 2', () => {
  const hot = row(2, { cpu: 97, problems: ['cpu 97.0 % > 50 %'] });
  const w = nagiosReport([row(1), hot], t);
  assert.equal(w.exitCode, 1);
  assert.match(w.line, /^PIMAN WARNING - 1 of 2 Pis over a threshold: pi2 \(cpu 97\.0 % > 50 %\) \| .*cpu_max=97%;50;;0;100/);
  const down = row(3, { cpu: null, memory: null, disk: null, pids: null, temp: null, unreachable: true, problems: ['unreachable: ECONNREFUSED'] });
  const c = nagiosReport([row(1), hot, down], t);
  assert.equal(c.exitCode, 2);
  assert.match(c.line, /^PIMAN CRITICAL - 1 of 3 Pis unreachable: pi3; 1 of 3 Pis over a threshold: pi2 /);
  assert.equal(c.line.split('|').length, 2, 'one | before the perfdata, none in the text');
  assert.equal(c.line.includes('\n'), false);
});

test('nothing to check is UNKNOWN (3); a big rack stays one short line', () => {
  assert.deepEqual(nagiosReport([], t), { line: 'PIMAN UNKNOWN - no Pi with an address in hosts.csv', exitCode: 3 });
  const many = Array.from({ length: 300 }, (_, i) => row(i + 1, { unreachable: true, cpu: null, problems: ['unreachable: timeout | x'] }));
  const r = nagiosReport(many, t);
  assert.equal(r.exitCode, 2);
  assert.match(r.line, /pi1, pi2, pi3, pi4, pi5, and 295 more \| /);
  assert.ok(r.line.length < 600, `${r.line.length} characters`);
});
