import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metricsPart } from '../../src/metrics/part.js';
import { Daemon } from '../../src/daemon.js';
import { validateConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { freeTcpPort } from '../helpers/ports.js';
import { FakePoeSwitch } from '../helpers/fake-switch.js';

test('a daemon whose start fails stops what it started and writes no state file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-failstart-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const mport = await freeTcpPort();
  const config = validateConfig(
    { server: { address: '127.0.0.1' }, switches: [{ name: 'sw1', address: '127.0.0.1', ports: 2 }], metrics: { enabled: true, port: mport } },
    join(dir, 'piman.yaml'),
  );
  const failing = () => ({ name: 'broken', start: async () => { throw new Error('cannot bind'); }, stop: async () => undefined });
  const daemon = await Daemon.create({ config, log: silentLogger(), makeSwitch: () => new FakePoeSwitch() }, [metricsPart, failing]);
  await assert.rejects(daemon.start(), /cannot bind/);
  await assert.rejects(fetch(`http://127.0.0.1:${mport}/metrics`, { signal: AbortSignal.timeout(2000) }), 'the metrics part was stopped again');
  await assert.rejects(stat(join(dir, 'state')), /ENOENT/);
});
