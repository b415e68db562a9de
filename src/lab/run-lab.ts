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
import type { PortView } from '../cluster/types.js';

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
  /** Simulated switches the Pis are spread over (default 1). */
  readonly switches?: number;
  /** Every switch powers all its ports on at once by itself, instead of piman's staggered power-on. */
  readonly storm?: boolean;
  /** Self-healing boots (default true); false = boot.retry.attempts 0, for comparison. */
  readonly retry?: boolean;
  /** Experiment: DHCP replies with one xid reach the Pis at least this many ms apart. */
  readonly paceXidMs?: number;
}

export const FIRST_RELEASE = 'piman-lab rootfs 1';
export const SECOND_RELEASE = 'piman-lab rootfs 2';

/** Ports the demo reinstalls: first, middle and last (as many as there are, up to 3). */
export function demoPorts(n: number): number[] {
  return [...new Set([1, Math.ceil(n / 2), n])].slice(0, Math.min(3, n));
}

export function rowsOf(lab: Lab): ViewRow[] {
  return lab.daemon.ctx.cluster.ports().map((port) => ({ port, release: lab.piAt(port)?.disk?.release ?? null }));
}

/** Ports of the first switch the demo reinstalls. */
function demoKeys(lab: Lab): number[] {
  return demoPorts(lab.config.switches[0]!.ports);
}

/** A port counts as up when piman says so and the Pi on it really runs (not another Pi using its address). */
function reallyUp(lab: Lab, p: PortView): boolean {
  return p.state === 'up' && lab.piAt(p)?.phase === 'up';
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
    switches: o.switches ?? 1,
    retry: o.retry ?? true,
    paceXidMs: o.paceXidMs ?? 0,
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
        if (effect.type === 'stateChanged') say(`  ${secs().padStart(7)}  port ${o.switches && o.switches > 1 ? `${port.switchName}:` : ""}${port.port} ${port.hostname ?? ''}: ${effect.from} -> ${effect.to}${port.lastError ? ` (${port.lastError})` : ''}`);
      })
    : () => true;
  try {
    const a = lab.config.agent;
    const models = modelList(o.model);
    const kind = models.length === 1 ? `Raspberry Pi ${models[0]}${o.pis > 1 ? 's' : ''}` : `Raspberry Pis (models ${models.join(', ')} in turn)`;
    const k = lab.sims.length;
    say(`piman lab: ${o.pis} virtual ${kind} on ${k > 1 ? `${k} simulated PoE switches` : 'a simulated PoE switch'}, piman on loopback`);
    say(`  folder      ${lab.dir}${o.keep ? ' (kept)' : ' (removed at exit; --keep keeps it)'}`);
    say(`  config      ${lab.configPath}`);
    say(`  SNMP agent  ${a.address}:${a.port}  (read community '${a.readCommunity}', write '${a.writeCommunity}')`);
    const rate = o.switchRate ? `, serves ${o.switchRate} requests/s and drops the excess` : '';
    lab.config.switches.forEach((sw, i) => {
      const sim = lab.sims[i]!;
      say(`  switch      ${sw.name} ${sim.address}:${sim.port}, ${sw.ports} ports  (POWER-ETHERNET-MIB${rate}; piman: at most ${sw.maxInFlight} requests at once, ${sw.maxVarbinds} ports per SET)`);
    });
    const policy = lab.daemon.retry.policy;
    say(`  retries     ${policy.attempts > 0 ? `on: a stuck port is power-cycled again, up to ${policy.attempts} times` : 'off (--no-retry)'}`);
    say('');
    if (o.storm) return await storm(lab, o, view, say, secs, loop);
    say(`Booting: piman powers every port on; first boots install ${FIRST_RELEASE}.`);
    view.start();
    await lab.powerOnAll();
    await until(lab, () => lab.daemon.ctx.cluster.ports().every((p) => p.state === 'up' || p.state === 'failed'), 30_000 + o.pis * 300 + retryAllowanceMs(lab), 'every Pi up', o.signal);
    view.stop();
    const failed = lab.daemon.ctx.cluster.ports().filter((p) => p.state !== 'up');
    if (failed.length) throw new PimanError('E_PORT_BUSY', `lab: ${failed.length} port(s) failed to boot: ${failed.slice(0, 5).map((p) => `${p.port} (${p.lastError})`).join(', ')}`);
    const retries = lab.daemon.ctx.cluster.getCounters().bootRetries;
    say(`All ${o.pis} Pis are up after ${secs()}${retries > 0 ? ` (${retries} boot retries, ${lab.net.conflicts} address clashes)` : ''}.`);
    say(await switchLine(lab));
    say('');
    say('Try it (paste in another terminal):');
    for (const l of snmpCommandLines(a.address, a.port, a.readCommunity, a.writeCommunity, demoKeys(lab).at(-1)!)) say(`  ${l}`);
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
  const ports = demoKeys(lab);
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
          return v?.state === 'up' && !v.reinstall && lab.piAt({ switchIndex: 1, port: p })?.disk?.release === SECOND_RELEASE;
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
  const lines: string[] = [];
  for (const [i, sim] of lab.sims.entries()) {
    const load = await sim.load();
    const st = lab.daemon.ctx.switches.get(i + 1)?.stats?.();
    const seen = load ? `${load.received} requests, at most ${load.peakInFlight} at once, ${load.dropped} dropped` : 'no answer from its thread';
    const queue = st ? `; piman retried ${st.retried}, ${st.timedOut} timed out` : '';
    lines.push(`Switch ${lab.config.switches[i]!.name}: ${seen}${queue}.`);
  }
  return lines.join('\n');
}

