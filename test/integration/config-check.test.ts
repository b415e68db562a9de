/**
 * `piman config check` runs the server's start-up checks without starting
 * it: what it calls ok, `piman server` starts with; what the server would
 * refuse (or what would boot a Pi into nothing) it reports, each with its code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { mkdtemp, mkdir, rm, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRootfs } from '../helpers/rootfs-fixture.js';

const bin = new URL('../../bin/piman.js', import.meta.url).pathname;

interface Report {
  ok: boolean;
  hosts: number;
  problems: { code: string; message: string }[];
}

function check(dir: string, json = true): Promise<{ code: number; stdout: string; stderr: string; report: Report | null }> {
  const args = [bin, 'config', 'check', '-c', join(dir, 'piman.yaml'), ...(json ? ['--json'] : [])];
  return new Promise((resolve) =>
    execFile(process.execPath, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr, report: json ? (JSON.parse(stdout) as Report) : null });
    }),
  );
}

const HOSTS = 'switch,port,mac,ip,hostname\nsw1,1,b8:27:eb:00:00:01,10.0.0.11,pi01\n';

/** A complete installation (boot folder, real rootfs.tgz, hosts.csv) that passes. */
async function install(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'piman-check-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'boot'));
  await makeRootfs(dir, { bigBytes: 1024 });
  await writeFile(join(dir, 'hosts.csv'), HOSTS);
  await writeFile(join(dir, 'piman.yaml'), 'server: { address: 10.0.0.1 }\nswitches: [{ name: sw1, address: 10.0.0.2, ports: 8 }]\n');
  return dir;
}

test('a complete installation is ok, as text and as JSON', async (t) => {
  const dir = await install(t);
  const text = await check(dir, false);
  assert.equal(text.code, 0, text.stderr);
  assert.equal(text.stdout, 'ok (1 switch, 1 hosts)\n');
  const j = await check(dir);
  assert.equal(j.code, 0);
  assert.deepEqual({ ok: j.report!.ok, hosts: j.report!.hosts, problems: j.report!.problems }, { ok: true, hosts: 1, problems: [] });
});

test('no boot folder and no rootfs: both reported (the server refuses to start), exit 1', async (t) => {
  const dir = await install(t);
  await rm(join(dir, 'boot'), { recursive: true });
  await unlink(join(dir, 'rootfs.tgz'));
  const r = await check(dir);
  assert.equal(r.code, 1);
  assert.equal(r.report!.ok, false);
  assert.deepEqual(r.report!.problems.map((p) => p.code).sort(), ['E_CONFIG', 'E_ROOTFS']);
  assert.match(r.report!.problems.find((p) => p.code === 'E_CONFIG')!.message, /boot: TFTP boot folder does not exist/);
  const text = await check(dir, false);
  assert.equal(text.code, 1);
  assert.equal(text.stderr.trim().split('\n').length, 2, text.stderr);
  assert.match(text.stderr, /^piman: /);
});

test('a gzip file that is not a tar is refused', async (t) => {
  const dir = await install(t);
  await writeFile(join(dir, 'rootfs.tgz'), gzipSync(Buffer.alloc(4096, 'not a tar archive, just text. ')));
  const r = await check(dir);
  assert.equal(r.code, 1);
  assert.equal(r.report!.problems.length, 1, JSON.stringify(r.report));
  assert.equal(r.report!.problems[0]!.code, 'E_ROOTFS');
  assert.match(r.report!.problems[0]!.message, /gzip but not a tar/);
  await writeFile(join(dir, 'rootfs.tgz'), gzipSync(Buffer.from('short')));
  assert.match((await check(dir)).report!.problems[0]!.message, /does not inflate to a tar header/);
});

