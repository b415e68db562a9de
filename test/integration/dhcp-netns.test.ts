/**
 * Real clients against piman's DHCP server across a veth pair, in network
 * namespaces this test creates: busybox udhcpc with the Pi boot ROM's vendor
 * class gets its hosts.csv address and the PXE options through a real
 * broadcast; an unknown MAC gets nothing; the server namespace's uplink (the
 * default route) sees none of the replies. PIMAN_KEEP_NETNS=1 keeps the
 * namespaces and files for debugging.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PI_OPTION_43 } from '../vectors/dhcp-pi.js';
import { skipOrFail } from '../helpers/require-env.js';
import { addNetns, delNetns, must, netnsUnavailable, run, startJsonChild, vethPair, type ChildHandle } from '../helpers/netns.js';

const pid = process.pid;
const NS_S = `piman-dhcps-${pid}`;
const NS_C = `piman-dhcpc-${pid}`;
const NS_U = `piman-dhcpu-${pid}`;
const DEV_S = `pds${pid}`;
const DEV_C = `pdc${pid}`;
const DEV_U = `pdu${pid}`;
const DEV_UP = `pdp${pid}`;
const PI_MAC = 'b8:27:eb:aa:bb:01';
const UNKNOWN_MAC = '02:00:00:aa:bb:02';
const VENDOR = 'PXEClient:Arch:00000:UNDI:002001';

let skip: string | null = null;
let dir = '';
let server: ChildHandle | null = null;

/** Asks the server child for its status (only lines after the request count). */
async function serverStatus(): Promise<{ stats: Record<string, number>; unknown: Array<{ mac: string; count: number }> }> {
  const from = server!.lines.length;
  server!.child.stdin!.write('status\n');
  return server!.waitLine((o) => o.status as { stats: Record<string, number>; unknown: Array<{ mac: string; count: number }> } | undefined, 30_000, from);
}

async function uplinkTx(): Promise<number> {
  return Number((await must('ip', ['netns', 'exec', NS_S, 'cat', `/sys/class/net/${DEV_U}/statistics/tx_packets`])).trim());
}

before(async () => {
  skip = await netnsUnavailable();
  if (!skip && (await run('busybox', ['udhcpc', '--help'])).stderr.indexOf('udhcpc') < 0) skip = 'busybox udhcpc not installed';
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'piman-dhcp-netns-'));
  for (const ns of [NS_S, NS_C, NS_U]) await addNetns(ns);
  await vethPair({ ns: NS_S, dev: DEV_S, cidr: '10.231.0.1/24' }, { ns: NS_C, dev: DEV_C, mac: PI_MAC });
  // An uplink with the default route: replies must not leave through it.
  await vethPair({ ns: NS_S, dev: DEV_U, cidr: '10.232.0.1/24' }, { ns: NS_U, dev: DEV_UP, cidr: '10.232.0.2/24' });
  await must('ip', ['-n', NS_S, 'route', 'add', 'default', 'via', '10.232.0.2']);
  for (const ns of [NS_S, NS_C, NS_U]) await run('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1']);
  await run('ip', ['netns', 'exec', NS_S, 'sysctl', '-q', '-w', `net.ipv6.conf.${DEV_U}.disable_ipv6=1`]);
  const cfg = {
    settings: { address: '10.231.0.1', netmask: '255.255.255.0', router: '10.231.0.1', dns: ['10.231.0.1'], domain: 'rack', leaseSeconds: 600 },
    hosts: [{ switchIndex: 1, port: 21, mac: PI_MAC, ip: '10.231.0.21', hostname: 'pi21' }],
    ports: 24,
    stateDir: join(dir, 'state'),
    port: 67,
    clientPort: 68,
    broadcastAddress: '255.255.255.255',
  };
  const script = resolve('test/helpers/dhcp-netns-server.ts');
  server = startJsonChild('ip', ['netns', 'exec', NS_S, process.execPath, '--import', 'tsx', script, JSON.stringify(cfg)]);
  await server.waitLine((o) => (o.ready ? true : undefined), 60_000);
  await writeFile(join(dir, 'dump.sh'), `#!/bin/sh\nenv > "${dir}/udhcpc-$1.env"\n`);
  await chmod(join(dir, 'dump.sh'), 0o755);
});

