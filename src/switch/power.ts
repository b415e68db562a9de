/**
 * Power control on top of PoeSwitch: cycle = off, wait, on; several ports
 * cycling together power on one after another with a gap (Pi 3 boot ROMs
 * share one DHCP xid and confuse each other when they start together). One
 * port never runs two power operations at once.
 */
import { PimanError, describeError, isPimanError } from '../errors.js';
import type { BootEvents, PortLookup } from '../cluster/ports.js';
import { portId, type PortKey } from '../cluster/types.js';
import type { DetectionStatus, PoeSwitch, PortPower } from './types.js';

/** The cluster as power control sees it: is the port configured, is its state unknown; power changes and failures as events. */
export type PowerCluster = PortLookup & BootEvents;

export interface PowerControllerOptions {
  readonly cluster: PowerCluster;
  /** PoE switch by switch index (1-based, config order). */
  readonly switches: ReadonlyMap<number, PoeSwitch>;
  readonly offMs: number;
  readonly staggerMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Pause before an `unknown` port's cycle is tried again (see cycle()). */
export const UNKNOWN_RETRY_PAUSE_MS = 1000;

/** A timeout on an `unknown` port, not yet applied to it (cycle() retries it). */
class DeferredTimeout extends Error {
  constructor(readonly reason: PimanError) {
    super(reason.message, { cause: reason });
  }
}

function isDeferred(r: PromiseSettledResult<void> | undefined): r is PromiseRejectedResult & { reason: DeferredTimeout } {
  return r?.status === 'rejected' && r.reason instanceof DeferredTimeout;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class PowerController {
  private readonly busyPorts = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private staggerChain: Promise<void> = Promise.resolve();
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: PowerControllerOptions) {
    this.sleep = opts.sleep ?? defaultSleep;
  }

  /** True while a power operation on this port runs (SNMP SETs answer inconsistentValue). */
  isBusy(key: PortKey): boolean {
    return this.busyPorts.has(portId(key));
  }

  async setPower(key: PortKey, power: PortPower): Promise<void> {
    await this.exclusive(key, async (sw) => {
      await this.switchCall(key, () => sw.setPower(key.port, power));
      this.opts.cluster.apply(key, { type: power === 'on' ? 'powerOn' : 'powerOff' });
    });
  }

  async getPower(key: PortKey): Promise<PortPower> {
    return this.switchCall(key, () => this.switchOf(key).getPower(key.port));
  }

  /** pethPsePortDetectionStatus of the port (is a powered device there?). A read: the port's state is left alone. */
  detection(key: PortKey): Promise<DetectionStatus> {
    return this.switchOf(key).detection(key.port);
  }

  /**
   * Power-cycles every port; the power-ons are staggered across all
   * concurrent callers. A port whose power piman never knew (`unknown`, as
   * at start) and whose first SET timed out while the switch answered for
   * other ports is cycled once more after a pause instead of failing: the
   * switch was busy, not gone.
   */
  async cycle(keys: readonly PortKey[], opts: { retry?: boolean } = {}): Promise<void> {
    const defer = keys.length > 1;
    const retry = opts.retry === true;
    const results = await Promise.allSettled(keys.map((k) => this.cycleOne(k, defer, retry)));
    const deferred = results.flatMap((r, i) => (isDeferred(r) ? [i] : []));
    if (deferred.length === keys.length) {
      // Nothing answered: the switch is down; every port says so.
      for (const [i, k] of keys.entries()) this.opts.cluster.apply(k, { type: 'fail', reason: describeError((results[i] as PromiseRejectedResult).reason) });
      throw (results[0] as PromiseRejectedResult).reason.reason;
    }
    if (deferred.length > 0) {
      await this.sleep(UNKNOWN_RETRY_PAUSE_MS);
      const again = await Promise.allSettled(deferred.map((i) => this.cycleOne(keys[i]!, false, retry)));
      deferred.forEach((i, j) => (results[i] = again[j]!));
    }
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** `retry`: a self-healing cycle, whose power-on keeps the port's attempt count. */
  private async cycleOne(key: PortKey, deferUnknownTimeout: boolean, retry: boolean): Promise<void> {
    await this.exclusive(key, async (sw) => {
      const unknown = this.opts.cluster.port(key)?.state === 'unknown';
      try {
        await sw.setPower(key.port, 'off');
      } catch (e) {
        if (deferUnknownTimeout && unknown && isPimanError(e) && e.code === 'E_SWITCH_TIMEOUT') throw new DeferredTimeout(e);
        this.opts.cluster.apply(key, { type: 'fail', reason: describeError(e) });
        throw e;
      }
      this.opts.cluster.apply(key, { type: 'powerOff' });
      await this.sleep(this.opts.offMs);
      await this.staggered(() => this.switchCall(key, () => sw.setPower(key.port, 'on')));
      this.opts.cluster.apply(key, retry ? { type: 'powerOn', retry: true } : { type: 'powerOn' });
    });
  }

  /** Runs `fn` in the global power-on queue, then holds the queue for the stagger gap. */
  private staggered<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.staggerChain.then(fn);
    this.staggerChain = run.then(
      () => this.sleep(this.opts.staggerMs),
      () => undefined,
    );
    return run;
  }

  private async exclusive(key: PortKey, fn: (sw: PoeSwitch) => Promise<void>): Promise<void> {
    const id = portId(key);
    const sw = this.switchOf(key);
    if (this.busyPorts.has(id)) throw new PimanError('E_PORT_BUSY', `port ${id} is already being power-cycled; try again when it is done`);
    this.busyPorts.add(id);
    const op = fn(sw).finally(() => {
      this.busyPorts.delete(id);
      this.running.delete(op);
    });
    this.running.add(op);
    await op;
  }

  /**
   * Resolves when no power operation runs (or after `timeoutMs`), so a
   * stopping daemon saves its state after the last cycle changed a port.
   */
  async idle(timeoutMs: number): Promise<void> {
    const deadline = new Promise<void>((r) => setTimeout(r, timeoutMs).unref());
    while (this.running.size > 0) {
      const all = Promise.allSettled([...this.running]).then(() => undefined);
      if ((await Promise.race([all.then(() => 'done'), deadline.then(() => 'late')])) === 'late') return;
    }
  }

  /** Switch errors also land in the port's lastError so pimanPortLastError shows them. */
  private async switchCall<T>(key: PortKey, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      this.opts.cluster.apply(key, { type: 'fail', reason: describeError(e) });
      throw e;
    }
  }

  private switchOf(key: PortKey): PoeSwitch {
    const sw = this.opts.switches.get(key.switchIndex);
    if (!sw || this.opts.cluster.port(key) === undefined) throw new PimanError('E_UNKNOWN_PORT', `no port ${portId(key)} in the configuration`);
    return sw;
  }
}
