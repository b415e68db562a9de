/**
 * /metrics through prom-client: process and runtime metrics, HEAD, content
 * negotiation (OpenMetrics when asked), build info and start time, switch
 * reachability, SNMP requests by type and result, per-port health gauges;
 * `promtool check metrics` (Debian prometheus) finds no problem in it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startMonitorDaemon, until } from '../helpers/monitor-daemon.js';
import { runTool, v2c } from '../helpers/snmp-tools.js';
import { skipOrFail } from '../helpers/require-env.js';
import { VERSION } from '../../src/version.js';

const get = async (url: string, init: RequestInit = {}): Promise<Response> => fetch(url, { ...init, signal: AbortSignal.timeout(5000) });

/** Runs promtool check metrics with `text` on stdin: its exit code and what it said. */
function promtool(text: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out });
    });
    p.stdin.end(text);
  });
}

test('/metrics: runtime metrics, HEAD, OpenMetrics on request, build info, switch reachability, SNMP requests, health gauges', async (t) => {
  const m = await startMonitorDaemon(t, { pis: 2 });
  const snmp = await runTool('snmpget', [...v2c('public', `127.0.0.1:${m.agentPort}`), 'PIMAN-MIB::pimanVersion.0']);
  assert.equal(snmp.code, 0, snmp.stderr);
  let text = '';
  await until(async () => {
    text = await (await get(m.metricsUrl)).text();
    return /^piman_port_health_cpu_ratio\{switch="sw1",port="2"\} 0\.1$/m.test(text);
  }, 'a health sample of Pi 2 in /metrics');
  assert.match(text, /^process_cpu_seconds_total [\d.e+-]+$/m);
  assert.match(text, /^process_resident_memory_bytes \d+$/m);
  assert.match(text, /^nodejs_heap_size_used_bytes \d+$/m);
  assert.match(text, /^nodejs_eventloop_lag_seconds [\d.e+-]+$/m);
  assert.match(text, new RegExp(`^piman_build_info\\{version="${VERSION.replace(/\./g, '\\.')}",nodejs="${process.version.replace(/\./g, '\\.')}"\\} 1$`, 'm'));
  const start = Number(/^piman_start_time_seconds ([\d.]+)$/m.exec(text)?.[1]);
  assert.ok(start > Date.now() / 1000 - 120 && start <= Date.now() / 1000, `start time ${start}`);
  assert.match(text, /^piman_switch_reachable\{switch="sw1"\} 1$/m);
  assert.match(text, /^piman_snmp_requests_total\{type="get",result="noError"\} [1-9]\d*$/m);
  assert.match(text, /^piman_port_health_status\{switch="sw1",port="1",status="ok"\} 1$/m);
  assert.match(text, /^piman_port_health_temperature_celsius\{switch="sw1",port="1"\} 40$/m);
  assert.match(text, /^piman_port_health_processes\{switch="sw1",port="1"\} 50$/m);

  const head = await get(m.metricsUrl, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.match(head.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  assert.equal(await head.text(), '');

  const om = await get(m.metricsUrl, { headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' } });
  assert.match(om.headers.get('content-type') ?? '', /^application\/openmetrics-text; version=1\.0\.0/);
  const omText = await om.text();
  assert.ok(omText.endsWith('# EOF\n'), 'OpenMetrics ends with # EOF');
  assert.match(omText, /^# TYPE piman_snmp_requests counter$/m);
  assert.match(omText, /^piman_snmp_requests_total\{type="get",result="noError"\} \d+$/m);
  // The OpenMetrics rendering renames nothing for the next text scrape.
  assert.match(await (await get(m.metricsUrl)).text(), /^# TYPE process_cpu_seconds_total counter$/m);
});

test('promtool check metrics finds no problem in the exposition', async (t) => {
  if ((await runTool('promtool', ['--version'])).code !== 0) return skipOrFail(t, 'promtool (Debian package prometheus) is not installed');
  const m = await startMonitorDaemon(t, { pis: 3 });
  m.pis[2]!.override = { ...m.pis[2]!.override, cpu_percent: 97 };
  let text = '';
  await until(async () => {
    text = await (await get(m.metricsUrl)).text();
    return /^piman_port_health_status\{switch="sw1",port="3",status="alert"\} 1$/m.test(text);
  }, 'Pi 3 in alert in /metrics');
  const r = await promtool(text);
  assert.equal(r.code, 0, `promtool check metrics:\n${r.out}`);
  assert.equal(r.out.trim(), '');
});
