/**
 * A Pi that vanishes: its PoE port goes dark at the (simulated) switch in the
 * middle of its TFTP downloads and in the middle of its install, without
 * piman asking for it; and a Pi whose connections stay open but silent in
 * the middle of the rootfs stream (a cable pulled: no FIN ever comes). piman
 * must fail the port with a reason after boot.timeoutSeconds, keep the
 * reinstall mark, and release the TFTP transfers and TCP connections.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import type { TestContext } from 'node:test';
import { Lab, labParts } from '../../../src/lab/lab.js';
import { until } from '../../../src/lab/run-lab.js';
import { silentLogger } from '../../../src/log.js';
import type { TftpPart } from '../../../src/tftp/part.js';
import { tftpFromConfig } from '../../../src/parts.js';
import type { PiPhase } from '../../../src/lab/virtual-pi.js';
import { eventually } from '../../helpers/eventually.js';
import { LineClient, withTimeout } from '../../helpers/line-client.js';
import type { ScenarioCount } from '../tally.js';

const BOOT_TIMEOUT_S = 2;
const TRANSITIONAL = new Set(['poweringOn', 'netbooting', 'installing', 'booting']);

/** Established TCP connections whose local port is `port` (piman's side). */
function connectionsOn(port: number): number {
  const out = execFileSync('ss', ['-Htn', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.trim()).length;
}

export async function vanishingPi(t: TestContext, c: ScenarioCount): Promise<void> {
  const log = silentLogger();
  let tftp: TftpPart | null = null;
  const lab = await Lab.start({
    pis: 2,
    model: 4,
    log,
    switchLog: log,
    parts: labParts().map((f) => (f === tftpFromConfig ? (ctx) => (tftp = tftpFromConfig(ctx)) : f)),
    configure: (raw) => {
      raw['boot'] = { timeoutSeconds: BOOT_TIMEOUT_S };
      raw['tftp'] = { ...raw['tftp'], timeoutSeconds: 0.3, retries: 2 };
      raw['control'] = { ...raw['control'], timeoutSeconds: 2 };
      raw['install'] = { ...raw['install'], timeoutSeconds: 2 };
    },
  });
  t.after(() => lab.stop());
  const cluster = lab.daemon.ctx.cluster;
  const power = lab.daemon.ctx.power;
  const active = (): number => (tftp as TftpPart | null)?.server?.activeTransfers ?? -1;
  const key1 = { switchIndex: 1, port: 1 };
  const pi1 = lab.pis[0]!;

  /** The port fails with a reason within the boot timeout (plus a tick and a margin), keeping the mark when it had one. */
  const failsWithReason = async (key: typeof key1, what: string, marked: boolean): Promise<void> => {
    try {
      await until(lab, () => cluster.port(key)?.state === 'failed', (BOOT_TIMEOUT_S + 3) * 1000, `${what}: port failed`);
    } catch {
      const p = cluster.port(key)!;
      if (TRANSITIONAL.has(p.state)) c.stuck(`${what}: port ${key.port} is ${p.state}`);
      assert.fail(`${what}: port ${key.port} is ${p.state}, not failed`);
    }
    const p = cluster.port(key)!;
    assert.match(p.lastError, /\w/, `${what}: a reason`);
    if (marked && !p.reinstall) c.lostMark(`${what}: the mark is gone`);
  };

  /** Powers port 1 through piman and cuts its power at the switch as the Pi enters `phase`. */
  const vanishAt = async (phase: PiPhase): Promise<void> => {
    const cut = new Promise<void>((resolve) => {
      const on = (p: PiPhase): void => {
        if (p !== phase) return;
        pi1.off('phase', on);
        lab.sim.setPower(1, 'off');
        c.faults++;
        resolve();
      };
      pi1.on('phase', on);
    });
    await power.cycle([key1]);
    await withTimeout(cut, 30_000, `Pi 1 reaches ${phase}`);
    await eventually(() => !pi1.powered, 'the switch cut Pi 1', 5000);
  };

  // 1. Mid-TFTP: the transfers time out and are released, the port fails.
  await vanishAt('tftp');
  await failsWithReason(key1, 'vanished mid-TFTP', false);
  await eventually(() => active() === 0, 'TFTP transfers released', 5000);

  // 2. Mid-install (marked for reinstall): the mark stays, the connections close.
  cluster.apply(key1, { type: 'markReinstall' });
  await vanishAt('installing');
  await failsWithReason(key1, 'vanished mid-install', true);
  await eventually(() => connectionsOn(lab.ports.control) + connectionsOn(lab.ports.install) === 0, 'control and rootfs connections released', 8000);

  // 3. Silent mid-stream with the sockets left open (no FIN): piman's timeouts close them.
  const key2 = { switchIndex: 1, port: 2 };
  const ip2 = lab.hosts[1]!.ip;
  // Its boot ROM's PXE DHCP, as piman would see it (the rootfs goes only to a Pi that netbooted).
  cluster.apply(key2, { type: 'dhcp', pxe: true });
  const ctl = await LineClient.connect(lab.ports.control, ip2);
  t.after(() => ctl.close());
  await ctl.commands(1, 5000);
  ctl.send('IS_UNINSTALLED\n');
  assert.equal((await ctl.commands(2, 5000))[1], 'format');
  ctl.send('IS_FORMATTED\n');
  const stream = connect({ host: '127.0.0.1', port: lab.ports.install, localAddress: ip2 });
  t.after(() => stream.destroy());
  stream.on('error', () => undefined);
  await withTimeout(new Promise<void>((r) => stream.once('data', () => (stream.pause(), r()))), 5000, 'first rootfs bytes');
  c.faults++;
  await failsWithReason(key2, 'silent mid-stream', true);
  await eventually(() => ctl.socket.destroyed || ctl.socket.readableEnded, 'piman closes the silent control connection', 8000);
  await eventually(() => connectionsOn(lab.ports.control) + connectionsOn(lab.ports.install) === 0, 'connections of the silent Pi released', 8000);

  // The vanished Pi comes back: a power cycle reinstalls it (the mark survived) and it is up.
  await power.cycle([key1]);
  await until(lab, () => cluster.port(key1)?.state === 'up' && !cluster.port(key1)?.reinstall, 30_000, 'Pi 1 reinstalled and up');
}
