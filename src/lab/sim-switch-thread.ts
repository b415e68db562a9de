/**
 * The lab's handle on a simulated switch running in a worker thread
 * (sim-switch-worker.ts): its address, 'power' events for the virtual Pis,
 * its load counters, and stop().
 */
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { PortPower } from '../switch/types.js';
import type { SwitchLoad } from './rate-gate.js';
import type { FromSimThread, SimThreadConfig, ToSimThread } from './sim-switch-protocol.js';

const BOOT = new URL('./sim-worker-boot.mjs', import.meta.url);
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 3_000;
const LOAD_TIMEOUT_MS = 2_000;

export class SimSwitchThread extends EventEmitter<{ power: [number, PortPower] }> {
  private boundPort = 0;
  private nextId = 1;
  private readonly loads = new Map<number, (l: SwitchLoad | null) => void>();
  private onStopped: (() => void) | null = null;
  private stopping: Promise<void> | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly address: string,
  ) {
    super();
  }

  static start(c: SimThreadConfig): Promise<SimSwitchThread> {
    const worker = new Worker(BOOT, { workerData: c });
    const t = new SimSwitchThread(worker, c.address);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`the simulated switch did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      const fail = (e: Error): void => {
        clearTimeout(timer);
        void worker.terminate();
        reject(e);
      };
      worker.once('error', fail);
      worker.once('exit', (code) => (t.boundPort === 0 ? fail(new Error(`the simulated switch's thread ended (exit ${code})`)) : undefined));
      worker.on('message', (m: FromSimThread) => {
        switch (m.type) {
          case 'listening':
            clearTimeout(timer);
            t.boundPort = m.port;
            resolve(t);
            break;
          case 'failed':
            fail(new Error(`simulated switch: ${m.message}`));
            break;
          case 'power':
            t.emit('power', m.port, m.power);
            break;
          case 'load':
            t.loads.get(m.id)?.(m.load);
            break;
          case 'stopped':
            t.onStopped?.();
            break;
        }
      });
    });
  }

  /** The UDP port its agent listens on. */
  get port(): number {
    return this.boundPort;
  }

  /** Requests received, served, dropped and the most it held at once; null if the thread does not answer. */
  load(): Promise<SwitchLoad | null> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const t = setTimeout(() => done(null), LOAD_TIMEOUT_MS);
      const done = (l: SwitchLoad | null): void => {
        clearTimeout(t);
        this.loads.delete(id);
        resolve(l);
      };
      this.loads.set(id, done);
      this.worker.postMessage({ type: 'load', id } satisfies ToSimThread);
    });
  }

  /** The switch serves this many requests per second from now on (0 = unlimited). */
  setRate(ratePerSecond: number): Promise<void> {
    this.worker.postMessage({ type: 'rate', ratePerSecond } satisfies ToSimThread);
    return this.applied();
  }

  /** A down switch's agent drops every request until set up again. */
  setDown(down: boolean): Promise<void> {
    this.worker.postMessage({ type: 'down', down } satisfies ToSimThread);
    return this.applied();
  }

  /**
   * Resolves once the thread has handled every message posted before: it
   * handles them in order, so a load round trip follows them. Without it a
   * request sent right after setDown() could still be answered.
   */
  private async applied(): Promise<void> {
    await this.load();
  }

  /** Changes a port's power at the switch itself, as a pulled cable would; the 'power' event follows. */
  setPower(port: number, power: PortPower): void {
    this.worker.postMessage({ type: 'setPower', port, power } satisfies ToSimThread);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, STOP_TIMEOUT_MS);
        this.onStopped = () => (clearTimeout(t), resolve());
        this.worker.postMessage({ type: 'stop' } satisfies ToSimThread);
      });
      await this.worker.terminate();
    })();
    return this.stopping;
  }
}
