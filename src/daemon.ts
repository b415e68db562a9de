/**
 * Composition root: with src/parts.ts, the only place that turns piman.yaml
 * into running parts. Every part receives its own plain options and the
 * services of src/part.ts, never the config file.
 */
import type { PimanConfig } from './config/schema.js';
import { loadHosts } from './config/hosts.js';
import { Cluster } from './cluster/cluster.js';
import { splitPortName, type HostBinding } from './cluster/types.js';
import { switchInfos } from './cluster/switch-infos.js';
import { FileStateStore, type StateStore } from './store/state-store.js';
import { PowerController } from './switch/power.js';
import { RetryRunner, retryPolicyFrom } from './switch/retry-runner.js';
import type { PoeSwitch } from './switch/types.js';
import { levelFor, type Logger } from './log.js';
import { changedSettings, needsRestart } from './config/diff.js';
import { describeError, PimanError } from './errors.js';
import { MetricRegistry } from './metrics/registry.js';
import { switchFamilies } from './switch/switch-metrics.js';
import { ImageCatalog } from './images/catalog.js';
import { HealthBoard } from './monitor/health-board.js';
import { NoticeSignal } from './monitor/notices.js';
import type { Part, PartContext } from './part.js';

export type { Part, PartContext };

/** The services plus the configuration: what src/parts.ts maps onto each part's own options. */
export interface DaemonContext extends PartContext<Cluster> {
  readonly config: PimanConfig;
}

/** Builds one part from the configuration (src/parts.ts lists them). */
export type PartFactory = (ctx: DaemonContext) => Part;

export interface DaemonOptions {
  readonly config: PimanConfig;
  readonly log: Logger;
  /** Tests and the lab may replace the SNMP switch clients. */
  readonly makeSwitch?: (sw: PimanConfig['switches'][number], index: number) => PoeSwitch;
  readonly store?: StateStore;
  /** Bindings to use instead of reading hosts.csv (`piman config check` after it reported hosts.csv's problems). */
  readonly hosts?: readonly HostBinding[];
}

/** The state parts share besides the cluster (a fresh set per daemon; tests that build a context use it too). */
export function sharedState(now = Date.now()): Pick<PartContext<unknown>, 'health' | 'notices' | 'startedAt'> {
  return { health: new HealthBoard(), notices: new NoticeSignal(), startedAt: now };
}

export { switchInfos };

function codeOf(e: unknown): string {
  return e instanceof PimanError ? e.code : 'E_STARTUP';
}

/** Says what of the stored state this config cannot use; nothing of it is applied to another switch. */
function warnRestore(cluster: Cluster, log: Logger): void {
  const { kept, dropped } = cluster.restoreNotes;
  const configured = new Set(cluster.switches.map((s) => s.name));
  const gone = [...new Set(kept.map((k) => splitPortName(k).sw).filter((n) => !configured.has(n)))];
  if (gone.length > 0) {
    log.warn({ switches: gone }, 'state of switches no longer configured is kept in the state file and not applied to any other switch');
  }
  const ports = kept.filter((k) => configured.has(splitPortName(k).sw));
  if (ports.length > 0) log.warn({ ports }, 'state of ports beyond a switch\'s configured port count is kept and not applied');
  if (dropped.length > 0) {
    log.warn({ positions: dropped }, 'old state file: state of switch positions this config does not have cannot be named and is dropped');
  }
}

