/**
 * State is keyed by switch name, not by the switch's position in piman.yaml:
 * inserting a switch above another and restarting keeps every reinstall mark
 * on the switch it was set on (keyed by position, the mark of sw1:5 moved to
 * the new switch's port 5 and a different Pi would have been wiped).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon } from '../../src/daemon.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';
import { FakePoeSwitch } from '../helpers/fake-switch.js';

interface Sw {
  name: string;
  ports: number;
}

async function writeYaml(dir: string, switches: Sw[]): Promise<void> {
  const lines = ['server: { address: 127.0.0.1 }', 'hosts: ./hosts.csv', 'state: ./state', 'switches:'];
  for (const s of switches) lines.push(`  - { name: ${s.name}, address: 127.0.0.1, ports: ${s.ports} }`);
  await writeFile(join(dir, 'piman.yaml'), lines.join('\n') + '\n');
}

/** Starts a daemon with no parts on the folder's piman.yaml; returns it and its log records. */
async function start(dir: string): Promise<{ daemon: Daemon; logs: Record<string, unknown>[] }> {
  const logs: Record<string, unknown>[] = [];
  const log = createLogger({ level: 'info', pretty: false, destination: { write: (l: string) => void logs.push(JSON.parse(l) as Record<string, unknown>) } });
  const { config } = await loadConfig(join(dir, 'piman.yaml'));
  const daemon = await Daemon.create({ config, log, makeSwitch: (s) => new FakePoeSwitch(s.name) }, []);
  await daemon.start();
  return { daemon, logs };
}

function marks(d: Daemon): string[] {
  return d.ctx.cluster
    .ports()
    .filter((p) => p.reinstall)
    .map((p) => `${p.switchName}:${p.port}`);
}

/**
 * A test folder, removed after the test once the daemons given to `stopBefore` have stopped:
 * a daemon stopped after the removal saves its state into a new folder of the same name.
 */
async function folder(t: { after: (fn: () => Promise<void>) => void }): Promise<{ dir: string; stopBefore: (d: Daemon) => void }> {
  const dir = await mkdtemp(join(tmpdir(), 'piman-swkeys-'));
  const daemons: Daemon[] = [];
  t.after(async () => {
    try {
      for (const d of daemons) await d.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  await writeFile(join(dir, 'hosts.csv'), 'switch,port,mac,ip,hostname\n');
  return { dir, stopBefore: (d) => void daemons.push(d) };
}

test('a switch inserted above another: after a restart every mark stays on the switch it was set on', async (t) => {
  const { dir, stopBefore } = await folder(t);
  await writeYaml(dir, [{ name: 'sw1', ports: 8 }]);
  const a = await start(dir);
  const sw1 = a.daemon.ctx.cluster.switches.find((s) => s.name === 'sw1')!;
  await a.daemon.ctx.cluster.apply({ switchIndex: sw1.index, port: 5 }, { type: 'markReinstall' }).persisted;
  await a.daemon.ctx.cluster.learnMac({ switchIndex: sw1.index, port: 3 }, 'b8:27:eb:00:00:03');
  assert.deepEqual(marks(a.daemon), ['sw1:5']);
  await a.daemon.stop();

  await writeYaml(dir, [
    { name: 'sw0', ports: 8 },
    { name: 'sw1', ports: 8 },
  ]);
  const b = await start(dir);
  stopBefore(b.daemon);
  assert.deepEqual(marks(b.daemon), ['sw1:5'], 'the mark stays on sw1, the new switch sw0 has none');
  const learned = b.daemon.ctx.cluster.ports().filter((p) => p.mac !== null).map((p) => `${p.switchName}:${p.port}=${p.mac}`);
  assert.deepEqual(learned, ['sw1:3=b8:27:eb:00:00:03'], 'the learned MAC stays on sw1 too');
});

test('an old state file (keyed by position) is migrated on first start with that start\'s config', async (t) => {
  const { dir, stopBefore } = await folder(t);
  await writeYaml(dir, [
    { name: 'left', ports: 4 },
    { name: 'right', ports: 4 },
  ]);
  await mkdir(join(dir, 'state'));
  const st = (reinstall: boolean) => ({
    state: 'up', reinstall, installProgress: 0, archiveSent: false, lastChange: 1, lastProgress: 1, lastError: '', power: 'on', lastFile: '',
  });
  const old = {
    version: 1,
    ports: { '1.2': st(false), '2.4': st(true) },
    counters: { dhcpOffers: 1, dhcpAcks: 2, tftpFiles: 3, installsDone: 4, installsFailed: 5 },
    learned: [{ switchIndex: 2, port: 1, mac: 'b8:27:eb:00:00:01' }],
  };
  await writeFile(join(dir, 'state', 'cluster.json'), JSON.stringify(old));
  const { daemon, logs } = await start(dir);
  stopBefore(daemon);
  assert.deepEqual(marks(daemon), ['right:4']);
  assert.equal(daemon.ctx.cluster.port({ switchIndex: 2, port: 1 })!.mac, 'b8:27:eb:00:00:01');
  assert.equal(daemon.ctx.cluster.getCounters().installsDone, 4);
  const onDisk = JSON.parse(await readFile(join(dir, 'state', 'cluster.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(onDisk.version, 2, 'rewritten in the new form at start');
  assert.equal((onDisk.ports as Record<string, { reinstall: boolean }>)['right:4']?.reinstall, true);
  assert.deepEqual(onDisk.learned, [{ switch: 'right', port: 1, mac: 'b8:27:eb:00:00:01' }]);
  assert.ok(logs.some((l) => l.level === 30 && /migrated/.test(String(l.msg))), 'the migration is logged');
});

test('state of a switch no longer configured is kept and warned about, never applied to another switch', async (t) => {
  const { dir, stopBefore } = await folder(t);
  await writeYaml(dir, [{ name: 'sw1', ports: 8 }]);
  const a = await start(dir);
  await a.daemon.ctx.cluster.apply({ switchIndex: 1, port: 5 }, { type: 'markReinstall' }).persisted;
  await a.daemon.stop();

  await writeYaml(dir, [{ name: 'sw2', ports: 8 }]);
  const b = await start(dir);
  assert.deepEqual(marks(b.daemon), [], 'sw2 gets nothing of sw1');
  const warn = b.logs.find((l) => l.level === 40 && /no longer configured/.test(String(l.msg)));
  assert.ok(warn, 'a warning names the unconfigured switch');
  assert.deepEqual(warn.switches, ['sw1']);
  await b.daemon.ctx.cluster.apply({ switchIndex: 1, port: 2 }, { type: 'markReinstall' }).persisted;
  await b.daemon.stop();

  const onDisk = JSON.parse(await readFile(join(dir, 'state', 'cluster.json'), 'utf8')) as { ports: Record<string, { reinstall: boolean }> };
  assert.equal(onDisk.ports['sw1:5']?.reinstall, true, 'kept for when sw1 comes back');
  assert.equal(onDisk.ports['sw2:2']?.reinstall, true);

  await writeYaml(dir, [
    { name: 'sw2', ports: 8 },
    { name: 'sw1', ports: 8 },
  ]);
  const c = await start(dir);
  stopBefore(c.daemon);
  assert.deepEqual(marks(c.daemon).sort(), ['sw1:5', 'sw2:2']);
});
