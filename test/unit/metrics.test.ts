import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderMetrics } from '../../src/metrics/prometheus.js';
import { renderFamilies } from '../../src/metrics/registry.js';
import { tftpGet } from '../../src/tftp/client.js';
import { metricsFromConfig as metricsPart, tftpFromConfig as tftpPart } from '../../src/parts.js';
import { Daemon } from '../../src/daemon.js';
import { validateConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { initialPortState, zeroCounters, type PortView } from '../../src/cluster/types.js';
import { freeTcpPort, freeUdpPort } from '../helpers/ports.js';
import { FakePoeSwitch } from '../helpers/fake-switch.js';

const port = (patch: Partial<PortView>): PortView => ({
  ...initialPortState(1_700_000_000_000),
  switchIndex: 1, port: 7, switchName: 'sw1', mac: 'b8:27:eb:00:00:07', ip: '10.0.0.7', hostname: 'pi"7', ...patch,
});

test('renders one-hot boot state, marks, progress, info labels (escaped) and counters', () => {
  const text = renderMetrics([port({ state: 'installing', reinstall: true, installProgress: 42 })], { ...zeroCounters(), installsDone: 3 });
  assert.match(text, /^piman_port_info\{switch="sw1",port="7",mac="b8:27:eb:00:00:07",ip="10\.0\.0\.7",hostname="pi\\"7"\} 1$/m);
  assert.match(text, /^piman_port_boot_state\{switch="sw1",port="7",state="installing"\} 1$/m);
  assert.match(text, /^piman_port_boot_state\{switch="sw1",port="7",state="up"\} 0$/m);
  assert.match(text, /^piman_port_reinstall_pending\{switch="sw1",port="7"\} 1$/m);
  assert.match(text, /^piman_port_install_progress_percent\{switch="sw1",port="7"\} 42$/m);
  assert.match(text, /^piman_port_last_change_seconds\{switch="sw1",port="7"\} 1700000000$/m);
  assert.match(text, /^# TYPE piman_installs_done_total counter\npiman_installs_done_total 3$/m);
  // Every sample line belongs to a family declared before it.
  const declared = new Set<string>();
  for (const line of text.trim().split('\n')) {
    const m = /^# TYPE (\S+)/.exec(line);
    if (m) declared.add(m[1]!);
    else if (!line.startsWith('#')) assert.ok(declared.has(line.split(/[{ ]/)[0]!), line);
  }
});

test('unbound ports carry no info line', () => {
  assert.doesNotMatch(renderMetrics([port({ mac: null })], zeroCounters()), /^piman_port_info/m);
});

test('the daemon serves /metrics over HTTP with live state, 404 elsewhere', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-metrics-'));
  const mport = await freeTcpPort();
  const config = validateConfig(
    { server: { address: '127.0.0.1' }, switches: [{ name: 'sw1', address: '127.0.0.1', ports: 2 }], state: './state', metrics: { enabled: true, port: mport } },
    join(dir, 'piman.yaml'),
  );
  const daemon = await Daemon.create({ config, log: silentLogger(), makeSwitch: () => new FakePoeSwitch() }, [metricsPart]);
  await daemon.start();
  // after-hooks run in the order they were added: stop the daemon (it saves its state) before removing the folder.
  t.after(async () => {
    await daemon.stop();
    await rm(dir, { recursive: true, force: true });
  });
  daemon.ctx.cluster.apply({ switchIndex: 1, port: 2 }, { type: 'markReinstall' });
  const res = await fetch(`http://127.0.0.1:${mport}/metrics`, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /version=0\.0\.4/);
  assert.match(await res.text(), /^piman_port_reinstall_pending\{switch="sw1",port="2"\} 1$/m);
  const other = await fetch(`http://127.0.0.1:${mport}/`, { signal: AbortSignal.timeout(5000) });
  assert.equal(other.status, 404);
  await other.text();
});

test('part metrics: labels escaped, one HELP/TYPE per family, nothing for no families', () => {
  assert.equal(renderFamilies([]), '');
  const text = renderFamilies([
    { name: 'x_total', type: 'counter', help: 'X.', samples: [{ labels: { why: 'a"b\\c\nd' }, value: 2 }, { value: 3 }] },
  ]);
  assert.equal(text, '# HELP x_total X.\n# TYPE x_total counter\nx_total{why="a\\"b\\\\c\\nd"} 2\nx_total 3\n');
});

test('the TFTP part adds its transfer counts to /metrics while it runs', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-metrics-tftp-'));
  await mkdir(join(dir, 'boot'));
  await writeFile(join(dir, 'boot', 'start4.elf'), Buffer.alloc(3000, 7));
  const [mport, tport] = [await freeTcpPort(), await freeUdpPort()];
  const config = validateConfig(
    {
      server: { address: '127.0.0.1' },
      switches: [{ name: 'sw1', address: '127.0.0.1', ports: 2 }],
      metrics: { enabled: true, port: mport },
      tftp: { address: '127.0.0.1', port: tport, root: './boot', workers: 1 },
    },
    join(dir, 'piman.yaml'),
  );
  const daemon = await Daemon.create({ config, log: silentLogger(), makeSwitch: () => new FakePoeSwitch() }, [metricsPart, tftpPart]);
  await daemon.start();
  t.after(async () => {
    await daemon.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const got = await tftpGet({ host: '127.0.0.1', port: tport, file: 'start4.elf', timeoutMs: 2000, retries: 2 });
  assert.equal(got.data.length, 3000);
  await assert.rejects(tftpGet({ host: '127.0.0.1', port: tport, file: 'missing.bin', timeoutMs: 2000, retries: 0 }));
  // The worker reports the end just after the client is done; the first request starts the thread (the transfer ran here meanwhile).
  let text = '';
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    text = await (await fetch(`http://127.0.0.1:${mport}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    if (/^piman_tftp_transfers_ended_total\{result="complete"\} 1$/m.test(text) && /^piman_tftp_transfer_threads 1$/m.test(text)) break;
  }
  assert.match(text, /^piman_tftp_transfers_ended_total\{result="complete"\} 1$/m);
  assert.match(text, /^piman_tftp_requests_rejected_total\{reason="refused"\} 1$/m);
  assert.match(text, /^piman_tftp_transfer_threads 1$/m);
  assert.match(text, /^piman_tftp_transfers_active 0$/m);
  assert.match(text, /^piman_tftp_files_total 1$/m);
});
