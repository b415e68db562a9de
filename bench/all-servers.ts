/**
 * Files and servers of bench/all.ts: piman's installation (piman.yaml with
 * examples/piman.yaml's settings, 1,000 Pis in hosts.csv, a boot folder, a
 * rootfs) and each peer's equivalent configuration over the same hosts.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBootFolder } from '../src/lab/lab-files.js';
import { CLIENT_IP, SERVER_DEV, SERVER_IP, hostIp, hostMac, pairs, startIn, waitListen } from './all-net.js';

export const HOSTS = 1000;
export const AGENT_PORT = 161;
const here = fileURLToPath(new URL('.', import.meta.url));
/** The compiled package's entry, as an installed `piman` runs it. */
export const PIMAN = [process.execPath, join(here, 'dist-entry.mjs')];

export interface Sizes {
  readonly singleMib: number;
  readonly setMib: number;
  readonly setFiles: number;
  readonly rootfsMib: number;
}

/** A Pi 4 boot set (a few large files, many small ones), setMib in total: name -> size. */
async function writeSet(root: string, s: Sizes): Promise<Map<string, number>> {
  const shape: Array<[string, number]> = [['kernel8.img', 0.4], ['initramfs8', 0.36], ['start4.elf', 0.11], ['bcm2711-rpi-4-b.dtb', 0.0026], ['fixup4.dat', 0.00026]];
  const total = s.setMib * 1048576;
  const files = new Map<string, number>(shape.map(([n, f]) => [`set/${n}`, Math.max(64, Math.round(total * f))]));
  const used = [...files.values()].reduce((a, b) => a + b, 0);
  const rest = s.setFiles - files.size;
  for (let i = 0; i < rest; i++) files.set(`set/o${i}.dtbo`, Math.max(512, Math.floor((total - used) / rest)));
  await mkdir(join(root, 'set'), { recursive: true });
  for (const [n, size] of files) await writeFile(join(root, n), randomBytes(size));
  return files;
}

export interface Install {
  readonly dir: string;
  readonly boot: string;
  readonly rootfs: string;
  readonly config: string;
  readonly set: Map<string, number>;
}

export async function writeInstall(dir: string, s: Sizes): Promise<Install> {
  const boot = join(dir, 'boot');
  await writeBootFolder(boot);
  await writeFile(join(boot, 'big.bin'), randomBytes(s.singleMib * 1048576));
  const set = await writeSet(boot, s);
  // Incompressible data, so the archive really is rootfsMib of gzip; gzip -1 as a rootfs build would.
  const tree = join(dir, 'tree');
  await mkdir(join(tree, 'bin'), { recursive: true });
  execFileSync('bash', ['-c', `head -c ${s.rootfsMib}M /dev/urandom > ${tree}/blob && echo hi > ${tree}/bin/hello && tar -cf - -C ${tree} . | gzip -1 > ${dir}/rootfs.tgz && rm -rf ${tree}`]);
  const csv = ['switch,port,mac,ip,hostname', ...Array.from({ length: HOSTS }, (_, i) => `sw1,${i + 1},${hostMac(i)},${hostIp(i)},pi${i + 1}`)];
  await writeFile(join(dir, 'hosts.csv'), csv.join('\n') + '\n');
  const config = join(dir, 'piman.yaml');
  await writeFile(
    config,
    [
      '# examples/piman.yaml with the bench namespace addresses and folders',
      `server: { address: ${SERVER_IP}, netmask: 255.255.0.0, interface: ${SERVER_DEV} }`,
      `dhcp: { relays: [${CLIENT_IP}] }`,
      // Every bench client shares one address: the per-address limits would stop the storm at 16.
      // datagrams: native = what `auto` picks after an install with a compiler, and a start error if it is not built.
      'tftp: { root: ./boot, maxTransfers: 400, maxTransfersPerClient: 400, datagrams: native }',
      'install: { rootfs: ./rootfs.tgz }',
      `agent: { address: 127.0.0.1, port: ${AGENT_PORT}, switchPollSeconds: 0 }`,
      'hosts: ./hosts.csv',
      'state: ./state',
      // Nothing answers there: the bench powers nothing.
      `switches: [{ name: sw1, address: 127.0.0.1, port: 16100, ports: ${HOSTS} }]`,
      'log: { level: warn }',
      '',
    ].join('\n'),
  );
  return { dir, boot, rootfs: join(dir, 'rootfs.tgz'), config, set };
}

/** `nodeOptions`: NODE_OPTIONS for the daemon alone (bench/all.ts --daemon-node-options), e.g. V8 heap flags. */
export async function startPiman(inst: Install, nodeOptions?: string): Promise<ChildProcess> {
  const env = { ...process.env, PIMAN_LOG_LEVEL: 'warn', ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) };
  const c = startIn(pairs.piman.server, [...PIMAN, '-c', inst.config, 'server'], env);
  for (const [proto, port] of [['udp', 67], ['udp', 69], ['udp', AGENT_PORT], ['tcp', 3333], ['tcp', 4444]] as const) {
    await waitListen(pairs.piman.server, proto, port, c, 'piman server');
  }
  return c;
}

