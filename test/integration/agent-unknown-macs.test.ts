/**
 * pimanUnknownMacTable end to end: DHCP DISCOVERs from MACs no port knows go
 * into a running DHCP server, land in the cluster's registry, and the agent
 * serves them to the net-snmp npm client and to Debian's snmpwalk /
 * snmpbulkwalk (MIB flags from `piman mibs-path --flags`). Walks end
 * correctly across the table's end, when it is empty, and after rows leave.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import snmp, { type Session, type Varbind } from 'net-snmp';
import { startAgentFixture, type AgentFixture } from '../helpers/agent-fixture.js';
import { runTool } from '../helpers/snmp-tools.js';
import type { DhcpTestClient } from '../helpers/dhcp-client.js';
import { header, pi4Discover, PXE_VENDOR_CLASS } from '../vectors/dhcp-pi.js';
import type { DhcpServer } from '../../src/dhcp/server.js';
import { startLoopbackDhcp, type LoopbackDhcp } from '../helpers/loopback-dhcp.js';
import { PIMAN_UNKNOWN_MAC_ENTRY, UNKNOWN_MAC_COL } from '../../src/agent/oids.js';
import { parseDateAndTime } from '../../src/agent/unknown-mac-values.js';
import type { UnknownMac } from '../../src/cluster/unknown-macs.js';

const bin = new URL('../../bin/piman.js', import.meta.url).pathname;
const PI = [0xdc, 0xa6, 0x32, 0x0a, 0x0b, 0x0c];
const OTHER = [0x02, 0x42, 0xac, 0x11, 0x00, 0x02];
const mac = (b: number[]): string => b.map((x) => x.toString(16).padStart(2, '0')).join(':');
const E = PIMAN_UNKNOWN_MAC_ENTRY;

let f: AgentFixture;
let dir: string;
let lab: LoopbackDhcp;
let dhcp: DhcpServer;
let client: DhcpTestClient;
let pub: Session;
let mibFlags: string[];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'piman-agent-unknown-'));
  f = await startAgentFixture();
  lab = await startLoopbackDhcp(f.cluster, dir);
  ({ dhcp, client } = lab);
  pub = snmp.createSession('127.0.0.1', 'public', { port: f.agent.port, version: snmp.Version2c, timeout: 3000, retries: 1 });
  pub.on('error', () => undefined);
  // what a user types: snmpwalk $(piman mibs-path --flags) ...
  const flags = await new Promise<string>((res, rej) => execFile(process.execPath, [bin, 'mibs-path', '--flags'], { timeout: 60_000 }, (e, out) => (e ? rej(e) : res(out))));
  mibFlags = flags.trim().split(/\s+/);
});

after(async () => {
  pub?.close();
  await lab?.stop();
  await f?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Resolves when the registry lists `m` for the first time (rejects after `ms`). */
function sighted(m: string, ms = 20_000): Promise<UnknownMac> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error(`timed out waiting for ${m} in the unknown-MAC registry`))), ms);
    const off = f.cluster.unknownMacs.on((c) => {
      if (c.type !== 'added' || c.entry.mac !== m) return;
      clearTimeout(timer);
      off();
      resolve(c.entry);
    });
  });
}

function walk(oid: string, repetitions: number): Promise<Varbind[]> {
  const out: Varbind[] = [];
  return new Promise((res, rej) => pub.subtree(oid, repetitions, (vbs) => void out.push(...vbs), (e) => (e ? rej(e) : res(out))));
}
const getNext = (oids: string[]): Promise<Varbind[]> => new Promise((res, rej) => pub.getNext(oids, (e, v) => (e ? rej(e) : res(v ?? []))));
const snmpTool = (cmd: string, ...args: string[]) => runTool(cmd, ['-v2c', '-c', 'public', '-t', '2', '-r', '1', ...mibFlags, f.target, ...args]);

test('empty table: walks end cleanly and GETNEXT skips to the next object', async () => {
  assert.deepEqual(await walk(E, 1), []);
  assert.deepEqual(await walk(E, 10), []);
  const [next] = await getNext([E]);
  assert.ok(!next!.oid.startsWith(`${E}.`), `next after the empty table is outside it: ${next!.oid}`);
  const r = await snmpTool('snmpwalk', 'PIMAN-MIB::pimanUnknownMacTable');
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /pimanUnknownMac\w+\.\d/);
});