export class Daemon {
  private parts: Part[] = [];
  private started: Part[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** The started config with the settings reloads applied (what the next reload compares against). */
  private running: PimanConfig;
  private reloading: Promise<void> = Promise.resolve();

  private constructor(
    readonly ctx: DaemonContext,
    private readonly store: StateStore,
    /** Self-healing boots (ticked with the cluster). */
    readonly retry: RetryRunner,
  ) {
    this.running = ctx.config;
  }

  static async create(opts: DaemonOptions, partFactories: ReadonlyArray<PartFactory>): Promise<Daemon> {
    const { config, log } = opts;
    const infos = switchInfos(config);
    const hosts = opts.hosts ?? (await loadHosts(config.hosts, infos, { images: Object.keys(config.install.images) }));
    const store = opts.store ?? new FileStateStore(config.state);
    const cluster = await Cluster.open({
      switches: infos,
      hosts,
      store,
      timeoutMs: config.boot.timeoutSeconds * 1000,
      onPersistError: (e) => log.error({ err: describeError(e) }, 'cluster state not saved; it stays in memory and is written with the next change'),
    });
    warnRestore(cluster, log);
    const switches = new Map<number, PoeSwitch>();
    if (opts.makeSwitch) config.switches.forEach((s, i) => switches.set(i + 1, opts.makeSwitch!(s, i + 1)));
    const power = new PowerController({
      cluster,
      switches,
      offMs: config.power.offSeconds * 1000,
      staggerMs: config.power.staggerSeconds * 1000,
    });
    const retry = new RetryRunner({ cluster, power, policy: retryPolicyFrom(config.boot.retry), log, staggerMs: config.boot.retry.staggerSeconds * 1000 });
    const metrics = new MetricRegistry();
    metrics.add(() => switchFamilies(switches));
    const images = new ImageCatalog(config.install.images, config.install.defaultImage, log.child({ part: 'images' }));
    const ctx = { config, cluster, power, switches, log, metrics, images, ...sharedState() };
    const d = new Daemon(ctx, store, retry);
    d.parts = partFactories.map((f) => f(d.ctx));
    return d;
  }

  /** Every error it throws has been logged (one error record per problem, with its code). */
  async start(): Promise<void> {
    const { log, cluster } = this.ctx;
    // Listen first: parts may change ports while they start (e.g. an install interrupted by a restart).
    cluster.on(({ port, effect }) => {
      if (effect.type === 'stateChanged') {
        log.info({ port: `${port.switchName}:${port.port}`, from: effect.from, to: effect.to, error: port.lastError || undefined }, 'port state');
      }
    });
    await this.preflight();
    const notes = cluster.restoreNotes;
    if (notes.migratedFrom !== null) {
      // Written at once (atomically) so the position-keyed form is never read again with another config.
      await cluster.persist().catch((e: unknown) => {
        log.error({ code: codeOf(e), err: describeError(e) }, 'cannot write the migrated state file');
        throw e;
      });
      notes.migratedFrom = null;
      log.info({ from: 1, to: 2 }, 'state file migrated: ports are now keyed by switch name');
    }
    for (const p of this.parts) {
      try {
        await p.start();
        this.started.push(p);
        log.debug({ part: p.name }, 'started');
      } catch (e) {
        log.error({ part: p.name, code: codeOf(e), err: describeError(e) }, `cannot start ${p.name}`);
        // Whatever changed while starting was saved as it happened; a failed start leaves no new files.
        await this.stop({ save: false });
        throw e;
      }
    }
    // Retries first: a stuck port is power-cycled before the hard boot timeout fails it.
    this.timer = setInterval(() => {
      this.retry.tick();
      cluster.tick();
    }, 1000);
    this.timer.unref();
  }

  /** What would stop a part from starting (every part's check), without starting anything; `piman config check` shows them. */
  async problems(): Promise<{ part: string; err: unknown }[]> {
    const results = await Promise.allSettled(this.parts.map(async (p) => p.check?.()));
    const problems: { part: string; err: unknown }[] = [];
    results.forEach((r, i) => {
      if (r.status === 'rejected') problems.push({ part: this.parts[i]!.name, err: r.reason });
    });
    return problems;
  }

  /** Runs every part's check; throws the one problem, or one E_STARTUP error listing them all. */
  private async preflight(): Promise<void> {
    const { log } = this.ctx;
    const problems = await this.problems();
    for (const { part, err } of problems) log.error({ part, code: codeOf(err), err: describeError(err) }, `cannot start ${part}`);
    if (problems.length === 1) throw problems[0]!.err;
    if (problems.length > 1) {
      const all = problems.map(({ err }, i) => `(${i + 1}) ${err instanceof Error ? err.message : String(err)}`).join(' ');
      throw new PimanError('E_STARTUP', `cannot start, ${problems.length} problems: ${all}`);
    }
  }

  /**
   * SIGHUP: reads piman.yaml and hosts.csv again and applies what can change
   * live (hosts.csv bindings, log.level); names the changed settings that
   * need a restart. Port states, transfers and installs in flight are not
   * touched. An invalid file is refused with one log line: the running
   * configuration and bindings stay.
   */
  reload(loadConfig: () => Promise<PimanConfig>): Promise<void> {
    // One at a time; a reload that throws must not stop the next ones (the chain stays resolved).
    this.reloading = this.reloading
      .then(() => this.reloadOnce(loadConfig))
      .catch((e: unknown) => this.ctx.log.error({ code: codeOf(e), err: describeError(e) }, 'reload failed; the running configuration stays'));
    return this.reloading;
  }

  private async reloadOnce(loadConfig: () => Promise<PimanConfig>): Promise<void> {
    const { log, cluster } = this.ctx;
    let next: PimanConfig;
    let hosts: Awaited<ReturnType<typeof loadHosts>>;
    try {
      next = await loadConfig();
      // Switches change only with a restart, so hosts.csv is read against the running ones.
      hosts = await loadHosts(next.hosts, cluster.switches, { required: true, images: Object.keys(next.install.images) });
    } catch (e) {
      const code = e instanceof PimanError ? e.code : 'E_CONFIG';
      log.error({ code, err: describeError(e) }, 'reload refused; the running configuration and hosts.csv bindings stay');
      return;
    }
    const changed = changedSettings(this.running, next);
    const restart = needsRestart(changed);
    const level = levelFor(next.log.level);
    if (log.level !== level) log.level = level;
    cluster.replaceHosts(hosts);
    const { images, defaultImage, rootfs } = next.install;
    this.running = { ...this.running, hosts: next.hosts, log: next.log, install: { ...this.running.install, images, defaultImage, rootfs } };
    // Installs already streaming keep the file they opened; the next ones use the new list.
    await this.ctx.images?.replace(images, defaultImage);
    log.info({ hosts: hosts.length, applied: changed.filter((k) => !restart.includes(k)) }, 'reloaded hosts.csv and the settings that change live');
    if (restart.length > 0) log.warn({ restartNeeded: restart }, 'changed settings take effect only after a restart (systemctl restart piman)');
  }

  async stop(opts: { save?: boolean } = {}): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.retry.stop();
    for (const p of this.started.reverse()) {
      try {
        await p.stop();
      } catch (e) {
        this.ctx.log.warn({ part: p.name, err: describeError(e) }, `error while stopping ${p.name}`);
      }
    }
    this.started = [];
    // A cycle in its off-wait would otherwise change a port after the final save.
    const { offSeconds, staggerSeconds } = this.ctx.config.power;
    await this.ctx.power.idle((offSeconds + staggerSeconds) * 1000 + 10_000);
    for (const sw of this.ctx.switches.values()) sw.close();
    if (opts.save !== false) await this.ctx.cluster.persist();
    await this.store.close();
  }
}
