/**
 * SIGKILL at 20 points of a reinstall. piman's install flow (config, hosts,
 * state file, control channel, rootfs stream, boot-machine ticks: the
 * helper of the control-crash test) runs in a child; a scripted Pi goes
 * through a reinstall and piman is killed at the next point: at each step of
 * the conversation and of the stream, and a few ms after the two writes that
 * matter (the `format` decision, the install confirmation). Each time piman
 * is started again on the same state folder and checked:
 *  - the reinstall mark is on disk unless the install was confirmed (lost mark);
 *  - the port ends `up`, or `failed` with a reason, within the boot timeout (stuck port).
 * Then the Pi starts over on the new piman, up to the next point.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { parseSnapshot, type ClusterSnapshot } from '../../../src/store/state-store.js';
import { initialPortState, zeroCounters } from '../../../src/cluster/types.js';
import { JsonLines } from '../../helpers/json-lines.js';
import { LineClient, withTimeout } from '../../helpers/line-client.js';
import { freeUdpPort } from '../../../src/lab/free-port.js';
import { LAB_SWITCH } from '../../../src/lab/lab.js';
import { writeSite, type Site } from '../site.js';
import type { ScenarioCount } from '../tally.js';

const HELPER = new URL('../../helpers/install-daemon.ts', import.meta.url).pathname;
const BOOT_TIMEOUT_S = 1;
const TICK_MS = 100;
/** Pi 1's key in the state file: ports are stored by switch name. */
const PI1 = `${LAB_SWITCH}:1`;
const TRANSITIONAL = new Set(['poweringOn', 'netbooting', 'installing', 'booting']);

/** The steps of one reinstall, as the Pi takes them. */
type Step =
  | 'start'
  | 'connect'
  | 'date'
  | 'sendInstalled'
  | 'format'
  | 'sendFormatted'
  | 'streamConnect'
  | 'streamFirst'
  | 'streamHalf'
  | 'streamAll'
  | 'sendConfirm'
  | 'sendMounted'
  | 'up';

/** Kill points: right after a step, or `ms` after it (racing the state write it caused). */
export const KILL_POINTS: ReadonlyArray<{ step: Step; ms: number }> = [
  { step: 'start', ms: 0 },
  { step: 'connect', ms: 0 },
  { step: 'date', ms: 0 },
  { step: 'sendInstalled', ms: 0 },
  { step: 'sendInstalled', ms: 1 },
  { step: 'sendInstalled', ms: 3 },
  { step: 'sendInstalled', ms: 8 },
  { step: 'format', ms: 0 },
  { step: 'sendFormatted', ms: 0 },
  { step: 'streamConnect', ms: 0 },
  { step: 'streamFirst', ms: 0 },
  { step: 'streamHalf', ms: 0 },
  { step: 'streamAll', ms: 0 },
  { step: 'sendConfirm', ms: 0 },
  { step: 'sendConfirm', ms: 1 },
  { step: 'sendConfirm', ms: 3 },
  { step: 'sendConfirm', ms: 8 },
  { step: 'sendMounted', ms: 0 },
  { step: 'sendMounted', ms: 5 },
  { step: 'up', ms: 0 },
];

interface Running {
  readonly child: ChildProcess;
  readonly out: JsonLines;
  readonly controlPort: number;
  readonly installPort: number;
}

class Stop extends Error {}

/** Two sites, each killed at every other point, side by side: piman's start-up is most of the time. */
export async function sigkillReinstall(t: TestContext, c: ScenarioCount): Promise<void> {
  const numbered = KILL_POINTS.map((p, i) => ({ ...p, n: i + 1 }));
  await Promise.all([0, 1].map((half) => killChain(t, c, numbered.filter((p) => p.n % 2 === half))));
  assert.equal(c.faults, KILL_POINTS.length);
  assert.equal(c.lostMarks + c.stuckPorts, 0, c.problems.join('\n'));
}