/** Worst time self-healing may take on top of a boot: every attempt's longest state timeout and backoff. */
function retryAllowanceMs(lab: Lab): number {
  const p = lab.daemon.retry.policy;
  const longest = Math.max(...Object.values(p.timeoutMs));
  return p.attempts * (longest + p.maxBackoffMs + 5_000);
}

/**
 * --storm: every switch powers all its ports on in the same instant (as after
 * a power cut); piman only sees the Pis' DHCP. Waits until every port is up
 * or failed; with --demo, 0 only when every Pi is up.
 */
async function storm(lab: Lab, o: RunLabOptions, view: LiveView, say: (s: string) => void, secs: () => string, loop: IntervalHistogram): Promise<number> {
  const cluster = lab.daemon.ctx.cluster;
  const t0 = Date.now();
  const done = (): boolean => cluster.ports().every((p) => reallyUp(lab, p) || p.state === 'failed');
  say(`Storm: every switch powers all its ${o.pis} ports on at the same instant; first boots install ${FIRST_RELEASE}.`);
  view.start();
  lab.stormPowerOn();
  // Without retries a stuck port ends only at boot.timeoutSeconds.
  const limit = 30_000 + o.pis * 500 + retryAllowanceMs(lab) + lab.config.boot.timeoutSeconds * 1000;
  await until(lab, done, limit, 'every port up or failed', o.signal);
  view.stop();
  const took = ((Date.now() - t0) / 1000).toFixed(1);
  const ports = cluster.ports();
  const up = ports.filter((p) => reallyUp(lab, p)).length;
  const failed = ports.filter((p) => !reallyUp(lab, p));
  const retries = cluster.getCounters().bootRetries;
  say(`Storm over after ${took} s: ${up} of ${o.pis} up, ${failed.length} failed; piman made ${retries} boot retries; ${lab.net.conflicts} address clashes, ${lab.demux.broadcasts} broadcast DHCP replies.`);
  for (const p of failed.slice(0, 10)) say(`  ${p.switchName}:${p.port} ${p.state}: ${p.lastError || 'no error recorded'}`);
  if (failed.length > 10) say(`  ... and ${failed.length - 10} more`);
  say(await switchLine(lab));
  say(processLine(loop));
  if (!o.demo) {
    say('piman lab is running; Ctrl-C stops it.');
    await until(lab, () => false, 2 ** 31 - 1, 'Ctrl-C', o.signal).catch(() => undefined);
    return 0;
  }
  const rows = await walkInventory(openAgentSessionFor(lab));
  const problems = checkInventory(rows, lab, []);
  if (problems.length) {
    say(`Demo failed after ${secs()}: ${problems.length} problem(s), ${failed.length} of ${o.pis} ports not up.`);
    for (const p of problems.slice(0, 10)) say(`  problem: ${p}`);
    return 1;
  }
  say(`Demo finished in ${secs()}: all ${o.pis} Pis up after the storm in ${took} s, with ${retries} boot retries.`);
  return 0;
}

function openAgentSessionFor(lab: Lab): ReturnType<typeof openAgentSession> {
  const a = lab.config.agent;
  return openAgentSession(a.address, a.port, a.readCommunity);
}

function printInventory(rows: readonly InventoryRow[], lab: Lab, say: (s: string) => void): void {
  say('Inventory (snmpwalk pimanPortTable):');
  say('  port  hostname  MAC                IP            state   rootfs');
  for (const r of rows) {
    const release = lab.piAt(r)?.disk?.release ?? '-';
    const where = lab.sims.length > 1 ? `${lab.config.switches[r.switchIndex - 1]?.name ?? r.switchIndex}:${r.port}` : String(r.port);
    say(`  ${where.padStart(4)}  ${r.hostname.padEnd(8)}  ${r.mac.padEnd(17)}  ${r.ip.padEnd(12)}  ${r.state.padEnd(6)}  ${release}${r.lastError ? `  ! ${r.lastError}` : ''}`);
  }
}

/** What must hold at the end of the demo; each problem is one line. */
export function checkInventory(rows: readonly InventoryRow[], lab: Lab, reinstalled: readonly number[]): string[] {
  const problems: string[] = [];
  if (rows.length !== lab.hosts.length) problems.push(`the walk returned ${rows.length} ports, hosts.csv has ${lab.hosts.length}`);
  for (const h of lab.hosts) {
    const sw = h.switchIndex ?? 1;
    const r = rows.find((x) => x.switchIndex === sw && x.port === h.port);
    if (!r) continue;
    if (r.mac !== h.identity.mac || r.ip !== h.ip || r.hostname !== h.hostname) {
      problems.push(`port ${h.port}: walk says ${r.mac} ${r.ip} ${r.hostname}, hosts.csv ${h.identity.mac} ${h.ip} ${h.hostname}`);
    }
    const name = lab.config.switches[sw - 1]?.name ?? String(sw);
    if (r.state !== 'up') problems.push(`port ${name}:${h.port} is ${r.state}${r.lastError ? `: ${r.lastError}` : ''}`);
    const want = sw === 1 && reinstalled.includes(h.port) ? SECOND_RELEASE : FIRST_RELEASE;
    const got = lab.piAt({ switchIndex: sw, port: h.port })?.disk?.release;
    if (got !== want) problems.push(`port ${name}:${h.port} carries '${got ?? 'nothing'}', expected '${want}'`);
  }
  return problems;
}
