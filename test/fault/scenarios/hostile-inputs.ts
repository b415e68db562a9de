/**
 * Hostile inputs against `piman server` in a child process: mutated Pi DHCP
 * packets, mutated TFTP requests and ACK/ERRORs inside live transfers,
 * random control-channel lines (long, binary, half-open connections) and
 * random rootfs connections; and, in process, mutated piman.yaml through the
 * config loader and mutated hosts.csv through its parser. A crash is the
 * process gone or a port that no longer answers; a parser that throws
 * anything but a PimanError counts as a crash too.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { readFile, rm } from 'node:fs/promises';
import type { TestContext } from 'node:test';
import { pi3Discover, pi4Discover, pi4Request } from '../../vectors/dhcp-pi.js';
import { decodeDhcp } from '../../../src/dhcp/packet.js';
import { macToBytes } from '../../../src/cluster/mac.js';
import { parseConfigText } from '../../../src/config/load.js';
import { parseHostsText } from '../../../src/config/hosts.js';
import { isPimanError } from '../../../src/errors.js';
import { freeUdpPort } from '../../../src/lab/free-port.js';
import { LAB_SWITCH } from '../../../src/lab/lab.js';
import { PimanProcess, writeSite, type Site } from '../site.js';
import type { Rand } from '../rand.js';
import type { ScenarioCount } from '../tally.js';

const tftpVectors = JSON.parse(await readFile(new URL('../../vectors/tftp-packets.json', import.meta.url), 'utf8')) as Record<'good' | 'bad', Array<{ hex: string }>>;
const TFTP_SEEDS = [...tftpVectors.good, ...tftpVectors.bad].map((v) => Buffer.from(v.hex, 'hex'));

/** How many of each per run: 50,000+ in all, a few seconds each. */
export const COUNTS = { dhcp: 32_000, tftp: 10_000, controlLines: 8_000, rootfs: 1_000, config: 2_500, hosts: 4_000 };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function udp(address = '127.0.0.1'): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, address, () => resolve(s));
  });
}

function send(s: UdpSocket, b: Buffer, port: number): Promise<void> {
  return new Promise((r) => s.send(b, port, '127.0.0.1', () => r()));
}

export async function hostileInputs(t: TestContext, c: ScenarioCount, rand: Rand): Promise<void> {
  const deadSwitch = await freeUdpPort();
  const site = await writeSite({
    pis: 4,
    switchPort: deadSwitch,
    patch: (raw) => {
      // Abandoned transfers and idle connections end fast, so the run measures handling, not waiting.
      raw['tftp'] = { ...raw['tftp'], timeoutSeconds: 0.2, retries: 1 };
      raw['control'] = { ...raw['control'], timeoutSeconds: 2 };
      raw['install'] = { ...raw['install'], timeoutSeconds: 2 };
    },
  });
  const piman = await PimanProcess.start(site.configPath);
  t.after(async () => {
    await piman.kill();
    await rm(site.dir, { recursive: true, force: true });
  });
  const client = await udp();
  // The DHCP replies (and the probes' answers) arrive here.
  const replies = createSocket('udp4');
  await new Promise<void>((r) => replies.bind(site.ports.dhcpClient, '127.0.0.1', () => r()));
  t.after(() => {
    client.close();
    replies.close();
  });

  const alive = async (what: string, probe: () => Promise<void>): Promise<void> => {
    if (!piman.alive) {
      c.crash(`piman exited after the ${what} inputs: ${piman.stderr.slice(-500)}`);
      return;
    }
    try {
      await probe();
    } catch (e) {
      c.crash(`${what} stopped answering: ${(e as Error).message}`);
    }
  };

  await dhcpInputs(c, rand, client, site);
  await alive('DHCP', () => probeDhcp(client, replies, site));
  await tftpInputs(c, rand, site);
  await alive('TFTP', () => probeTftp(site));
  await controlInputs(c, rand, site);
  await alive('control', () => probeControl(site));
  await rootfsInputs(c, rand, site);
  await alive('rootfs', () => probeTcp(site.ports.install));
  configInputs(c, rand, await readFile(site.configPath, 'utf8'), site);
  hostsInputs(c, rand, await readFile(`${site.dir}/hosts.csv`, 'utf8'));
  // Every part still answers at the end, not just the last one hit.
  await alive('whole run', async () => {
    await probeDhcp(client, replies, site);
    await probeTftp(site);
    await probeControl(site);
  });
  assert.equal(c.crashes, 0, c.problems.join('\n'));
}