test('DISCOVERs from unknown MACs show up in the table, over the npm client and snmpwalk by name', async () => {
  const t0 = Date.now();
  const pi = sighted(mac(PI));
  const other = sighted(mac(OTHER));
  await client.send(pi4Discover(PI), dhcp.port);
  await pi;
  await client.send(pi4Discover(PI, 2), dhcp.port);
  // no vendor class; handled after the Pi's second DISCOVER (loopback keeps the order)
  await client.send(Buffer.from([...header(3, OTHER), 53, 1, 1, 255]), dhcp.port);
  await other;
  assert.deepEqual(client.repliesFor(mac(PI)), [], 'piman does not answer an unknown MAC');

  const vbs = await walk(E, 20);
  const cell = (col: number, row: number): Varbind | undefined => vbs.find((v) => v.oid === `${E}.${col}.${row}`);
  assert.equal(vbs.length, 2 * 6, 'two rows, six readable columns');
  assert.deepEqual(cell(UNKNOWN_MAC_COL.pimanUnknownMacAddress, 1)?.value, Buffer.from(PI));
  assert.equal(cell(UNKNOWN_MAC_COL.pimanUnknownMacRaspberryPi, 1)?.value, 1);
  assert.equal(String(cell(UNKNOWN_MAC_COL.pimanUnknownMacVendorClass, 1)?.value), PXE_VENDOR_CLASS);
  assert.equal(cell(UNKNOWN_MAC_COL.pimanUnknownMacRequests, 1)?.value, 2);
  assert.equal(cell(UNKNOWN_MAC_COL.pimanUnknownMacRequests, 1)?.type, snmp.ObjectType.Counter);
  const first = parseDateAndTime(cell(UNKNOWN_MAC_COL.pimanUnknownMacFirstSeen, 1)?.value as Buffer)!;
  const last = parseDateAndTime(cell(UNKNOWN_MAC_COL.pimanUnknownMacLastSeen, 1)?.value as Buffer)!;
  assert.ok(first >= t0 - 1000 && first <= last && last <= Date.now() + 1000, `${first} ${last}`);
  assert.deepEqual(cell(UNKNOWN_MAC_COL.pimanUnknownMacAddress, 2)?.value, Buffer.from(OTHER));
  assert.equal(cell(UNKNOWN_MAC_COL.pimanUnknownMacRaspberryPi, 2)?.value, 2);
  assert.equal(String(cell(UNKNOWN_MAC_COL.pimanUnknownMacVendorClass, 2)?.value), '');

  // the end of the table: last cell -> the object after the table; a walk with GETNEXT-sized steps agrees
  const [after] = await getNext([`${E}.${UNKNOWN_MAC_COL.pimanUnknownMacRequests}.2`]);
  assert.ok(!after!.oid.startsWith(`${E}.`), after!.oid);
  assert.equal((await walk(E, 1)).length, 12);

  const r = await snmpTool('snmpwalk', 'PIMAN-MIB::pimanUnknownMacTable');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /PIMAN-MIB::pimanUnknownMacAddress\.1 = STRING: dc:a6:32:a:b:c/);
  assert.match(r.stdout, /PIMAN-MIB::pimanUnknownMacRaspberryPi\.1 = INTEGER: true\(1\)/);
  assert.match(r.stdout, /PIMAN-MIB::pimanUnknownMacVendorClass\.1 = STRING: PXEClient:Arch:00000:UNDI:002001/);
  assert.match(r.stdout, /PIMAN-MIB::pimanUnknownMacFirstSeen\.1 = STRING: \d{4}-\d{1,2}-\d{1,2},\d{1,2}:\d{1,2}:\d{1,2}\.\d,\+0:0/);
  assert.match(r.stdout, /PIMAN-MIB::pimanUnknownMacRequests\.1 = Counter32: 2/);
  assert.match(r.stdout, /PIMAN-MIB::pimanUnknownMacRaspberryPi\.2 = INTEGER: false\(2\)/);
  assert.equal(r.stdout.match(/pimanUnknownMacLastSeen\./g)?.length, 2);
  const bulk = await snmpTool('snmpbulkwalk', '-Cr25', 'PIMAN-MIB::pimanUnknownMacTable');
  assert.equal(bulk.code, 0, bulk.stderr);
  assert.equal(bulk.stdout.trim().split('\n').length, 12);

  const set = await runTool('snmpset', ['-v2c', '-c', 'private', '-t', '2', '-r', '1', ...mibFlags, f.target, 'PIMAN-MIB::pimanUnknownMacVendorClass.1', 's', 'x']);
  assert.notEqual(set.code, 0);
  assert.match(set.stderr + set.stdout, /notWritable|not writable/i);
});

test('a MAC the mapper learns leaves the table; the walk still ends correctly', async () => {
  await f.cluster.learnMac({ switchIndex: 1, port: 20 }, mac(PI));
  const vbs = await walk(E, 20);
  assert.deepEqual(
    vbs.map((v) => v.oid.slice(E.length + 1)),
    ['2.2', '3.2', '4.2', '5.2', '6.2', '7.2'],
  );
  f.cluster.unknownMacs.forget(mac(OTHER));
  assert.deepEqual(await walk(E, 20), []);
  const r = await snmpTool('snmpbulkwalk', '-Cr25', 'PIMAN-MIB::pimanUnknownMacTable');
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /pimanUnknownMac\w+\.\d/);
});

test('a flood of new MACs: the table holds the 1,024 most recently seen, walks stay consistent', async () => {
  const u = f.cluster.unknownMacs;
  const hex = (n: number): string => n.toString(16).padStart(4, '0');
  for (let i = 0; i < 1100; i++) u.record(`06:00:00:00:${hex(i).slice(0, 2)}:${hex(i).slice(2)}`, Date.now(), null);
  assert.equal(u.size, 1024);
  const vbs = await walk(`${E}.${UNKNOWN_MAC_COL.pimanUnknownMacAddress}`, 50);
  const macs = vbs.map((v) => [...(v.value as Buffer)].map((b) => b.toString(16).padStart(2, '0')).join(':'));
  assert.equal(macs.length, 1024);
  assert.deepEqual(macs, u.list().map((e) => e.mac).reverse(), 'walk order = order of first sighting');
  const rows = vbs.map((v) => Number(v.oid.slice(E.length + 1).split('.')[1]));
  for (const r of rows) assert.ok(u.byIndex(r), `row ${r} is listed`);
  const b = await snmpTool('snmpbulkwalk', '-Cr50', 'PIMAN-MIB::pimanUnknownMacRequests');
  assert.equal(b.code, 0, b.stderr);
  assert.equal(b.stdout.trim().split('\n').length, 1024);
});
