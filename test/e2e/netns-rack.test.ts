/**
 * End to end in network namespaces, with real tools: piman server on the
 * real ports 67/69/161/3333/4444 in its own namespace, a simulated PoE switch
 * next to it, and 8 virtual Pis, each in its own namespace on a bridge,
 * netbooting with real broadcast DHCP. Pis 1-6 talk to the control channel
 * through busybox nc running the shipped pi/hello_protocol.sh; Pi 7 runs the
 * old piman.py project's script, unchanged (test/vendor/piman-py/, in a chroot
 * with its disk and clock commands shimmed: test/helpers/old-pi/), the same
 * way; Pi 8 uses the lab's built-in client. Pis 1-4 are Pi 4s, 5-8
 * Pi 3s (shared xid). piman checks every Pi's MAC in its neighbour table
 * (the Pis are on a real bridge).
 *
 * Scenario: snmpset powers the 8 ports on; all boot and install; busybox
 * udhcpc (the OS's DHCP client) gets each Pi's hosts.csv address; tftp-hpa
 * fetches boot files (MASTER replaced); snmpset marks 3 ports for reinstall
 * (the old-script Pi among them); all 8 end up, the 3 carry the new rootfs,
 * every install succeeded on the first try; snmpwalk's inventory matches
 * hosts.csv.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { netnsUnavailable } from '../helpers/netns.js';
import { skipOrFail } from '../helpers/require-env.js';
import { NsProcess, SERVER_IP, buildRack, destroyRack, nsRun, rackNames, type JsonLine } from '../helpers/lab-netns.js';
import { hostsCsv, writeBootFolder, writeRootfs, type LabHost } from '../../src/lab/lab-files.js';
import { labIdentity, type PiModel } from '../../src/lab/pi-profile.js';
import { diskRelease } from '../../src/lab/netns/script-control.js';
import { mibFlags } from '../../src/lab/lab-snmp.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const PIS = 8;
const REINSTALL = [2, 5, 7];
/** Runs the old piman.py script, unchanged: installed at first, then reinstalled. */
const OLD_SCRIPT_PI = 7;
const MODELS: PiModel[] = [4, 4, 4, 4, 3, 3, 3, 3];
const R1 = 'e2e rootfs 1';
const R2 = 'e2e rootfs 2';
const SWITCH_PORT = 1161;
const skip = await netnsUnavailable();

const names = rackNames('e2e');
const hosts: LabHost[] = MODELS.map((model, i) => ({
  port: i + 1,
  identity: labIdentity(model, i + 1),
  ip: `10.77.0.${11 + i}`,
  hostname: `rack-pi${i + 1}`,
}));
let dir = '';
let server: NsProcess | null = null;
let sw: NsProcess | null = null;
const pis = new Map<number, NsProcess>();
/** Every process a Pi port ever ran (all are killed in after). */
const allPis: NsProcess[] = [];

const snmp = (tool: string, community: string, ...args: string[]): Promise<string> =>
  nsRun(names.server, [tool, '-v2c', '-c', community, ...mibFlags().split(' '), '-t', '3', '-r', '2', ...args], 30_000);

function piDisk(n: number): string {
  return join(dir, `sd${n}`);
}

async function startPi(n: number): Promise<void> {
  // A power-on right after a power-off: the old process must be gone first.
  await pis.get(n)?.kill('SIGKILL');
  const args = {
    n,
    model: MODELS[n - 1],
    disk: piDisk(n),
    ports: { tftp: 69, control: 3333, install: 4444, health: 3000 },
    control: n === PIS ? 'builtin' : 'script',
    script: join(ROOT, n === OLD_SCRIPT_PI ? 'test/helpers/old-pi/enter.sh' : 'pi/hello_protocol.sh'),
    hooks: join(ROOT, n === OLD_SCRIPT_PI ? 'test/helpers/old-pi/shims.sh' : 'src/lab/netns/pi-hooks.sh'),
  };
  const p = new NsProcess(`pi${n}`, names.pi(n), [process.execPath, '--import', 'tsx', join(ROOT, 'src/lab/netns/pi-main.ts'), JSON.stringify(args)]);
  pis.set(n, p);
  allPis.push(p);
}

/** The switch port is the Pi's power: on starts its process, off kills its process group at once. */
function onSwitchLine(o: JsonLine): void {
  if (o.event !== 'power' || typeof o.port !== 'number') return;
  if (o.power === 'on') void startPi(o.port);
  else void pis.get(o.port)?.kill('SIGKILL');
}

const upLine = (o: JsonLine): string | undefined => (o.phase === 'up' ? String(o.release) : undefined);

/** snmpwalk pimanPortTable -> rows keyed by port (numeric enums, short names). */
async function inventory(): Promise<Map<number, Record<string, string>>> {
  const text = await snmp('snmpwalk', 'public', '-Oqs', '-Oe', `127.0.0.1:161`, 'PIMAN-MIB::pimanPortTable');
  const rows = new Map<number, Record<string, string>>();
  for (const line of text.split('\n')) {
    const m = /^(piman\w+)\.(\d+)\.(\d+) ?(.*)$/.exec(line.trim());
    if (!m) continue;
    const port = Number(m[3]);
    const row = rows.get(port) ?? {};
    row[m[1]!] = m[4]!.replace(/^"|"$/g, '');
    rows.set(port, row);
  }
  return rows;
}

