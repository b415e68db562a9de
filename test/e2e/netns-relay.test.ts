/**
 * piman behind a real DHCP relay, in network namespaces this test creates:
 *
 *   piman (10.78.0.1) --- relay (10.78.0.2 | 10.78.1.1) --- Pi network (10.78.1.0/24)
 *
 * The relay is Debian isc-dhcp-relay's `dhcrelay -a` (option 82 with the
 * circuit-id = the name of the interface the request came in on, which is
 * how dhcrelay does it: it has no way to set the circuit-id freely, so
 * piman's `dhcp.option82.circuits` maps that name to sw1:7). `piman server`
 * runs whole (agent included). A Pi behind the relay (busybox udhcpc with
 * the boot ROM's vendor class) gets its hosts.csv address on the relay's
 * subnet and the PXE options naming piman, and fetches cmdline.txt over
 * TFTP through the router; with option 82 binding on, an
 * unknown MAC is bound to sw1:7, hosts.csv has the row and `snmpwalk` of
 * pimanPortTable shows it. PIMAN_KEEP_NETNS=1 keeps namespaces and files.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PI_OPTION_43 } from '../vectors/dhcp-pi.js';
import { skipOrFail } from '../helpers/require-env.js';
import { addNetns, delNetns, must, netnsUnavailable, run, vethPair } from '../helpers/netns.js';
import { NsProcess, nsRun } from '../helpers/lab-netns.js';
import { eventually } from '../helpers/eventually.js';
import { writeBootFolder, writeRootfs } from '../../src/lab/lab-files.js';
import { mibFlags } from '../../src/lab/lab-snmp.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const pid = process.pid;
const NS_S = `piman-rls-${pid}`;
const NS_R = `piman-rlr-${pid}`;
const NS_C = `piman-rlc-${pid}`;
const DEV_S = `rls${pid}`;
const DEV_RU = `rlu${pid}`;
/** The relay's Pi-side interface: its name is dhcrelay's circuit-id. */
const DEV_RD = `rld${pid}`;
const DEV_C = `rlc${pid}`;
const KNOWN_MAC = 'dc:a6:32:78:00:02';
const NEW_MAC = 'dc:a6:32:78:00:07';
const VENDOR = 'PXEClient:Arch:00000:UNDI:002001';

let skip: string | null = null;
let dir = '';
let piman: NsProcess | null = null;
let relay: NsProcess | null = null;

async function dhcrelayPath(): Promise<string | null> {
  for (const p of ['/usr/sbin/dhcrelay', '/usr/bin/dhcrelay']) if ((await run('test', ['-x', p])).code === 0) return p;
  return null;
}

