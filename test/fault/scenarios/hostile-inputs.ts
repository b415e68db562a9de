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
import { createSocket } from 'node:dgram';
import { readFile, rm } from 'node:fs/promises';
import type { TestContext } from 'node:test';
import { freeUdpPort } from '../../../src/lab/free-port.js';
import { PimanProcess, writeSite } from '../site.js';
import type { Rand } from '../rand.js';
import type { ScenarioCount } from '../tally.js';
import { COUNTS, udp } from './hostile/common.js';
import { dhcpInputs, probeDhcp, probeTftp, tftpInputs } from './hostile/udp.js';
import { controlInputs, probeControl, probeTcp, rootfsInputs } from './hostile/tcp.js';
import { configInputs, hostsInputs } from './hostile/parsers.js';

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
      // The last warnings piman logged say why it refused (a limit, the peer check, ...).
      const warned = piman.out.items.filter((j) => Number(j['level']) >= 40).slice(-5).map((j) => String(j['msg']));
      c.crash(`${what} stopped answering: ${(e as Error).message}; piman's last warnings: ${warned.join(' | ') || 'none'}`);
    }
  };

  const linesBefore = piman.out.items.length;
  await dhcpInputs(c, rand, client, site);
  await alive('DHCP', () => probeDhcp(client, replies, site));
  const dhcpLogLines = piman.out.items.length - linesBefore;
  await tftpInputs(c, rand, site);
  await alive('TFTP', () => probeTftp(site));
  await controlInputs(c, rand, site);
  // The hostile lines may have left the probing Pi `up`: piman then ignores its hello until it
  // netboots again (a neighbour cannot pass for a running Pi), so the probe netboots first, as a Pi does.
  await alive('control', async () => {
    await probeDhcp(client, replies, site, 3);
    await probeControl(site, 3);
  });
  await rootfsInputs(c, rand, site);
  await alive('rootfs', () => probeTcp(site.ports.install));
  configInputs(c, rand, await readFile(site.configPath, 'utf8'), site);
  hostsInputs(c, rand, await readFile(`${site.dir}/hosts.csv`, 'utf8'));
  // Every part still answers at the end, not just the last one hit.
  await alive('whole run', async () => {
    await probeDhcp(client, replies, site);
    await probeTftp(site);
    await probeDhcp(client, replies, site, 3);
    await probeControl(site, 3);
  });
  assert.equal(c.crashes, 0, c.problems.join('\n'));
  // A flood must not fill the journal: a few lines per kind of problem and minute, not one per packet.
  assert.ok(dhcpLogLines <= 500, `piman logged ${dhcpLogLines} lines for ${COUNTS.dhcp} hostile DHCP datagrams (one per unknown MAC?)`);
}