const normMac = (text: string): string =>
  text
    .split(/[:\s]/)
    .filter(Boolean)
    .map((b) => b.padStart(2, '0').toLowerCase())
    .join(':');

async function waitInventory(check: (rows: Map<number, Record<string, string>>) => boolean, timeoutMs: number, what: string): Promise<Map<number, Record<string, string>>> {
  const deadline = Date.now() + timeoutMs;
  let rows = await inventory();
  while (!check(rows)) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs / 1000} s: ${JSON.stringify([...rows])}`);
    await new Promise((r) => setTimeout(r, 500)); // polling piman through snmpwalk, as a script would
    rows = await inventory();
  }
  return rows;
}

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'piman-e2e-'));
  await writeBootFolder(join(dir, 'boot'));
  await writeRootfs(join(dir, 'rootfs.tgz'), R1);
  await writeFile(join(dir, 'hosts.csv'), hostsCsv('sw1', hosts));
  await writeFile(
    join(dir, 'piman.yaml'),
    [
      `server: { address: ${SERVER_IP}, netmask: 255.255.255.0, interface: br0 }`,
      'tftp: { root: ./boot }',
      'install: { rootfs: ./rootfs.tgz }',
      'agent: { address: 127.0.0.1, port: 161 }',
      'hosts: ./hosts.csv',
      'state: ./state',
      `switches: [{ name: sw1, address: 127.0.0.1, port: ${SWITCH_PORT}, community: private, ports: ${PIS}, timeoutMs: 3000 }]`,
      'power: { offSeconds: 0.5, staggerSeconds: 0.3 }',
      'boot: { timeoutSeconds: 120 }',
      'log: { level: info }',
      '',
    ].join('\n'),
  );
  await buildRack(
    names,
    hosts.map((h) => h.identity.mac),
  );
  sw = new NsProcess('switch', names.server, [
    process.execPath,
    '--import',
    'tsx',
    join(ROOT, 'src/lab/netns/switch-main.ts'),
    JSON.stringify({ ports: PIS, port: SWITCH_PORT, models: MODELS }),
  ]);
  sw.on(onSwitchLine);
  await sw.waitLine((o) => (o.event === 'listening' ? true : undefined), 60_000, 'switch listening');
  server = new NsProcess('piman', names.server, [process.execPath, join(ROOT, 'bin/piman.js'), '-c', join(dir, 'piman.yaml'), 'server'], {
    ...process.env,
    PIMAN_LOG_LEVEL: 'info',
  });
  await server.waitLine((o) => (o.msg === 'piman server running' ? true : undefined), 60_000, 'piman server running');
});

after(async () => {
  await Promise.all(allPis.map((p) => p.kill('SIGKILL')));
  await server?.kill('SIGTERM');
  await sw?.kill('SIGTERM');
  if (!skip) await destroyRack(names, PIS);
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('8 Pis netboot in namespaces; 3 reinstalled with snmpset; inventory matches hosts.csv', { timeout: 280_000 }, async (t) => {
  if (skip) return skipOrFail(t, skip);
  // 1. Power on every port through piman's agent, as an operator would.
  const ons = hosts.flatMap((h) => [`PIMAN-MIB::pimanPortPower.1.${h.port}`, 'i', '1']);
  await snmp('snmpset', 'private', '127.0.0.1:161', ...ons);
  for (const h of hosts) {
    const p = await waitFor(() => pis.get(h.port), 60_000, `port ${h.port} powered`);
    assert.equal(await p.waitLine(upLine, 150_000, `pi${h.port} up`), R1);
  }
  await waitInventory((rows) => hosts.every((h) => rows.get(h.port)?.pimanPortBootState === '7'), 60_000, 'all 8 up in pimanPortTable');

  // 2. The OS's DHCP client (busybox udhcpc, no PXE) gets the hosts.csv address of each Pi.
  const script = join(dir, 'udhcpc.sh');
  await writeFile(script, '#!/bin/sh\n[ "$1" = bound ] && echo "lease $ip"\nexit 0\n');
  await chmod(script, 0o755);
  await Promise.all(
    hosts.map(async (h) => {
      const out = await nsRun(names.pi(h.port), ['busybox', 'udhcpc', '-i', 'eth0', '-f', '-q', '-n', '-t', '5', '-T', '2', '-s', script], 40_000);
      assert.match(out, new RegExp(`lease ${h.ip.replace(/\./g, '\\.')}\\b`), `udhcpc on pi${h.port}: ${out}`);
    }),
  );

  // 3. tftp-hpa from a workstation on the Pi network (a Pi that is up does not netboot):
  //    cmdline.txt has piman's address instead of MASTER; binaries are byte-identical.
  const got = join(dir, 'tftp-cmdline.txt');
  await nsRun(names.tool, ['tftp', '-m', 'binary', SERVER_IP, '-c', 'get', 'cmdline.txt', got]);
  assert.match(await readFile(got, 'utf8'), new RegExp(`master=${SERVER_IP.replace(/\./g, '\\.')}\\b`));
  const kern = join(dir, 'tftp-kernel8.img');
  await nsRun(names.tool, ['tftp', '-m', 'binary', SERVER_IP, '-c', 'get', 'kernel8.img', kern]);
  assert.ok((await readFile(kern)).equals(await readFile(join(dir, 'boot/kernel8.img'))));

  // 4. New rootfs, 3 ports marked for reinstall in one snmpset.
  await writeRootfs(join(dir, 'rootfs.tgz'), R2);
  const before = new Map(REINSTALL.map((n) => [n, pis.get(n)!]));
  await snmp('snmpset', 'private', '127.0.0.1:161', ...REINSTALL.flatMap((n) => [`PIMAN-MIB::pimanPortReinstall.1.${n}`, 'i', '1']));
  for (const n of REINSTALL) {
    const fresh = await waitFor(() => (pis.get(n) !== before.get(n) ? pis.get(n) : undefined), 60_000, `port ${n} power-cycled`);
    assert.equal(await fresh.waitLine(upLine, 150_000, `pi${n} up after reinstall`), R2);
  }

  // 5. Inventory by snmpwalk: every port up, no reinstall pending, bindings as in hosts.csv.
  const rows = await waitInventory(
    (r) => hosts.every((h) => r.get(h.port)?.pimanPortBootState === '7' && r.get(h.port)?.pimanPortReinstall === '2'),
    60_000,
    'all up, no reinstall pending',
  );
  assert.equal(rows.size, PIS);
  for (const h of hosts) {
    const r = rows.get(h.port)!;
    assert.equal(normMac(r.pimanPortMacAddress ?? ''), h.identity.mac, `MAC of port ${h.port}`);
    assert.equal(r.pimanPortIpAddress, h.ip);
    assert.equal(r.pimanPortHostname, h.hostname);
  }
  // 6. What is on each Pi's SD card: the 3 carry the new rootfs, the rest the first.
  for (const h of hosts) {
    const want = REINSTALL.includes(h.port) ? R2 : R1;
    const release = h.port === PIS ? String(pis.get(h.port)!.lines.filter((o) => o.phase === 'up').at(-1)?.release) : await diskRelease(piDisk(h.port));
    assert.equal(release, want, `rootfs on pi${h.port}`);
  }
  // Pis that were not reinstalled kept running the whole time (one process each).
  for (const h of hosts) if (!REINSTALL.includes(h.port)) assert.equal(allPis.filter((p) => p.label === `pi${h.port}`).length, 1);
  // 7. Every install worked on the first try, the old script's reinstall of an installed Pi included.
  const old = allPis.filter((p) => p.label === `pi${OLD_SCRIPT_PI}`);
  assert.equal(old.length, 2, 'the old-script Pi: first boot, then the reinstall power cycle');
  assert.deepEqual(
    old.flatMap((p) => p.lines.filter((o) => o.installed !== undefined).map((o) => o.installed)),
    [R1, R2],
    'one install per power-on, no retry',
  );
  assert.deepEqual(old.flatMap((p) => p.lines.filter((o) => o.error !== undefined)), [], 'no failed boot attempt');
  const failed = await snmp('snmpget', 'public', '-Oqv', '127.0.0.1:161', 'PIMAN-MIB::pimanInstallsFailed.0');
  assert.equal(failed.trim(), '0', 'pimanInstallsFailed');

  // 8. A host that takes Pi 1's address (the workstation, with its own MAC) and asks to be
  //    formatted: piman's neighbour entry shows the wrong MAC, so it gets nothing at all.
  const victim = hosts[0]!;
  await nsRun(names.tool, ['ip', 'addr', 'flush', 'dev', 'eth0']);
  await nsRun(names.tool, ['ip', 'addr', 'add', `${victim.ip}/24`, 'dev', 'eth0']);
  const answer = await nsRun(names.tool, ['sh', '-c', `printf 'IS_UNINSTALLED\\n' | busybox nc -w 5 ${SERVER_IP} 3333; true`], 30_000);
  assert.equal(answer, '', 'no date, no decision for the impostor');
  await server!.waitLine((o) => (typeof o.msg === 'string' && o.msg.includes(`control connection from ${victim.ip} refused: its MAC is`) ? true : undefined), 10_000, 'refusal logged');
  const [state, mark] = (await snmp('snmpget', 'public', '-Oqv', '-Oe', '127.0.0.1:161', `PIMAN-MIB::pimanPortBootState.1.${victim.port}`, `PIMAN-MIB::pimanPortReinstall.1.${victim.port}`)).trim().split('\n');
  assert.equal(state, '7', 'the real Pi stays up');
  assert.equal(mark, '2', 'and is not marked for reinstall');
});

async function waitFor<T>(get: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