async function dhcpInputs(c: ScenarioCount, rand: Rand, s: UdpSocket, site: Site): Promise<void> {
  const known = [...macToBytes(site.hosts[0]!.identity.mac)];
  const seeds = [pi3Discover(), pi4Discover(), pi4Request([127, 0, 1, 1], [127, 0, 0, 1]), pi4Discover(known, 1), pi4Request([127, 0, 1, 1], [127, 0, 0, 1], known, 1)];
  for (let i = 0; i < COUNTS.dhcp; i++) {
    const kind = rand.int(10);
    let b: Buffer;
    if (kind < 7) b = rand.mutate(rand.pick(seeds), 1500);
    else if (kind < 9) b = pi4Discover([0x02, ...rand.bytes(5)], rand.int(2 ** 32)); // unknown MACs
    else b = rand.bytes(rand.int(600));
    await send(s, b, site.ports.dhcp);
    c.inputs.DHCP++;
    // Paced: a burst that overflows the receive buffer proves nothing.
    if (i % 200 === 199) await sleep(3);
  }
}

async function probeDhcp(s: UdpSocket, replies: UdpSocket, site: Site): Promise<void> {
  const xid = 0x5a000000 + Math.floor(Math.random() * 0xffffff);
  const mac = [...macToBytes(site.hosts[1]!.identity.mac)];
  const got = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => (replies.off('message', on), clearInterval(again), reject(new Error('no DHCP OFFER within 5 s'))), 5000);
    const on = (msg: Buffer): void => {
      try {
        if (decodeDhcp(msg).xid !== xid) return;
      } catch {
        return;
      }
      clearTimeout(timer);
      clearInterval(again);
      replies.off('message', on);
      resolve();
    };
    replies.on('message', on);
  });
  // Retransmitted like a Pi does: the one right after a flood may wait behind it in a full socket buffer.
  const discover = pi4Discover(mac, xid);
  const again = setInterval(() => void send(s, discover, site.ports.dhcp), 1000);
  await send(s, discover, site.ports.dhcp);
  await got;
}

/** An RRQ as a client would write it. */
function rrq(file: string, opts: Array<[string, string]> = []): Buffer {
  return Buffer.concat([Buffer.from([0, 1]), Buffer.from(`${file}\0octet\0`), ...opts.map(([k, v]) => Buffer.from(`${k}\0${v}\0`))]);
}

async function tftpInputs(c: ScenarioCount, rand: Rand, site: Site): Promise<void> {
  const names = ['bootcode.bin', 'start4.elf', 'cmdline.txt', '../../../etc/passwd', '/etc/shadow', 'a'.repeat(600), 'overlays/../../x', '10000001/start4.elf', '', '.', 'boot\\..\\x'];
  const socks = await Promise.all(Array.from({ length: 8 }, () => udp()));
  try {
    let sent = 0;
    // Half the inputs: mutated requests and stray packets at the server port.
    while (sent < COUNTS.tftp / 2) {
      const s = rand.pick(socks);
      const k = rand.int(4);
      const b =
        k === 0
          ? rrq(rand.pick(names), rand.int(2) ? [['tsize', '0'], ['blksize', rand.pick(['0', '7', '1024', '65465', '-1', '1e9', 'x'])]] : [])
          : k === 1
            ? rand.mutate(rand.pick(TFTP_SEEDS), 700)
            : k === 2
              ? Buffer.concat([Buffer.from([0, rand.pick([2, 3, 4, 5, 6, 0, 9])]), rand.bytes(rand.int(40))])
              : rand.bytes(rand.int(100));
      await send(s, b, site.ports.tftp);
      c.inputs.TFTP++;
      sent++;
      if (sent % 100 === 0) await sleep(3);
    }
    // The other half inside live transfers: a real request, then hostile ACKs/ERRORs to its transfer port.
    // Each transfer from a new port, as clients do (the same file again from the same port is a retransmission).
    while (sent < COUNTS.tftp) {
      const peer = await udp();
      try {
        const tid = await openTransfer(peer, site.ports.tftp, rand.pick(['bootcode.bin', 'start4.elf', 'kernel8.img']));
        c.inputs.TFTP++;
        sent++;
        for (let j = 0; j < 20 && sent < COUNTS.tftp; j++, sent++) {
          const k = rand.int(4);
          const b =
            k === 0
              ? Buffer.from([0, 4, rand.int(256), rand.int(256)]) // ACK of any block
              : k === 1
                ? Buffer.concat([Buffer.from([0, 5, 0, rand.int(9)]), rand.bytes(rand.int(30))]) // ERROR, maybe without NUL
                : k === 2
                  ? rand.mutate(Buffer.from([0, 4, 0, 1]), 64)
                  : rand.bytes(rand.int(20));
          await send(peer, b, tid);
          c.inputs.TFTP++;
        }
      } finally {
        peer.close();
      }
    }
  } finally {
    for (const s of socks) s.close();
  }
}

