/**
 * What `piman lab` does: start a Lab, boot every Pi with a live view, print
 * how to reach the agent; then either wait for Ctrl-C or (--demo) reinstall
 * a few ports through SNMP, wait for them, print the inventory and return.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { createLogger, type Logger } from '../log.js';
import { describeError, PimanError } from '../errors.js';
import { Lab, WATCHABLE_TIMING } from './lab.js';
import { LiveView, type ViewRow } from './live-view.js';
import { openAgentSession, setReinstall, snmpCommandLines, walkInventory, type InventoryRow } from './lab-snmp.js';
import { modelList, type LabModels } from './pi-profile.js';
import type { PiTiming } from './virtual-pi.js';

export interface RunLabOptions {
  readonly pis: number;
  readonly model: LabModels;
  readonly demo: boolean;
  readonly verbose: boolean;
  readonly keep: boolean;
  readonly out: NodeJS.WritableStream & { isTTY?: boolean };
  /** Virtual Pi timing (default: WATCHABLE_TIMING; tests pass faster). */
  readonly timing?: Partial<PiTiming>;
  /** Requests per second the simulated switch serves (drops what it cannot hold); 0 or absent = unlimited. */
  readonly switchRate?: number;
  /** Aborted when the user wants to stop (Ctrl-C): ends the lab cleanly wherever it is. */
  readonly signal?: AbortSignal;
}

export const FIRST_RELEASE = 'piman-lab rootfs 1';
export const SECOND_RELEASE = 'piman-lab rootfs 2';

/** Ports the demo reinstalls: first, middle and last (as many as there are, up to 3). */
export function demoPorts(n: number): number[] {
  return [...new Set([1, Math.ceil(n / 2), n])].slice(0, Math.min(3, n));
}

export function rowsOf(lab: Lab): ViewRow[] {
  return lab.daemon.ctx.cluster.ports().map((port, i) => ({ port, release: lab.pis[i]?.disk?.release ?? null }));
}