before(async () => {
  skip = await netnsUnavailable();
  const dhcrelay = skip ? null : await dhcrelayPath();
  if (!skip && !dhcrelay) skip = 'dhcrelay (Debian isc-dhcp-relay) not installed';
  if (!skip && (await run('busybox', ['udhcpc', '--help'])).stderr.indexOf('udhcpc') < 0) skip = 'busybox udhcpc not installed';
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'piman-relay-e2e-'));
  for (const ns of [NS_S, NS_R, NS_C]) await addNetns(ns);
  await vethPair({ ns: NS_S, dev: DEV_S, cidr: '10.78.0.1/24' }, { ns: NS_R, dev: DEV_RU, cidr: '10.78.0.2/24' });
  await vethPair({ ns: NS_R, dev: DEV_RD, cidr: '10.78.1.1/24' }, { ns: NS_C, dev: DEV_C, mac: KNOWN_MAC });
  await must('ip', ['-n', NS_S, 'route', 'add', '10.78.1.0/24', 'via', '10.78.0.2']);
  for (const ns of [NS_S, NS_R, NS_C]) await run('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1']);

  await writeBootFolder(join(dir, 'boot'));
  await writeRootfs(join(dir, 'rootfs.tgz'), 'relay e2e');
  await writeFile(join(dir, 'hosts.csv'), `switch,port,mac,ip,hostname\nsw1,2,${KNOWN_MAC},10.78.1.21,rack-pi2\n`);
  await writeFile(
    join(dir, 'piman.yaml'),
    [
      'server: { address: 10.78.0.1, netmask: 255.255.255.0, dns: [10.78.0.53], domain: rack }',
      'dhcp:',
      '  relays: [10.78.1.1]',
      '  subnets: [{ network: 10.78.1.0, netmask: 255.255.255.0, router: 10.78.1.1 }]',
      `  option82: { bindPorts: true, circuits: [{ circuitId: ${DEV_RD}, switch: sw1, port: 7 }] }`,
      'tftp: { root: ./boot }',
      'install: { rootfs: ./rootfs.tgz }',
      'agent: { address: 127.0.0.1, port: 161, switchPollSeconds: 0 }',
      'hosts: ./hosts.csv',
      'state: ./state',
      // No switch answers here: this test powers nothing.
      'switches: [{ name: sw1, address: 127.0.0.1, port: 1161, ports: 8, timeoutMs: 500 }]',
      'log: { level: info }',
      '',
    ].join('\n'),
  );
  piman = new NsProcess('piman', NS_S, [process.execPath, join(ROOT, 'bin/piman.js'), '-c', join(dir, 'piman.yaml'), 'server'], { ...process.env, PIMAN_LOG_LEVEL: 'info' });
  await piman.waitLine((o) => (o.msg === 'piman server running' ? true : undefined), 60_000, 'piman server running');
  // -d foreground, -a add option 82, -iu/-id the server and client sides, no pid file (several runs at once).
  relay = new NsProcess('dhcrelay', NS_R, [dhcrelay!, '-4', '-d', '--no-pid', '-a', '-iu', DEV_RU, '-id', DEV_RD, '10.78.0.1']);
  // dhcrelay -d says on stderr which interfaces it listens and sends on once its sockets are open.
  await eventually(() => !relay!.running || /Sending on\s+Socket\/fallback/.test(relay!.lastStderr), 'dhcrelay listening', 20_000);
  assert.ok(relay.running, `dhcrelay exited: ${relay.lastStderr}`);
  await writeFile(join(dir, 'dump.sh'), `#!/bin/sh\nenv > "${dir}/udhcpc-$1.env"\n`);
  await chmod(join(dir, 'dump.sh'), 0o755);
});

after(async () => {
  await relay?.kill('SIGTERM');
  await piman?.kill('SIGTERM');
  if (!process.env.PIMAN_KEEP_NETNS) for (const ns of [NS_C, NS_R, NS_S]) await delNetns(ns);
  if (dir && !process.env.PIMAN_KEEP_NETNS) await rm(dir, { recursive: true, force: true });
});

async function udhcpc(): Promise<Map<string, string>> {
  for (const f of await readdir(dir)) if (f.endsWith('.env')) await rm(join(dir, f));
  // -f foreground, -q quit once bound, -n give up after -t tries, -T seconds apart.
  const r = await run(
    'ip',
    ['netns', 'exec', NS_C, 'busybox', 'udhcpc', '-f', '-q', '-n', '-t', '6', '-T', '2', '-i', DEV_C, '-V', VENDOR, '-s', join(dir, 'dump.sh'), '-O', '43', '-O', '60', '-O', '66'],
    60_000,
  );
  assert.equal(r.code, 0, `udhcpc got no lease through the relay: ${r.stderr}\ndhcrelay: ${relay?.lastStderr.slice(-1500)}`);
  const text = await readFile(join(dir, 'udhcpc-bound.env'), 'utf8');
  return new Map(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]));
}

async function portRow(port: number): Promise<Record<string, string>> {
  const text = await nsRun(NS_S, ['snmpwalk', '-v2c', '-c', 'public', ...mibFlags().split(' '), '-t', '3', '-r', '2', '-Oqs', '-Oe', '127.0.0.1:161', 'PIMAN-MIB::pimanPortTable'], 30_000);
  const row: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^(piman\w+)\.1\.(\d+) ?(.*)$/.exec(line.trim());
    if (m && Number(m[2]) === port) row[m[1]!] = m[3]!.replace(/^"|"$/g, '');
  }
  return row;
}

