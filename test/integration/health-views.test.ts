/**
 * One health, three views: the /metrics gauges, snmptable of the
 * pimanHealthGroup columns and `piman status --json` agree for a Pi that is
 * fine, one over its CPU threshold, one whose health endpoint went silent,
 * and a port without a Pi.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { startMonitorDaemon, until } from '../helpers/monitor-daemon.js';
import { MIB_ARGS, runTool } from '../helpers/snmp-tools.js';

const bin = new URL('../../bin/piman.js', import.meta.url).pathname;

function piman(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** The value of `name{labels}` in the exposition, or undefined. */
function gauge(text: string, name: string, port: number, extra = ''): number | undefined {
  const m = new RegExp(`^${name}\\{switch="sw1",port="${port}"${extra}\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

test('/metrics, snmptable pimanPortTable and piman status --json show the same health', async (t) => {
  const m = await startMonitorDaemon(t, { pis: 3 });
  m.pis[0]!.override = { cpu_percent: 12.3, memory_percent: 45.6, disk_percent: 48.9, num_pids: 87, temp: 51.2 };
  m.pis[1]!.override = { cpu_percent: 97.5, memory_percent: 20, disk_percent: 30, num_pids: 50, temp: 40 };
  let text = '';
  const scrape = async (): Promise<string> => (text = await (await fetch(m.metricsUrl, { signal: AbortSignal.timeout(5000) })).text());
  await until(async () => gauge(await scrape(), 'piman_port_health_cpu_ratio', 1) === 12.3 / 100 && gauge(text, 'piman_port_health_status', 3, ',status="ok"') === 1, 'samples of Pis 1 and 3');
  await m.pis[2]!.stop();
  await until(async () => gauge(await scrape(), 'piman_port_health_status', 3, ',status="unreachable"') === 1, 'Pi 3 unreachable');
  await until(async () => gauge(await scrape(), 'piman_port_health_status', 2, ',status="alert"') === 1, 'Pi 2 in alert');

  const table = await runTool('snmptable', ['-v2c', '-c', 'public', '-t', '2', '-r', '1', ...MIB_ARGS, '-OU', '-Cf', '|', '-Ci', '-Cb', `127.0.0.1:${m.agentPort}`, 'PIMAN-MIB::pimanPortTable']);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.split('\n').filter((l) => l.includes('|'));
  const head = lines[0]!.split('|');
  const rows = new Map(lines.slice(1).map((l) => {
    const cells = l.split('|');
    return [cells[0]!, Object.fromEntries(head.map((h, i) => [h, cells[i]!]))] as const;
  }));
  const r1 = rows.get('1.1')!;
  assert.ok(r1, `row 1.1 in:\n${table.stdout}`);
  assert.equal(r1.HealthStatus, 'ok');
  assert.equal(r1.CpuPercent, '12.3');
  assert.equal(r1.MemoryPercent, '45.6');
  assert.equal(r1.DiskPercent, '48.9');
  assert.equal(r1.Temperature, '51.2');
  assert.equal(r1.Processes, '87');
  assert.equal(rows.get('1.2')!.HealthStatus, 'alert');
  assert.equal(rows.get('1.2')!.CpuPercent, '97.5');
  assert.equal(rows.get('1.2')!.HealthMetric, 'cpu');
  assert.equal(rows.get('1.2')!.HealthValue, '97.5');
  assert.equal(rows.get('1.2')!.HealthThreshold, '50.0');
  assert.equal(rows.get('1.3')!.HealthStatus, 'unreachable');
  assert.equal(rows.get('1.4')!.HealthStatus, 'unknown');

  // Every figure of /metrics matches the table's (ratio = percent / 100).
  for (const port of [1, 2]) {
    const row = rows.get(`1.${port}`)!;
    assert.equal(gauge(text, 'piman_port_health_cpu_ratio', port), Number(row.CpuPercent) / 100);
    assert.equal(gauge(text, 'piman_port_health_memory_ratio', port), Number(row.MemoryPercent) / 100);
    assert.equal(gauge(text, 'piman_port_health_disk_ratio', port), Number(row.DiskPercent) / 100);
    assert.equal(gauge(text, 'piman_port_health_temperature_celsius', port), Number(row.Temperature));
    assert.equal(gauge(text, 'piman_port_health_processes', port), Number(row.Processes));
    assert.equal(gauge(text, 'piman_port_health_status', port, `,status="${row.HealthStatus}"`), 1);
  }

  const st = await piman(['-c', m.configFile, 'status', '--json']);
  assert.equal(st.code, 0, st.stderr);
  const status = JSON.parse(st.stdout) as { port: number; health: Record<string, unknown> | null }[];
  const byPort = new Map(status.map((s) => [s.port, s.health]));
  assert.deepEqual(byPort.get(1), { status: 'ok', cpuPercent: 12.3, memoryPercent: 45.6, diskPercent: 48.9, temperature: 51.2, processes: 87 });
  assert.deepEqual(byPort.get(2), { status: 'alert', cpuPercent: 97.5, memoryPercent: 20, diskPercent: 30, temperature: 40, processes: 50 });
  assert.equal(byPort.get(3)?.status, 'unreachable');
  assert.deepEqual(byPort.get(4), { status: 'unknown', cpuPercent: null, memoryPercent: null, diskPercent: null, temperature: null, processes: null });
  for (const port of [1, 2]) {
    const h = byPort.get(port)!;
    assert.equal(h.cpuPercent, Number(rows.get(`1.${port}`)!.CpuPercent));
    assert.equal(gauge(text, 'piman_port_health_cpu_ratio', port), (h.cpuPercent as number) / 100);
  }
});
