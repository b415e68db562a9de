/**
 * The SNMP switch client, PowerController and mapper against the simulated
 * PoE switch (an SNMP agent on loopback).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimSwitch, type SimSwitchOptions } from '../../src/lab/sim-switch.js';
import { SnmpPoeSwitch, type SnmpSwitchOptions } from '../../src/switch/snmp-switch.js';
import { PowerController } from '../../src/switch/power.js';
import { runMapper } from '../../src/cli/mapper-run.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { MemoryStateStore } from '../../src/store/state-store.js';
import { PimanError } from '../../src/errors.js';
import type { SwitchInfo } from '../../src/cluster/types.js';
import { freeUdpPort } from '../helpers/ports.js';
import { loopbackSwitchOptions } from '../helpers/switch-options.js';

type T = TestContext;

async function sim(t: T, o: Partial<SimSwitchOptions> = {}): Promise<SimSwitch> {
  const s = await SimSwitch.start({ ports: 24, port: 0, ...o });
  t.after(() => s.stop());
  return s;
}

function client(t: T, port: number, over: Partial<SnmpSwitchOptions> = {}): SnmpPoeSwitch {
  const c = new SnmpPoeSwitch(loopbackSwitchOptions(port, over));
  t.after(() => c.close());
  return c;
}

async function rejectsWith(p: Promise<unknown>, code: string, re: RegExp): Promise<PimanError> {
  let caught: PimanError | null = null;
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof PimanError, `expected PimanError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, re);
    caught = e;
    return true;
  });
  return caught!;
}

const INFO: SwitchInfo = { index: 1, name: 'sw1', address: '127.0.0.1', ports: 24 };

test('power, detection and the forwarding table through SNMP', async (t) => {
  const s = await sim(t, { macDelayMs: 300 });
  const sw = client(t, s.port);
  assert.equal(await sw.getPower(7), 'on');
  assert.equal(await sw.detection(7), 'deliveringPower');
  const table = await sw.macTable();
  assert.deepEqual(table.get(7), ['b8:27:eb:00:00:07']);
  assert.deepEqual(table.get(25), ['02:00:5e:00:00:01', '02:00:5e:00:00:02'], 'uplink port, mapped from bridge port 125');
  assert.equal(table.get(107), undefined, 'bridge ports are mapped to ifIndex');

  await sw.setPower(7, 'off');
  assert.equal(await sw.getPower(7), 'off');
  assert.equal(await sw.detection(7), 'disabled');
  assert.equal((await sw.macTable()).get(7), undefined, 'the MAC vanishes at power-off');

  const appeared = once(s.model, 'fdb');
  await sw.setPower(7, 'on');
  assert.equal((await sw.macTable()).get(7), undefined, 'not yet: the Pi needs a moment');
  await appeared;
  assert.deepEqual((await sw.macTable()).get(7), ['b8:27:eb:00:00:07']);
  assert.deepEqual(
    s.model.sets.map((x) => [x.oid, x.value]),
    [
      ['1.3.6.1.2.1.105.1.1.1.3.1.7', 2],
      ['1.3.6.1.2.1.105.1.1.1.3.1.7', 1],
    ],
  );
});

test('the simulator follows setMac and tells virtual Pis about power', async (t) => {
  const s = await sim(t, { macDelayMs: 50 });
  const sw = client(t, s.port);
  const seen: Array<[number, string]> = [];
  s.model.on('power', (port: number, power: string) => seen.push([port, power]));
  s.model.setMac(3, 'dc:a6:32:01:36:c2');
  assert.deepEqual((await sw.macTable()).get(3), undefined);
  await once(s.model, 'fdb');
  assert.deepEqual((await sw.macTable()).get(3), ['dc:a6:32:01:36:c2']);
  await sw.setPower(3, 'off');
  await sw.setPower(3, 'on');
  assert.deepEqual(seen, [
    [3, 'off'],
    [3, 'on'],
  ]);
});

test('errors: no such port, read-only community, bad power group', async (t) => {
  const s = await sim(t, { ports: 8 });
  await rejectsWith(client(t, s.port).setPower(9, 'off'), 'E_SWITCH_NO_PORT', /port 9 is not a PoE port in power group 1/);
  await rejectsWith(client(t, s.port).getPower(9), 'E_SWITCH_NO_PORT', /port 9/);
  await rejectsWith(client(t, s.port, { powerGroup: 3 }).detection(1), 'E_SWITCH_NO_PORT', /power group 3/);
  await rejectsWith(client(t, s.port, { community: 'public' }).setPower(1, 'off'), 'E_SWITCH_REFUSED', /refused to set switch port 1 off \(noAccess\)/);
  assert.equal(s.model.sets.length, 0, 'nothing changed');
  assert.equal(s.model.getPower(1), 'on');
});

test('a stopped switch: "did not answer within 5 s" after about 5 s, and the port shows it', async (t) => {
  const port = await freeUdpPort(); // nothing listens here
  const sw = client(t, port, { timeoutMs: 5000, retries: 1 });
  const cluster = await Cluster.open({ switches: [INFO], hosts: [], store: new MemoryStateStore(), timeoutMs: 180_000 });
  const power = new PowerController({ cluster, switches: new Map([[1, sw]]), offMs: 100, staggerMs: 0 });
  const start = Date.now();
  const e = await rejectsWith(power.cycle([{ switchIndex: 1, port: 7 }]), 'E_SWITCH_TIMEOUT', /^switch sw1 \(127\.0\.0\.1:\d+\) did not answer within 5 s/);
  const took = Date.now() - start;
  assert.ok(took >= 4500 && took < 9000, `took ${took} ms`);
  assert.equal(e.exitCode, 1);
  assert.match(cluster.port({ switchIndex: 1, port: 7 })!.lastError, /did not answer within 5 s/);
});

test('restart of port 7 through PowerController: the switch logs off then on with the configured gap', async (t) => {
  const s = await sim(t);
  const sw = client(t, s.port);
  const cluster = await Cluster.open({ switches: [INFO], hosts: [], store: new MemoryStateStore(), timeoutMs: 180_000 });
  const power = new PowerController({ cluster, switches: new Map([[1, sw]]), offMs: 1500, staggerMs: 300 });
  await power.cycle([{ switchIndex: 1, port: 7 }]);
  const oid = '1.3.6.1.2.1.105.1.1.1.3.1.7';
  assert.deepEqual(
    s.model.sets.map((x) => [x.oid, x.value]),
    [
      [oid, 2],
      [oid, 1],
    ],
  );
  const gap = s.model.sets[1]!.at - s.model.sets[0]!.at;
  assert.ok(gap >= 1450 && gap < 6000, `gap ${gap} ms`);
  assert.equal(cluster.port({ switchIndex: 1, port: 7 })!.state, 'poweringOn');

  // Several ports: the power-ons are staggered.
  s.model.sets.length = 0;
  await power.cycle([1, 2, 3].map((port) => ({ switchIndex: 1, port })));
  const ons = s.model.sets.filter((x) => x.value === 1).map((x) => x.at);
  assert.equal(ons.length, 3);
  for (let i = 1; i < ons.length; i++) assert.ok(ons[i]! - ons[i - 1]! >= 280, `stagger ${ons[i]! - ons[i - 1]!} ms`);
});

test('mapper over ports 1-24 (MACs 3 s after power-on): 24 MACs in under 15 s, hosts.csv merged, a second run changes nothing', async (t) => {
  const s = await sim(t, { macDelayMs: 3000 });
  const dir = await mkdtemp(join(tmpdir(), 'piman-mapper-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'hosts.csv');
  // An existing row (port 30 is outside the mapped range) must survive; port 2's stale MAC is replaced.
  const switches: SwitchInfo[] = [{ ...INFO, ports: 48 }];
  await writeFile(file, 'switch,port,mac,ip,hostname\nsw1,2,b8:27:eb:99:99:99,10.0.0.2,pi2\nsw1,30,b8:27:eb:00:00:30,10.0.0.30,keepme\n');
  const run = async (): Promise<{ lines: string[]; ms: number }> => {
    const lines: string[] = [];
    const start = Date.now();
    const sw = client(t, s.port);
    await runMapper({
      sw,
      info: switches[0]!,
      switches,
      ports: Array.from({ length: 24 }, (_, i) => i + 1),
      offMs: 2000,
      staggerMs: 200,
      waitMs: 30_000,
      file,
      out: (l) => lines.push(l),
    });
    sw.close();
    return { lines, ms: Date.now() - start };
  };
  const first = await run();
  assert.ok(first.ms < 15_000, `took ${first.ms} ms`);
  const macLines = first.lines.filter((l) => /^\s*\d+\s+b8:27:eb:00:00:[0-9a-f]{2}\s+Raspberry Pi$/.test(l));
  assert.equal(macLines.length, 24, first.lines.join('\n'));
  assert.ok(first.lines.includes(`${file}: 23 added, 1 updated, 0 moved`), first.lines.join('\n'));
  const text = await readFile(file, 'utf8');
  const rows = text.trim().split('\n');
  assert.equal(rows.length, 1 + 25);
  assert.ok(rows.includes('sw1,2,b8:27:eb:00:00:02,10.0.0.2,pi2'), 'IP and hostname kept');
  assert.ok(rows.includes('sw1,30,b8:27:eb:00:00:30,10.0.0.30,keepme'), 'unrelated row kept');
  assert.equal(new Set(rows.map((r) => r.split(',')[2])).size, rows.length, 'no duplicate MAC');

  const before = await stat(file);
  const second = await run();
  assert.ok(second.lines.includes(`${file}: unchanged`), second.lines.join('\n'));
  assert.equal(await readFile(file, 'utf8'), text);
  assert.equal((await stat(file)).mtimeMs, before.mtimeMs, 'not rewritten');
});

test('mapper: a port without a Pi is reported, the others are still written', async (t) => {
  const s = await sim(t, { ports: 4, macDelayMs: 100, macFor: (p) => (p === 3 ? null : `b8:27:eb:00:00:0${p}`) });
  const dir = await mkdtemp(join(tmpdir(), 'piman-mapper-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'hosts.csv');
  const lines: string[] = [];
  await rejectsWith(
    runMapper({
      sw: client(t, s.port),
      info: { ...INFO, ports: 4 },
      switches: [{ ...INFO, ports: 4 }],
      ports: [1, 2, 3, 4],
      offMs: 100,
      staggerMs: 0,
      waitMs: 2000,
      pollMs: 200,
      file,
      ipPrefix: '10.0.0',
      out: (l) => lines.push(l),
    }),
    'E_SWITCH',
    /no MAC seen on port 3 of sw1 within 2 s/,
  );
  assert.equal(lines.filter((l) => /Raspberry Pi$/.test(l)).length, 3);
  assert.match(await readFile(file, 'utf8'), /^switch,port,mac,ip,hostname\nsw1,1,b8:27:eb:00:00:01,10\.0\.0\.1,\n/);
});

test('mapper rewrite of hosts.csv: mode and owner kept, written through a symlink, stale temp files removed', async (t) => {
  const s = await sim(t, { ports: 2, macDelayMs: 100 });
  const dir = await mkdtemp(join(tmpdir(), 'piman-mapper-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'etc'));
  const real = join(dir, 'etc', 'hosts.csv');
  await writeFile(real, 'switch,port,mac,ip,hostname\nsw1,1,b8:27:eb:00:00:99,10.0.0.1,pi1\n');
  await chmod(real, 0o640);
  const root = process.getuid?.() === 0;
  if (root) await chown(real, 1234, 4321);
  const link = join(dir, 'hosts.csv');
  await symlink('etc/hosts.csv', link);
  // A crash mid-write left this temp file (its writer, pid 2^22+1, cannot exist).
  const stale = join(dir, 'etc', `.hosts.csv.${2 ** 22 + 1}.1700000000000.tmp`);
  await writeFile(stale, 'half');
  await runMapper({
    sw: client(t, s.port),
    info: { ...INFO, ports: 2 },
    switches: [{ ...INFO, ports: 2 }],
    ports: [1, 2],
    offMs: 100,
    staggerMs: 0,
    waitMs: 5000,
    pollMs: 200,
    file: link,
    ipPrefix: '10.0.0',
    out: () => undefined,
  });
  assert.ok((await lstat(link)).isSymbolicLink(), 'hosts.csv is still the symlink');
  assert.match(await readFile(real, 'utf8'), /sw1,1,b8:27:eb:00:00:01,10\.0\.0\.1,pi1/);
  const st = await stat(real);
  assert.equal(st.mode & 0o7777, 0o640, 'mode kept');
  if (root) assert.deepEqual([st.uid, st.gid], [1234, 4321], 'owner kept');
  assert.deepEqual((await readdir(join(dir, 'etc'))).sort(), ['hosts.csv'], 'stale temp file removed, no new one left');
});

test('PowerController.detection reads pethPsePortDetectionStatus through the client', async (t) => {
  const s = await sim(t, { ports: 4, macFor: (p) => (p === 2 ? null : `b8:27:eb:00:00:0${p}`) });
  const cluster = await Cluster.open({ switches: [{ ...INFO, ports: 4 }], hosts: [], store: new MemoryStateStore(), timeoutMs: 180_000 });
  const power = new PowerController({ cluster, switches: new Map([[1, client(t, s.port)]]), offMs: 0, staggerMs: 0 });
  assert.equal(await power.detection({ switchIndex: 1, port: 1 }), 'deliveringPower');
  assert.equal(await power.detection({ switchIndex: 1, port: 2 }), 'searching');
  await power.setPower({ switchIndex: 1, port: 1 }, 'off');
  assert.equal(await power.detection({ switchIndex: 1, port: 1 }), 'disabled');
  assert.equal(await power.getPower({ switchIndex: 1, port: 1 }), 'off');
});