async function killChain(t: TestContext, c: ScenarioCount, points: ReadonlyArray<{ step: Step; ms: number; n: number }>): Promise<void> {
  const site = await writeSite({
    pis: 2,
    switchPort: await freeUdpPort(),
    patch: (raw) => {
      raw['boot'] = { timeoutSeconds: BOOT_TIMEOUT_S };
      // The helper runs the install servers only: no DHCP sees the Pi netboot, so none is required.
      raw['dhcp'] = { ...raw['dhcp'], enabled: false };
      raw['control'] = { ...raw['control'], port: 0 };
      raw['install'] = { ...raw['install'], port: 0 };
    },
  });
  const statePath = join(site.dir, 'state', 'cluster.json');
  const children = new Set<ChildProcess>();
  const sockets = new Set<Socket | LineClient>();
  t.after(async () => {
    for (const s of sockets) s instanceof LineClient ? s.close() : s.destroy();
    for (const ch of children) if (ch.exitCode === null && ch.signalCode === null && ch.pid) process.kill(ch.pid, 'SIGKILL');
    await rm(site.dir, { recursive: true, force: true });
  });

  const readState = async (): Promise<ClusterSnapshot> => {
    const snap = parseSnapshot(await readFile(statePath, 'utf8'), statePath);
    if (snap.version !== 2) throw new Error(`${statePath}: piman left a version ${snap.version} state file`);
    return snap;
  };
  /** An operator's SET while piman is down: the Pi on port 1 is up and marked for reinstall. */
  const mark = async (snap: ClusterSnapshot | null): Promise<void> => {
    const now = Date.now();
    const base: ClusterSnapshot = snap ?? { version: 2, ports: {}, counters: zeroCounters(), learned: [] };
    base.ports[PI1] = { ...(base.ports[PI1] ?? { ...initialPortState(now), state: 'up', power: 'on' }), reinstall: true };
    await mkdir(join(site.dir, 'state'), { recursive: true });
    await writeFile(statePath, JSON.stringify(base));
  };

  const start = async (): Promise<Running> => {
    const child = spawn(process.execPath, ['--import', 'tsx', HELPER, site.configPath, String(TICK_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(child);
    const out = new JsonLines(child.stdout!);
    const p = (await out.waitFor((j) => typeof j.controlPort === 'number', 'the install helper to listen', 30_000)) as { controlPort: number; installPort: number };
    return { child, out, controlPort: p.controlPort, installPort: p.installPort };
  };
  const kill = async (r: Running, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const gone = new Promise((res) => r.child.once('exit', res));
    if (r.child.exitCode === null && r.child.signalCode === null) process.kill(r.child.pid!, signal);
    await withTimeout(gone, 10_000, 'piman exits on SIGKILL');
    children.delete(r.child);
  };

  /** Every port ends up or failed-with-a-reason within the boot timeout (plus the tick and a margin). */
  const settled = async (point: string): Promise<ClusterSnapshot> => {
    const deadline = Date.now() + BOOT_TIMEOUT_S * 1000 + 3000;
    for (;;) {
      const snap = await readState();
      const p1 = snap.ports[PI1]!;
      const others = Object.entries(snap.ports).filter(([id, p]) => id !== PI1 && TRANSITIONAL.has(p.state));
      const ok = (p1.state === 'up' || (p1.state === 'failed' && p1.lastError !== '')) && others.length === 0;
      if (ok) return snap;
      if (Date.now() > deadline) {
        c.stuck(`after the kill at ${point}: port 1.1 is ${p1.state} (${JSON.stringify(p1.lastError)})${others.map(([id, p]) => `, ${id} is ${p.state}`).join('')}`);
        return snap;
      }
      await new Promise((res) => setTimeout(res, 50));
    }
  };

  await mark(null);
  let piman = await start();
  for (const point of points) {
    const name = `#${point.n} ${point.step}${point.ms ? ` +${point.ms} ms` : ''}`;
    const before = await readState();
    // The Pi goes through the reinstall until the kill point.
    await runPi(site, piman, point, sockets, () => kill(piman)).catch((e: unknown) => {
      if (!(e instanceof Stop)) throw new Error(`kill point ${name}: ${(e as Error).message}`);
    });
    if (piman.child.exitCode === null && piman.child.signalCode === null) await kill(piman);
    c.faults++;
    const after = await readState();
    const confirmed = after.counters.installsDone > before.counters.installsDone;
    if (!after.ports[PI1]!.reinstall && !confirmed) c.lostMark(`kill at ${name}: the mark is gone from disk and no install was confirmed`);
    // A confirmed install used the mark up; the operator marks the Pi again for the next point.
    if (confirmed) await mark(after);
    piman = await start();
    await settled(name);
  }
  // The last piman finishes one reinstall uninterrupted: the surviving mark makes it format.
  const before = await readState();
  await runPi(site, piman, null, sockets, async () => undefined);
  // A clean stop writes the last state (the kills above are what tests the crashes).
  await kill(piman, 'SIGTERM');
  const end = await readState();
  assert.equal(end.ports[PI1]!.state, 'up');
  assert.equal(end.ports[PI1]!.reinstall, false);
  assert.equal(end.counters.installsDone, before.counters.installsDone + 1);
}

/**
 * One Pi reinstall against piman, from 127.0.1.1 like hosts.csv says; at
 * `stopAt` it calls `kill` (after the step, or `ms` later) and throws Stop.
 */
async function runPi(site: Site, piman: Running, stopAt: { step: Step; ms: number } | null, sockets: Set<Socket | LineClient>, kill: () => Promise<void>): Promise<void> {
  const ip = site.hosts[0]!.ip;
  const at = async (step: Step): Promise<void> => {
    if (!stopAt || stopAt.step !== step) return;
    if (stopAt.ms) await new Promise((r) => setTimeout(r, stopAt.ms));
    await kill();
    throw new Stop();
  };
  await at('start');
  const ctl = await LineClient.connect(piman.controlPort, ip);
  sockets.add(ctl);
  try {
    await at('connect');
    await ctl.commands(1, 10_000);
    await at('date');
    ctl.send('RECEIVED_DATE\nIS_INSTALLED\n');
    await at('sendInstalled');
    const said = await ctl.commands(2, 10_000);
    assert.equal(said[1], 'format', `piman answered ${said[1]} to a Pi marked for reinstall: the mark was lost`);
    await at('format');
    ctl.send('IS_FORMATTED\n');
    await at('sendFormatted');
    const stream = connect({ host: '127.0.0.1', port: piman.installPort, localAddress: ip });
    sockets.add(stream);
    stream.on('error', () => undefined);
    await withTimeout(new Promise((r) => stream.once('connect', r)), 10_000, 'rootfs connection');
    await at('streamConnect');
    const size = (await readFile(join(site.dir, 'rootfs.tgz'))).length;
    let got = 0;
    let stage: Step = 'streamConnect';
    const ended = new Promise<void>((r) => stream.once('end', r));
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        const checks: Array<[Step, number]> = [
          ['streamFirst', 1],
          ['streamHalf', size / 2],
        ];
        stream.on('data', (d: Buffer) => {
          got += d.length;
          while (checks[0] && got >= checks[0][1]) {
            stage = checks.shift()![0];
            if (stopAt?.step === stage) {
              stream.pause();
              at(stage).catch(reject);
              return;
            }
          }
        });
        ended.then(resolve, reject);
      }),
      10_000,
      `the rootfs stream (at ${stage})`,
    );
    assert.equal(got, size, 'the whole archive arrived');
    await at('streamAll');
    stream.destroy();
    ctl.send('IS_INSTALLED\n');
    await at('sendConfirm');
    // The Pi mounts after unpacking; piman must have counted the archive as sent by then (or it aborts the install).
    await piman.out.waitFor((j) => j.port === '1.1' && j.to === 'booting', 'the install confirmed', 10_000);
    ctl.send('FINISHED MOUNTING\n');
    await at('sendMounted');
    await piman.out.waitFor((j) => j.port === '1.1' && j.to === 'up', 'port 1.1 up', 10_000);
    await at('up');
  } finally {
    ctl.close();
  }
}
