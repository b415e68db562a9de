/**
 * piman's agent driven by the Debian net-snmp tools, loading PIMAN-MIB by
 * name: walks, bulk walks, SETs with every error the README lists, v3 authPriv,
 * persistence of the reinstall mark across a restart.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgentFixture, V3_USER, type AgentFixture } from '../helpers/agent-fixture.js';
import { MIB_ARGS, runTool, v2c } from '../helpers/snmp-tools.js';
import type { ClusterEvent } from '../../src/cluster/cluster.js';

let f: AgentFixture;
before(async () => {
  f = await startAgentFixture();
});
after(async () => {
  await f?.stop();
});

/** Resolves on the first cluster effect matching `pred` (rejects after `ms`). */
function nextEvent(fx: AgentFixture, pred: (e: ClusterEvent) => boolean, ms = 20_000): Promise<ClusterEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('timed out waiting for a cluster event'));
    }, ms);
    const off = fx.cluster.on((e) => {
      if (!pred(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

const poweredOn = (port: number) => (e: ClusterEvent) =>
  e.port.switchIndex === 1 && e.port.port === port && e.effect.type === 'stateChanged' && e.effect.to === 'poweringOn';

test('snmpwalk -m +PIMAN-MIB walks pimanPortTable by name', async () => {
  const r = await runTool('snmpwalk', [...v2c('public', f.target), 'PIMAN-MIB::pimanPortTable']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /PIMAN-MIB::pimanPortHostname\.1\.7 = STRING: pi7/);
  assert.match(r.stdout, /PIMAN-MIB::pimanPortIpAddress\.2\.3 = IpAddress: 10\.0\.1\.3/);
  assert.match(r.stdout, /PIMAN-MIB::pimanPortBootState\.1\.1 = INTEGER: unknown\(1\)/);
  // every port of both switches (24 + 8), each column once
  assert.equal(r.stdout.match(/pimanPortBootState\./g)?.length, 32);
  assert.equal(r.stdout.match(/pimanPortLastError\./g)?.length, 32);
});

test('snmpbulkwalk of the whole MIB and snmpget of the system group', async () => {
  const walk = await runTool('snmpbulkwalk', [...v2c('public', f.target), '-Cr25', 'PIMAN-MIB::pimanMIB']);
  assert.equal(walk.code, 0, walk.stderr);
  assert.match(walk.stdout, /PIMAN-MIB::pimanVersion\.0 = STRING: \d+\.\d+\.\d+/);
  assert.match(walk.stdout, /PIMAN-MIB::pimanSwitchName\.2 = STRING: sw2/);
  assert.match(walk.stdout, /PIMAN-MIB::pimanSwitchRequestsQueued\.2 = Gauge32: 0/);
  assert.match(walk.stdout, /PIMAN-MIB::pimanSwitchTimeouts\.1 = Counter32: 0/);
  assert.equal(walk.stdout.match(/pimanPortRestart\./g)?.length, 32);
  const sys = await runTool('snmpget', [...v2c('public', f.target), 'SNMPv2-MIB::sysDescr.0', 'SNMPv2-MIB::sysObjectID.0', 'SNMPv2-MIB::sysName.0', 'SNMPv2-MIB::sysUpTime.0']);
  assert.equal(sys.code, 0, sys.stderr);
  assert.match(sys.stdout, /sysDescr\.0 = STRING: piman /);
  assert.match(sys.stdout, /sysObjectID\.0 = OID: PIMAN-MIB::pimanMIB/);
  assert.match(sys.stdout, /sysName\.0 = STRING: piman-test/);
  assert.match(sys.stdout, /sysUpTime\.0 = Timeticks: \(\d+\)/);
});

test('snmpset pimanPortReinstall.1.7 = 1 marks, cycles port 7 (off then on) and reads true(1)', async () => {
  const on = nextEvent(f, poweredOn(7));
  const r = await runTool('snmpset', [...v2c('private', f.target), 'PIMAN-MIB::pimanPortReinstall.1.7', 'i', '1']);
  assert.equal(r.code, 0, r.stderr);
  // the mark is in the model as soon as the SET was answered
  assert.equal(f.cluster.port({ switchIndex: 1, port: 7 })?.reinstall, true);
  await on;
  assert.deepEqual(
    f.sw1.calls.filter((c) => c.port === 7).map((c) => c.power),
    ['off', 'on'],
  );
  const get = await runTool('snmpget', [...v2c('public', f.target), 'PIMAN-MIB::pimanPortReinstall.1.7', 'PIMAN-MIB::pimanPortBootState.1.7', 'PIMAN-MIB::pimanPortPower.1.7']);
  assert.equal(get.code, 0, get.stderr);
  assert.match(get.stdout, /pimanPortReinstall\.1\.7 = INTEGER: true\(1\)/);
  assert.match(get.stdout, /pimanPortBootState\.1\.7 = INTEGER: poweringOn\(3\)/);
  assert.match(get.stdout, /pimanPortPower\.1\.7 = INTEGER: on\(1\)/);
});

test('the same SET with the read community fails with noAccess and changes nothing', async () => {
  const calls = f.sw1.calls.length;
  const r = await runTool('snmpset', [...v2c('public', f.target), 'PIMAN-MIB::pimanPortReinstall.1.8', 'i', '1']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /noAccess/);
  assert.equal(f.cluster.port({ switchIndex: 1, port: 8 })?.reinstall, false);
  assert.equal(f.sw1.calls.length, calls);
});

test('value 3 gets wrongValue, .1.999 noCreation, a read-only column notWritable; nothing changes', async () => {
  const calls = f.sw1.calls.length;
  const bad = await runTool('snmpset', [...v2c('private', f.target), 'PIMAN-MIB::pimanPortReinstall.1.8', 'i', '3']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /wrongValue/);
  const missing = await runTool('snmpset', [...v2c('private', f.target), 'PIMAN-MIB::pimanPortReinstall.1.999', 'i', '1']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /noCreation/);
  const ro = await runTool('snmpset', [...v2c('private', f.target), 'PIMAN-MIB::pimanPortHostname.1.8', 's', 'x']);
  assert.notEqual(ro.code, 0);
  assert.match(ro.stderr, /notWritable/);
  const power = await runTool('snmpset', [...v2c('private', f.target), 'PIMAN-MIB::pimanPortPower.1.8', 'i', '3']);
  assert.match(power.stderr, /wrongValue/);
  assert.equal(f.cluster.port({ switchIndex: 1, port: 8 })?.reinstall, false);
  assert.equal(f.cluster.port({ switchIndex: 1, port: 8 })?.hostname, 'pi8');
  assert.equal(f.sw1.calls.length, calls);
});

test('a v3 authPriv user (SHA-256/AES) can walk; a wrong passphrase is refused', async () => {
  const v3 = (authKey: string): string[] => [
    '-v3', '-l', 'authPriv', '-u', V3_USER.name, '-a', 'SHA-256', '-A', authKey, '-x', 'AES', '-X', V3_USER.privKey, '-t', '1', '-r', '0', ...MIB_ARGS, f.target,
  ];
  const ok = await runTool('snmpwalk', [...v3(V3_USER.authKey), 'PIMAN-MIB::pimanSwitchTable']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /pimanSwitchName\.1 = STRING: sw1/);
  const t0 = Date.now();
  const wrong = await runTool('snmpwalk', [...v3('not-the-passphrase'), 'PIMAN-MIB::pimanSwitchTable']);
  assert.notEqual(wrong.code, 0);
  assert.doesNotMatch(wrong.stdout, /pimanSwitchName/);
  // A Report (usmStatsWrongDigests), as snmpd sends: the tool says why at once instead of timing out.
  assert.match(wrong.stderr, /Authentication failure/);
  assert.ok(Date.now() - t0 < 900, `answered in ${Date.now() - t0} ms, before the 1 s timeout`);
  // The same for a wrong privacy passphrase only.
  const wrongPriv = await runTool('snmpget', [...v3(V3_USER.authKey).map((a) => (a === V3_USER.privKey ? 'not-the-priv-key' : a)), 'SNMPv2-MIB::sysName.0']);
  assert.notEqual(wrongPriv.code, 0);
  assert.doesNotMatch(wrongPriv.stdout, /piman-test/);
});

test('a v3 request for a context other than the default one gets the snmpUnknownContexts report, no data (RFC 3413 3.2)', async () => {
  const v3 = ['-v3', '-l', 'authPriv', '-u', V3_USER.name, '-a', 'SHA-256', '-A', V3_USER.authKey, '-x', 'AES', '-X', V3_USER.privKey, '-t', '1', '-r', '0', ...MIB_ARGS];
  const t0 = Date.now();
  const other = await runTool('snmpget', [...v3, '-n', 'rack2', f.target, 'SNMPv2-MIB::sysName.0']);
  assert.notEqual(other.code, 0);
  assert.doesNotMatch(other.stdout, /piman-test|sysName/);
  // net-snmp's words for the snmpUnknownContexts report; a Report, not the 1 s timeout.
  assert.match(other.stderr, /Bad context specified/);
  assert.ok(Date.now() - t0 < 900, `answered in ${Date.now() - t0} ms, before the 1 s timeout`);
  // The default (empty) context still answers.
  const own = await runTool('snmpget', [...v3, f.target, 'SNMPv2-MIB::sysName.0']);
  assert.equal(own.code, 0, own.stderr);
  assert.match(own.stdout, /sysName\.0 = STRING/);
});

test('the v3 refusal counters are readable: usmStats (RFC 3414) and snmpUnknownContexts (RFC 3413), as from snmpd', async () => {
  const read = async (): Promise<Map<string, number>> => {
    const r = await runTool('snmpget', ['-On', '-Oqv', ...v2c('public', f.target), '1.3.6.1.6.3.15.1.1.3.0', '1.3.6.1.6.3.15.1.1.5.0', '1.3.6.1.6.3.12.1.5.0']);
    assert.equal(r.code, 0, r.stderr);
    const [unknownUsers, wrongDigests, unknownContexts] = r.stdout.trim().split('\n').map(Number);
    return new Map([['unknownUsers', unknownUsers!], ['wrongDigests', wrongDigests!], ['unknownContexts', unknownContexts!]]);
  };
  const before = await read();
  const v3 = (user: string, authKey: string, context: string[] = []): string[] => [
    '-v3', '-l', 'authPriv', '-u', user, '-a', 'SHA-256', '-A', authKey, '-x', 'AES', '-X', V3_USER.privKey, '-t', '1', '-r', '0', ...context, ...MIB_ARGS, f.target, 'SNMPv2-MIB::sysName.0',
  ];
  await runTool('snmpget', v3('nobody-here', V3_USER.authKey));
  await runTool('snmpget', v3(V3_USER.name, 'not-the-passphrase'));
  await runTool('snmpget', v3(V3_USER.name, V3_USER.authKey, ['-n', 'rack2']));
  const after = await read();
  for (const k of ['unknownUsers', 'wrongDigests', 'unknownContexts']) assert.equal(after.get(k)! - before.get(k)!, 1, k);
});

test('the reinstall mark set with snmpset still reads true(1) after the daemon is restarted', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-agent-state-'));
  const first = await startAgentFixture({ stateDir: dir });
  let second: AgentFixture | null = null;
  t.after(async () => {
    await first.stop().catch(() => undefined);
    await second?.stop();
    // Last: the fixtures save their state when they stop.
    await rm(dir, { recursive: true, force: true });
  });
  const on = nextEvent(first, poweredOn(7));
  const set = await runTool('snmpset', [...v2c('private', first.target), 'PIMAN-MIB::pimanPortReinstall.1.7', 'i', '1']);
  assert.equal(set.code, 0, set.stderr);
  await on;
  await first.stop();
  second = await startAgentFixture({ stateDir: dir });
  const get = await runTool('snmpget', [...v2c('public', second.target), 'PIMAN-MIB::pimanPortReinstall.1.7', 'PIMAN-MIB::pimanPortReinstall.1.8']);
  assert.equal(get.code, 0, get.stderr);
  assert.match(get.stdout, /pimanPortReinstall\.1\.7 = INTEGER: true\(1\)/);
  assert.match(get.stdout, /pimanPortReinstall\.1\.8 = INTEGER: false\(2\)/);
});