export async function startSnmpd(dir: string): Promise<ChildProcess> {
  const conf = join(dir, 'snmpd.conf');
  await writeFile(conf, 'rocommunity public 127.0.0.1\n');
  // MIBS="": snmpd needs no MIB files to serve, and Debian's set is incomplete anyway.
  const c = startIn(pairs.peer.server, ['snmpd', '-f', '-Lo', '-C', '-c', conf, `udp:127.0.0.1:${AGENT_PORT}`], { ...process.env, SNMP_PERSISTENT_DIR: dir, MIBS: '' });
  await waitListen(pairs.peer.server, 'udp', AGENT_PORT, c, 'snmpd');
  return c;
}

/** dnsmasq for DHCP as peers.md drove it: static hosts, lease file on, PXE service. */
export async function startDnsmasqDhcp(dir: string): Promise<ChildProcess> {
  await writeFile(join(dir, 'dnsmasq.hosts'), Array.from({ length: HOSTS }, (_, i) => `${hostMac(i)},${hostIp(i)}`).join('\n') + '\n');
  const conf = [
    'port=0',
    `interface=${SERVER_DEV}`,
    'bind-interfaces',
    'dhcp-range=10.78.0.0,static,255.255.0.0,1h',
    `dhcp-hostsfile=${join(dir, 'dnsmasq.hosts')}`,
    `dhcp-leasefile=${join(dir, 'dnsmasq.leases')}`,
    'pxe-service=0,"Raspberry Pi Boot"',
    'no-ping',
    'quiet-dhcp',
    'user=root',
    'pid-file=',
  ];
  await writeFile(join(dir, 'dnsmasq-dhcp.conf'), conf.join('\n') + '\n');
  const c = startIn(pairs.peer.server, ['dnsmasq', '-k', `--conf-file=${join(dir, 'dnsmasq-dhcp.conf')}`, '--log-facility=-']);
  await waitListen(pairs.peer.server, 'udp', 67, c, 'dnsmasq (DHCP)');
  return c;
}

/** Kea dhcp4 with the same 1,000 hosts as reservations, memfile leases persisted (as piman persists its leases). */
export async function startKea(dir: string): Promise<ChildProcess> {
  const conf = {
    Dhcp4: {
      'interfaces-config': { interfaces: [SERVER_DEV], 'dhcp-socket-type': 'udp' },
      'lease-database': { type: 'memfile', persist: true, name: join(dir, 'kea-leases4.csv'), 'lfc-interval': 0 },
      'valid-lifetime': 3600,
      subnet4: [{ id: 1, subnet: '10.78.0.0/16', reservations: Array.from({ length: HOSTS }, (_, i) => ({ 'hw-address': hostMac(i), 'ip-address': hostIp(i) })) }],
      loggers: [{ name: 'kea-dhcp4', output_options: [{ output: 'stderr' }], severity: 'WARN' }],
    },
  };
  await writeFile(join(dir, 'kea.json'), JSON.stringify(conf));
  const c = startIn(pairs.peer.server, ['kea-dhcp4', '-c', join(dir, 'kea.json')], { ...process.env, KEA_LOCKFILE_DIR: dir, KEA_PIDFILE_DIR: dir });
  await waitListen(pairs.peer.server, 'udp', 67, c, 'kea-dhcp4');
  return c;
}

export async function startTftpdHpa(root: string): Promise<ChildProcess> {
  const c = startIn(pairs.peer.server, ['/usr/sbin/in.tftpd', '-L', '-4', '-a', `${SERVER_IP}:69`, '-s', '-u', 'root', '-B', '1468', root]);
  await waitListen(pairs.peer.server, 'udp', 69, c, 'tftpd-hpa');
  return c;
}

export async function startDnsmasqTftp(root: string): Promise<ChildProcess> {
  const c = startIn(pairs.peer.server, ['dnsmasq', '-k', '--port=0', '--enable-tftp', `--tftp-root=${root}`, '--tftp-max=200', `--listen-address=${SERVER_IP}`, '--bind-interfaces', '--conf-file=/dev/null', '--pid-file=', '--user=root', '--log-facility=-']);
  await waitListen(pairs.peer.server, 'udp', 69, c, 'dnsmasq (TFTP)');
  return c;
}

/** The rootfs baseline: busybox `nc -l` sending the archive once. */
export async function startNc(file: string): Promise<ChildProcess> {
  const c = startIn(pairs.peer.server, ['bash', '-c', `exec busybox nc -l -p 4444 < ${file}`]);
  await waitListen(pairs.peer.server, 'tcp', 4444, c, 'nc -l');
  return c;
}