after(async () => {
  await server?.stop();
  if (!process.env.PIMAN_KEEP_NETNS) for (const ns of [NS_C, NS_U, NS_S]) await delNetns(ns);
  if (dir && !process.env.PIMAN_KEEP_NETNS) await rm(dir, { recursive: true, force: true });
});

function udhcpc(extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // -f foreground, -q quit once bound, -n give up after -t tries, -T seconds apart.
  return run(
    'ip',
    ['netns', 'exec', NS_C, 'busybox', 'udhcpc', '-f', '-q', '-n', '-t', '5', '-T', '2', '-i', DEV_C, '-V', VENDOR, '-s', join(dir, 'dump.sh'), '-O', '43', '-O', '60', '-O', '66', ...extra],
    60_000,
  );
}

function parseEnv(text: string): Map<string, string> {
  return new Map(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]));
}

test('busybox udhcpc with the Pi vendor class gets its bound address and the PXE options', async (t) => {
  if (skip) return skipOrFail(t, skip);
  const txBefore = await uplinkTx();
  const r = await udhcpc([]);
  assert.equal(r.code, 0, `udhcpc failed: ${r.stderr}`);
  const env = parseEnv(await readFile(join(dir, 'udhcpc-bound.env'), 'utf8'));
  assert.equal(env.get('ip'), '10.231.0.21');
  assert.equal(env.get('serverid'), '10.231.0.1');
  assert.equal(env.get('siaddr'), '10.231.0.1');
  assert.equal(env.get('subnet'), '255.255.255.0');
  assert.equal(env.get('router')?.trim(), '10.231.0.1');
  assert.equal(env.get('dns')?.trim(), '10.231.0.1');
  assert.equal(env.get('hostname'), 'pi21');
  assert.equal(env.get('domain'), 'rack');
  assert.equal(env.get('broadcast'), '10.231.0.255');
  assert.equal(env.get('lease'), '600');
  assert.equal(env.get('tftp'), '10.231.0.1');
  assert.equal(env.get('vendor'), 'PXEClient');
  // busybox exports options it has no name for as hex
  assert.equal(env.get('opt43'), PI_OPTION_43.toString('hex'));
  assert.equal(env.get('opt58'), (300).toString(16).padStart(8, '0'));
  assert.equal(env.get('opt59'), (525).toString(16).padStart(8, '0'));
  assert.equal(await uplinkTx(), txBefore, 'a DHCP reply left through the uplink');
  const st = await serverStatus();
  // Each broadcast is handled once (the reply socket bound to server.address does not see it too).
  assert.equal(st.stats.received, st.stats.offers! + st.stats.acks!);
});

test('an unknown MAC gets nothing and is listed', async (t) => {
  if (skip) return skipOrFail(t, skip);
  await must('ip', ['-n', NS_C, 'link', 'set', DEV_C, 'down']);
  await must('ip', ['-n', NS_C, 'link', 'set', DEV_C, 'address', UNKNOWN_MAC]);
  await must('ip', ['-n', NS_C, 'link', 'set', DEV_C, 'up']);
  for (const f of await readdir(dir)) if (f.endsWith('.env')) await rm(join(dir, f));
  const r = await run(
    'ip',
    ['netns', 'exec', NS_C, 'busybox', 'udhcpc', '-f', '-q', '-n', '-t', '2', '-T', '1', '-i', DEV_C, '-V', VENDOR, '-s', join(dir, 'dump.sh')],
    60_000,
  );
  assert.notEqual(r.code, 0, 'udhcpc got a lease for an unknown MAC');
  assert.equal((await readdir(dir)).includes('udhcpc-bound.env'), false);
  const status = await serverStatus();
  const u = status.unknown.find((x) => x.mac === UNKNOWN_MAC);
  assert.ok(u, 'unknown MAC listed');
  assert.ok(u.count >= 1);
  assert.equal(server!.lines.filter((l) => typeof l.msg === 'string' && l.msg.includes(UNKNOWN_MAC)).length, 1, 'logged once');
});