/** Resolves once `check()` holds, re-checking on every cluster change and Pi phase; rejects after timeoutMs. */
export function until(lab: Lab, check: () => boolean, timeoutMs: number, what: string, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Interrupted());
    if (check()) return resolve();
    const pis = lab.pis;
    const recheck = (): void => {
      if (!check()) return;
      cleanup();
      resolve();
    };
    const off = lab.daemon.ctx.cluster.on(recheck);
    for (const p of pis) p.on('phase', recheck);
    // Changes without a cluster event (install progress) are caught by a slow safety re-check.
    const poll = setInterval(recheck, 500);
    const t = setTimeout(() => {
      cleanup();
      reject(new PimanError('E_PORT_BUSY', `lab: ${what} did not happen within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    const onAbort = (): void => {
      cleanup();
      reject(new Interrupted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    function cleanup(): void {
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(t);
      clearInterval(poll);
      off();
      for (const p of pis) p.off('phase', recheck);
    }
  });
}

/** The user stopped the lab (Ctrl-C) before it was done. */
class Interrupted extends Error {
  constructor() {
    super('stopped');
  }
}

export async function runLab(o: RunLabOptions): Promise<number> {
  const started = Date.now();
  const secs = (): string => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const say = (s: string): void => void o.out.write(s + '\n');
  const log: Logger = createLogger({ level: o.verbose ? 'info' : 'warn', pretty: true });
  const lab = await Lab.start({
    pis: o.pis,
    model: o.model,
    log,
    switchLog: createLogger({ level: o.verbose ? 'info' : 'warn', pretty: true }),
    keep: o.keep,
    timing: o.timing ?? WATCHABLE_TIMING,
    switchRate: o.switchRate ?? 0,
  });
  // How late piman's event loop ran once the lab stood (it shares the process with the virtual Pis; the switch has its own thread).
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const view = new LiveView(() => rowsOf(lab), o.out, started);
  const small = o.pis <= 24;
  const offTransitions = !view.tty && small
    ? lab.daemon.ctx.cluster.on(({ port, effect }) => {
        if (effect.type === 'stateChanged') say(`  ${secs().padStart(7)}  port ${port.port} ${port.hostname ?? ''}: ${effect.from} -> ${effect.to}${port.lastError ? ` (${port.lastError})` : ''}`);
      })
    : () => true;
  try {
    const a = lab.config.agent;
    const models = modelList(o.model);
    const kind = models.length === 1 ? `Raspberry Pi ${models[0]}${o.pis > 1 ? 's' : ''}` : `Raspberry Pis (models ${models.join(', ')} in turn)`;
    say(`piman lab: ${o.pis} virtual ${kind} on a simulated PoE switch, piman on loopback`);
    say(`  folder      ${lab.dir}${o.keep ? ' (kept)' : ' (removed at exit; --keep keeps it)'}`);
    say(`  config      ${lab.configPath}`);
    say(`  SNMP agent  ${a.address}:${a.port}  (read community '${a.readCommunity}', write '${a.writeCommunity}')`);
    const sw = lab.config.switches[0]!;
    const rate = o.switchRate ? `, serves ${o.switchRate} requests/s and drops the excess` : '';
    say(`  switch      ${lab.sim.address}:${lab.sim.port}  (POWER-ETHERNET-MIB${rate}; piman: at most ${sw.maxInFlight} requests at once, ${sw.maxVarbinds} ports per SET)`);
    say('');
    say(`Booting: piman powers every port on; first boots install ${FIRST_RELEASE}.`);
    view.start();
    await lab.powerOnAll();
    await until(lab, () => lab.daemon.ctx.cluster.ports().every((p) => p.state === 'up' || p.state === 'failed'), 30_000 + o.pis * 300, 'every Pi up', o.signal);
    view.stop();
    const failed = lab.daemon.ctx.cluster.ports().filter((p) => p.state !== 'up');
    if (failed.length) throw new PimanError('E_PORT_BUSY', `lab: ${failed.length} port(s) failed to boot: ${failed.slice(0, 5).map((p) => `${p.port} (${p.lastError})`).join(', ')}`);
    say(`All ${o.pis} Pis are up after ${secs()}.`);
    say(await switchLine(lab));
    say('');
    say('Try it (paste in another terminal):');
    for (const l of snmpCommandLines(a.address, a.port, a.readCommunity, a.writeCommunity, demoPorts(o.pis).at(-1)!)) say(`  ${l}`);
    say('');
    if (!o.demo) {
      say('piman lab is running; Ctrl-C stops it.');
      view.start();
      await until(lab, () => false, 2 ** 31 - 1, 'Ctrl-C', o.signal).catch(() => undefined);
      view.stop();
      return 0;
    }
    return await demo(lab, o, view, say, secs, loop);
  } catch (e) {
    view.stop();
    if (e instanceof Interrupted) {
      say('piman lab: stopped before it was done.');
      return 130;
    }
    say(`piman lab: ${describeError(e)}`);
    return 1;
  } finally {
    loop.disable();
    offTransitions();
    await lab.stop();
  }
}

/** Peak RSS and worst event-loop delay of this process (piman and the virtual Pis). */
export function processLine(loop: IntervalHistogram): string {
  const rssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  return `piman's process (with the virtual Pis): peak RSS ${rssMb} MB, worst event-loop delay ${Math.round(loop.max / 1e6)} ms.`;
}

async function demo(lab: Lab, o: RunLabOptions, view: LiveView, say: (s: string) => void, secs: () => string, loop: IntervalHistogram): Promise<number> {
  const a = lab.config.agent;
  const ports = demoPorts(o.pis);
  await lab.writeRootfs(SECOND_RELEASE);
  say(`Demo: rootfs.tgz now holds ${SECOND_RELEASE}; reinstalling port${ports.length > 1 ? 's' : ''} ${ports.join(', ')} through SNMP:`);
  const before = lab.daemon.ctx.cluster.getCounters().installsDone;
  const session = openAgentSession(a.address, a.port, a.writeCommunity);
  try {
    for (const p of ports) {
      say(`  snmpset ${a.address}:${a.port} pimanPortReinstall.1.${p} = true(1)`);
      await setReinstall(session, 1, p);
    }
    view.start();
    const cluster = lab.daemon.ctx.cluster;
    await until(
      lab,
      () =>
        ports.every((p) => {
          const v = cluster.port({ switchIndex: 1, port: p });
          return v?.state === 'up' && !v.reinstall && lab.pis[p - 1]?.disk?.release === SECOND_RELEASE;
        }) || cluster.ports().some((p) => p.state === 'failed'),
      60_000,
      'the reinstalls',
      o.signal,
    );
    view.stop();
    const done = cluster.getCounters().installsDone - before;
    say(`Reinstalled ${ports.length} port(s) after ${secs()} (installs done: +${done}).`);
    say('');
    const rows = await walkInventory(openAgentSessionFor(lab));
    printInventory(rows, lab, say);
    const problems = checkInventory(rows, lab, ports);
    if (problems.length) {
      for (const p of problems) say(`  problem: ${p}`);
      return 1;
    }
    say('');
    say(await switchLine(lab));
    say(processLine(loop));
    say(`Demo finished in ${secs()}: every port up, ${ports.length} reinstalled with ${SECOND_RELEASE}.`);
    return 0;
  } finally {
    session.close();
  }
}

/** What the switch saw (its own count) and what piman's queue did. */
export async function switchLine(lab: Lab): Promise<string> {
  const load = await lab.sim.load();
  const st = lab.daemon.ctx.switches.get(1)?.stats?.();
  const seen = load ? `${load.received} requests, at most ${load.peakInFlight} at once, ${load.dropped} dropped` : 'no answer from its thread';
  const queue = st ? `; piman retried ${st.retried}, ${st.timedOut} timed out` : '';
  return `Switch ${lab.config.switches[0]!.name}: ${seen}${queue}.`;
}

function openAgentSessionFor(lab: Lab): ReturnType<typeof openAgentSession> {
  const a = lab.config.agent;
  return openAgentSession(a.address, a.port, a.readCommunity);
}

function printInventory(rows: readonly InventoryRow[], lab: Lab, say: (s: string) => void): void {
  say('Inventory (snmpwalk pimanPortTable):');
  say('  port  hostname  MAC                IP            state   rootfs');
  for (const r of rows) {
    const release = lab.pis[r.port - 1]?.disk?.release ?? '-';
    say(`  ${String(r.port).padStart(4)}  ${r.hostname.padEnd(8)}  ${r.mac.padEnd(17)}  ${r.ip.padEnd(12)}  ${r.state.padEnd(6)}  ${release}${r.lastError ? `  ! ${r.lastError}` : ''}`);
  }
}

/** What must hold at the end of the demo; each problem is one line. */
export function checkInventory(rows: readonly InventoryRow[], lab: Lab, reinstalled: readonly number[]): string[] {
  const problems: string[] = [];
  if (rows.length !== lab.hosts.length) problems.push(`the walk returned ${rows.length} ports, hosts.csv has ${lab.hosts.length}`);
  for (const h of lab.hosts) {
    const r = rows.find((x) => x.port === h.port);
    if (!r) continue;
    if (r.mac !== h.identity.mac || r.ip !== h.ip || r.hostname !== h.hostname) {
      problems.push(`port ${h.port}: walk says ${r.mac} ${r.ip} ${r.hostname}, hosts.csv ${h.identity.mac} ${h.ip} ${h.hostname}`);
    }
    if (r.state !== 'up') problems.push(`port ${h.port} is ${r.state}${r.lastError ? `: ${r.lastError}` : ''}`);
    const want = reinstalled.includes(h.port) ? SECOND_RELEASE : FIRST_RELEASE;
    const got = lab.pis[h.port - 1]?.disk?.release;
    if (got !== want) problems.push(`port ${h.port} carries '${got ?? 'nothing'}', expected '${want}'`);
  }
  return problems;
}