/**
 * Sends an RRQ from `s` and returns the transfer's port (from its first
 * answer). Repeated every second like a real client: right after a burst the
 * server's socket buffer may be full and drop it.
 */
function openTransfer(s: UdpSocket, port: number, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const again = setInterval(() => void send(s, rrq(file), port), 1000);
    const timer = setTimeout(() => (clearInterval(again), s.off('message', on), reject(new Error(`no answer to RRQ ${file} within 5 s`))), 5000);
    const on = (_m: Buffer, from: { port: number }): void => {
      if (from.port === port) return;
      clearTimeout(timer);
      clearInterval(again);
      s.off('message', on);
      resolve(from.port);
    };
    s.on('message', on);
    void send(s, rrq(file), port);
  });
}

async function probeTftp(site: Site): Promise<void> {
  const s = await udp();
  try {
    const got = new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no TFTP DATA within 5 s')), 5000);
      s.on('message', (m) => {
        if (m.readUInt16BE(0) === 3) {
          clearTimeout(timer);
          resolve(m);
        }
      });
    });
    const again = setInterval(() => void send(s, rrq('cmdline.txt'), site.ports.tftp), 1000);
    await send(s, rrq('cmdline.txt'), site.ports.tftp);
    const data = await got.finally(() => clearInterval(again));
    assert.match(data.subarray(4).toString(), /master=127\.0\.0\.1/);
  } finally {
    s.close();
  }
}

const TOKENS = ['IS_INSTALLED', 'IS_UNINSTALLED', 'IS_FORMATTED', 'RECEIVED_DATE', 'MOUNTING', 'FINISHED_MOUNTING', 'FINISHED MOUNTING', 'EOM', '+ send IS_UNINSTALLED', 'INSTALL_FAILED x', 'boot', 'format'];

function hostileLine(rand: Rand): Buffer {
  switch (rand.int(6)) {
    case 0:
      return Buffer.from(rand.pick(TOKENS) + rand.pick(['\n', '\r\n', '\n\n', ' \n']));
    case 1:
      return Buffer.concat([rand.bytes(rand.int(200)), Buffer.from('\n')]);
    case 2:
      return Buffer.from('A'.repeat(4000 + rand.int(20_000)) + '\n'); // overlong: cut, not buffered
    case 3:
      return Buffer.from(rand.pick(TOKENS).slice(0, 1 + rand.int(8))); // a line cut mid-way
    case 4:
      return Buffer.concat([Buffer.from(rand.pick(TOKENS)), Buffer.from([0, 0xff, 0xfe]), Buffer.from('\n')]);
    default:
      return rand.mutate(Buffer.from(rand.pick(TOKENS) + '\n'), 300);
  }
}

function tcp(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Waits until the server closes `s` or `ms` pass, then makes sure it is closed. */
function settle(s: Socket, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      s.destroy();
      resolve();
    };
    const timer = setTimeout(done, ms);
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    s.once('close', done);
  });
}

async function controlInputs(c: ScenarioCount, rand: Rand, site: Site): Promise<void> {
  const piIps = site.hosts.map((h) => h.ip);
  let lines = 0;
  while (lines < COUNTS.controlLines) {
    const batch: Promise<void>[] = [];
    for (let k = 0; k < 32 && lines < COUNTS.controlLines; k++) {
      const n = 1 + rand.int(60);
      const chunks: Buffer[] = [];
      for (let i = 0; i < n; i++) chunks.push(hostileLine(rand));
      lines += n;
      c.inputs.control += n;
      const from = rand.int(10) === 0 ? '127.0.0.9' : rand.pick(piIps);
      const how = rand.int(3);
      batch.push(
        tcp(site.ports.control, from).then(
          (s) => {
            s.on('error', () => undefined);
            // Dribbled in small pieces or sent at once; then closed, half-closed, or left open.
            const all = Buffer.concat(chunks);
            if (rand.int(2)) s.write(all);
            else {
              const piece = all.length > 4096 ? 1024 : 7;
              for (let at = 0; at < all.length; at += piece) s.write(all.subarray(at, at + piece));
            }
            if (how === 0) s.destroy();
            else if (how === 1) s.end();
            return settle(s, how === 2 ? 150 : 50);
          },
          () => undefined,
        ),
      );
    }
    await Promise.all(batch);
  }
}