test('hosts.csv: an IP outside the subnet, the server\'s own address and a bad hostname, each with its line', async (t) => {
  const dir = await install(t);
  await writeFile(
    join(dir, 'hosts.csv'),
    HOSTS + 'sw1,2,b8:27:eb:00:00:02,10.0.1.12,pi02\nsw1,3,b8:27:eb:00:00:03,10.0.0.1,pi03\nsw1,4,b8:27:eb:00:00:04,10.0.0.14,pi_01!\nsw1,5,b8:27:eb:00:00:05,10.0.0.15,pi-05.rack\n',
  );
  const r = await check(dir);
  assert.equal(r.code, 1);
  const msgs = r.report!.problems.map((p) => `${p.code} ${p.message}`);
  assert.equal(msgs.length, 3, msgs.join('\n'));
  assert.match(msgs[0]!, /^E_HOSTS .*hosts\.csv: line 3: IP 10\.0\.1\.12 is outside piman's subnet 10\.0\.0\.1\/255\.255\.255\.0/);
  assert.match(msgs[1]!, /line 4: IP 10\.0\.0\.1 is server\.address/);
  assert.match(msgs[2]!, /line 5: hostname 'pi_01!' is not a valid host name/);
});

test('with dhcp.relays, Pis on other subnets are fine', async (t) => {
  const dir = await install(t);
  await writeFile(join(dir, 'hosts.csv'), HOSTS + 'sw1,2,b8:27:eb:00:00:02,10.0.1.12,pi02\n');
  await writeFile(join(dir, 'piman.yaml'), 'server: { address: 10.0.0.1 }\ndhcp: { relays: [10.0.1.1] }\nswitches: [{ name: sw1, address: 10.0.0.2, ports: 8 }]\n');
  const r = await check(dir);
  assert.equal(r.code, 0, JSON.stringify(r.report));
});

test('a missing hosts.csv is an error, not 0 hosts', async (t) => {
  const dir = await install(t);
  await unlink(join(dir, 'hosts.csv'));
  const r = await check(dir);
  assert.equal(r.code, 1);
  assert.deepEqual(r.report!.problems.map((p) => p.code), ['E_HOSTS']);
  assert.match(r.report!.problems[0]!.message, /hosts\.csv: no such file/);
});

test('a piman.yaml that does not validate: its problems, nothing else', async (t) => {
  const dir = await install(t);
  await writeFile(join(dir, 'piman.yaml'), 'server: { address: 10.0.0.1 }\ntftp: { port: x }\nswitches: [{ name: sw1, address: 10.0.0.2, ports: 8 }]\n');
  const r = await check(dir);
  assert.equal(r.code, 1);
  assert.deepEqual(r.report!.problems.map((p) => p.code), ['E_CONFIG']);
  assert.match(r.report!.problems[0]!.message, /tftp\.port: must be a port number/);
});

test('--ports: a port another program holds is reported with its key; without --ports it is not checked', async (t) => {
  const dir = await install(t);
  const { createServer } = await import('node:net');
  const dgram = await import('node:dgram');
  const tcp = createServer();
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  t.after(() => {
    tcp.close();
    udp.close();
  });
  const tcpPort = (tcp.address() as { port: number }).port;
  const udpPort = udp.address().port;
  await writeFile(
    join(dir, 'piman.yaml'),
    [
      'server: { address: 10.0.0.1 }',
      'dhcp: { enabled: false }',
      `tftp: { address: 127.0.0.1, port: ${udpPort} }`,
      `control: { address: 127.0.0.1, port: ${tcpPort} }`,
      'install: { address: 127.0.0.1, port: 0 }',
      'agent: { enabled: false }',
      'switches: [{ name: sw1, address: 10.0.0.2, ports: 8 }]',
      '',
    ].join('\n'),
  );
  assert.equal((await check(dir)).code, 0, 'ports are not checked without --ports');
  const r = await new Promise<{ code: number; report: Report }>((resolve) =>
    execFile(process.execPath, [bin, 'config', 'check', '--ports', '--json', '-c', join(dir, 'piman.yaml')], { timeout: 60_000 }, (err, stdout) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, report: JSON.parse(stdout) as Report }),
    ),
  );
  assert.equal(r.code, 1);
  const msgs = r.report.problems.map((p) => p.message);
  assert.equal(msgs.length, 2, msgs.join('\n'));
  assert.match(msgs.find((m) => m.startsWith('tftp.port'))!, new RegExp(`^tftp\\.port: UDP 127\\.0\\.0\\.1:${udpPort} is in use`));
  assert.match(msgs.find((m) => m.startsWith('control.port'))!, new RegExp(`^control\\.port: TCP 127\\.0\\.0\\.1:${tcpPort} is in use`));
});

test('install.images: a missing image is a warning while another is usable (the server starts), a problem when none is; a hosts.csv image must be configured', async (t) => {
  const dir = await install(t);
  const yaml = 'server: { address: 10.0.0.1 }\nswitches: [{ name: sw1, address: 10.0.0.2, ports: 8 }]\ninstall:\n  images: { a: rootfs.tgz, b: missing.tgz }\n  defaultImage: a\n';
  await writeFile(join(dir, 'piman.yaml'), yaml);
  const j = await check(dir);
  assert.equal(j.code, 0, j.stdout);
  const report = j.report as Report & { warnings: { code: string; message: string }[] };
  assert.deepEqual(report.problems, []);
  assert.equal(report.warnings.length, 1);
  assert.match(report.warnings[0]!.message, /^image 'b': .*missing\.tgz/);
  const text = await check(dir, false);
  assert.equal(text.code, 0);
  assert.match(text.stderr, /piman: warning: image 'b': .*only the Pis using it wait/);
  await writeFile(join(dir, 'hosts.csv'), 'switch,port,mac,ip,hostname,image\nsw1,1,b8:27:eb:00:00:01,10.0.0.11,pi01,c\n');
  const badHost = await check(dir);
  assert.equal(badHost.code, 1);
  assert.ok(badHost.report!.problems.some((p) => p.code === 'E_HOSTS' && /image 'c' is not in install\.images/.test(p.message)));
  await writeFile(join(dir, 'hosts.csv'), HOSTS);
  await unlink(join(dir, 'rootfs.tgz'));
  const none = await check(dir);
  assert.equal(none.code, 1);
  assert.ok(none.report!.problems.some((p) => p.code === 'E_ROOTFS' && /no image in install\.images can be installed/.test(p.message)));
});
