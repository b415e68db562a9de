import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, type Part } from '../../src/daemon.js';
import { installFromConfig, metricsFromConfig, tftpFromConfig } from '../../src/parts.js';
import { PimanError } from '../../src/errors.js';
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
  const daemon = await Daemon.create({ config, log: silentLogger(), makeSwitch: () => new FakePoeSwitch() }, [metricsFromConfig, failing]);
  await assert.rejects(daemon.start(), /cannot bind/);
  await assert.rejects(fetch(`http://127.0.0.1:${mport}/metrics`, { signal: AbortSignal.timeout(2000) }), 'the metrics part was stopped again');
  await assert.rejects(stat(join(dir, 'state')), /ENOENT/);
});

test('every start-up problem is reported at once, before anything listens', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-preflight-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const mport = await freeTcpPort();
  const config = validateConfig(
    {
      server: { address: '127.0.0.1' },
      switches: [{ name: 'sw1', address: '127.0.0.1', ports: 2 }],
      metrics: { enabled: true, port: mport },
      tftp: { root: join(dir, 'no-boot') },
      install: { rootfs: join(dir, 'no-rootfs.tgz') },
    },
    join(dir, 'piman.yaml'),
  );
  let started = 0;
  const counting = (): Part => ({ name: 'counting', start: async () => void started++, stop: async () => undefined });
  const daemon = await Daemon.create({ config, log: silentLogger(), makeSwitch: () => new FakePoeSwitch() }, [counting, metricsFromConfig, tftpFromConfig, installFromConfig]);
  const err = await daemon.start().then(
    () => assert.fail('the daemon started'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof PimanError);
  assert.equal(err.code, 'E_STARTUP');
  assert.match(err.message, /2 problems: \(1\) .*no-boot: TFTP boot folder does not exist.* \(2\) .*no-rootfs\.tgz: cannot open rootfs archive: no such file/);
  assert.equal(started, 0, 'no part started');
  await assert.rejects(fetch(`http://127.0.0.1:${mport}/metrics`, { signal: AbortSignal.timeout(2000) }), 'nothing listens');
  await assert.rejects(stat(join(dir, 'state')), /ENOENT/);
});

test('a single start-up problem is reported as itself', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-preflight1-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const config = validateConfig(
    { server: { address: '127.0.0.1' }, switches: [{ name: 'sw1', address: '127.0.0.1', ports: 2 }], tftp: { root: join(dir, 'no-boot') } },
    join(dir, 'piman.yaml'),
  );
  const daemon = await Daemon.create({ config, log: silentLogger(), makeSwitch: () => new FakePoeSwitch() }, [tftpFromConfig]);
  await assert.rejects(daemon.start(), (e: unknown) => e instanceof PimanError && e.code === 'E_CONFIG' && /no-boot: TFTP boot folder does not exist/.test(e.message));
});