async function probeControl(site: Site): Promise<void> {
  const s = await tcp(site.ports.control, site.hosts[3]!.ip);
  try {
    const first = await new Promise<string>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error('no date line within 5 s')), 5000);
      s.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('\n')) {
          clearTimeout(timer);
          resolve(buf.split('\n')[0]!);
        }
      });
      s.on('close', () => reject(new Error('control channel closed without a line')));
    });
    assert.match(first, /^busybox date -s \d{12}\.\d{2}$/);
  } finally {
    s.destroy();
  }
}

async function rootfsInputs(c: ScenarioCount, rand: Rand, site: Site): Promise<void> {
  const froms = [...site.hosts.map((h) => h.ip), '127.0.0.9', '127.0.0.1'];
  for (let done = 0; done < COUNTS.rootfs; ) {
    const batch: Promise<void>[] = [];
    for (let k = 0; k < 25 && done < COUNTS.rootfs; k++, done++) {
      c.inputs.rootfs++;
      batch.push(
        tcp(site.ports.install, rand.pick(froms)).then(
          (s) => {
            s.on('error', () => undefined);
            if (rand.int(2)) s.write(rand.bytes(rand.int(2000)));
            if (rand.int(2)) s.end();
            return settle(s, 30);
          },
          () => undefined,
        ),
      );
    }
    await Promise.all(batch);
  }
}

async function probeTcp(port: number): Promise<void> {
  const s = await tcp(port, '127.0.0.1');
  s.destroy();
}

const YAML_BITS = ['&a', '*a', '*b', '<<: *a', '!!binary', '!!js/function', '{', '}', '[', ']', '- - -', ': :', '? ', '|', '>', '%YAML 1.1', '---', '...', '\t', '"\\u0000"', "'", '1e999', '-0', '0x1F', '~', 'null', '[[[[[[[[[[', '&x [*x]'];

function configInputs(c: ScenarioCount, rand: Rand, base: string, site: Site): void {
  const lines = base.split('\n');
  for (let i = 0; i < COUNTS.config; i++) {
    let text: string;
    const k = rand.int(4);
    if (k === 0) text = rand.mutate(Buffer.from(base), 8000).toString('latin1');
    else if (k === 1) {
      const ls = [...lines];
      const at = rand.int(ls.length);
      ls.splice(at, rand.int(2), ls[at]!.replace(/: .*/, `: ${rand.pick(YAML_BITS)}`));
      text = ls.join('\n');
    } else if (k === 2) {
      const ls = [...lines];
      ls.splice(rand.int(ls.length), 0, `${' '.repeat(rand.int(6))}${rand.pick(YAML_BITS)} ${rand.pick(YAML_BITS)}`);
      text = ls.join('\n');
    } else {
      // Alias bombs and deep nesting.
      text = rand.int(2) ? `a: &a [x, x, x, x]\n${Array.from({ length: 12 }, (_, j) => `b${j}: &b${j} [*${j ? `b${j - 1}` : 'a'}, *${j ? `b${j - 1}` : 'a'}]`).join('\n')}\n` : '['.repeat(1 + rand.int(3000));
    }
    c.inputs.config++;
    try {
      parseConfigText(text, `${site.dir}/piman.yaml`);
    } catch (e) {
      if (!isPimanError(e)) c.crash(`config loader threw ${(e as Error)?.name}: ${String((e as Error)?.message).slice(0, 200)} on ${JSON.stringify(text.slice(0, 200))}`);
    }
  }
}

function hostsInputs(c: ScenarioCount, rand: Rand, base: string): void {
  const switches = [{ index: 1, name: LAB_SWITCH, address: '127.0.0.1', ports: 4 }];
  const oldForm = 'b8:27:eb:00:00:01;127.0.1.1;pi1;0\nb8:27:eb:00:00:02;127.0.1.2;pi2;0\n';
  const bits = ['"', '""', ',', ';', '\r', '\n', '\ufeff', '\0', 'zz:zz', '999', '-1', '256.0.0.1', 'b8:27:eb:00:00:01', '127.0.1.1', LAB_SWITCH];
  for (let i = 0; i < COUNTS.hosts; i++) {
    const src = rand.int(3) ? base : oldForm;
    let text: string;
    if (rand.int(2)) text = rand.mutate(Buffer.from(src), 4000).toString('utf8');
    else {
      const cells = src.split(/([,;\n])/);
      for (let e = 0; e < 1 + rand.int(3); e++) cells[rand.int(cells.length)] = rand.pick(bits);
      text = cells.join('');
    }
    c.inputs['hosts.csv']++;
    try {
      parseHostsText(text, 'hosts.csv', switches);
    } catch (e) {
      if (!isPimanError(e)) c.crash(`hosts.csv parser threw ${(e as Error)?.name}: ${String((e as Error)?.message).slice(0, 200)} on ${JSON.stringify(text.slice(0, 200))}`);
    }
  }
}