const normMac = (text: string): string =>
  text
    .split(/[:\s]/)
    .filter(Boolean)
    .map((b) => b.padStart(2, '0').toLowerCase())
    .join(':');

test('a Pi behind dhcrelay gets its hosts.csv address on the relay subnet and the boot options naming piman', { timeout: 90_000 }, async (t) => {
  if (skip) return skipOrFail(t, skip);
  const env = await udhcpc();
  assert.equal(env.get('ip'), '10.78.1.21');
  assert.equal(env.get('subnet'), '255.255.255.0');
  assert.equal(env.get('router')?.trim(), '10.78.1.1', "the relay subnet's router, not piman's");
  assert.equal(env.get('broadcast'), '10.78.1.255');
  assert.equal(env.get('serverid'), '10.78.0.1');
  assert.equal(env.get('siaddr'), '10.78.0.1');
  assert.equal(env.get('tftp'), '10.78.0.1');
  assert.equal(env.get('dns')?.trim(), '10.78.0.53');
  assert.equal(env.get('hostname'), 'rack-pi2');
  assert.equal(env.get('vendor'), 'PXEClient');
  assert.equal(env.get('opt43'), PI_OPTION_43.toString('hex'));
  // The boot files come from piman through the router, with MASTER in cmdline.txt replaced by piman's address.
  await must('ip', ['-n', NS_C, 'addr', 'add', '10.78.1.21/24', 'dev', DEV_C]);
  await must('ip', ['-n', NS_C, 'route', 'add', 'default', 'via', '10.78.1.1']);
  await must('ip', ['netns', 'exec', NS_R, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  const got = join(dir, 'cmdline.got');
  await nsRun(NS_C, ['tftp', '-m', 'binary', '10.78.0.1', '-c', 'get', 'cmdline.txt', got], 30_000);
  const cmdline = await readFile(got, 'utf8');
  assert.match(cmdline, /10\.78\.0\.1/);
  assert.doesNotMatch(cmdline, /MASTER/);
  await must('ip', ['-n', NS_C, 'addr', 'flush', 'dev', DEV_C]);
});

test('with option 82 binding on, an unknown MAC behind dhcrelay is bound to the port its circuit-id names; snmpwalk shows it', { timeout: 120_000 }, async (t) => {
  if (skip) return skipOrFail(t, skip);
  // The agent serves a port without a MAC as six zero bytes.
  assert.equal(normMac((await portRow(7)).pimanPortMacAddress ?? ''), '00:00:00:00:00:00', 'sw1:7 has no MAC before');
  await must('ip', ['-n', NS_C, 'link', 'set', DEV_C, 'down']);
  await must('ip', ['-n', NS_C, 'link', 'set', DEV_C, 'address', NEW_MAC]);
  await must('ip', ['-n', NS_C, 'link', 'set', DEV_C, 'up']);
  const env = await udhcpc();
  // Host number = port on the relay subnet.
  assert.equal(env.get('ip'), '10.78.1.7');
  assert.equal(env.get('router')?.trim(), '10.78.1.1');
  assert.equal(env.get('tftp'), '10.78.0.1');
  const row = await portRow(7);
  assert.equal(normMac(row.pimanPortMacAddress ?? ''), NEW_MAC);
  assert.equal(row.pimanPortIpAddress, '10.78.1.7');
  const hosts = await readFile(join(dir, 'hosts.csv'), 'utf8');
  assert.match(hosts, new RegExp(`^sw1,7,${NEW_MAC},10\\.78\\.1\\.7,$`, 'm'));
  assert.match(hosts, new RegExp(`^sw1,2,${KNOWN_MAC},10\\.78\\.1\\.21,rack-pi2$`, 'm'));
  const bound = piman!.lines.find((o) => typeof o.msg === 'string' && o.msg.includes(`bound ${NEW_MAC} to sw1:7`));
  assert.ok(bound, 'piman logged the binding');
  assert.equal(bound.relay, '10.78.1.1');
  assert.match(relay!.lastStderr, new RegExp(`Forwarded BOOTREPLY for ${NEW_MAC} to 10\\.78\\.1\\.7`), 'the reply went back through dhcrelay');
});
