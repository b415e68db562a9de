/**
 * State of the simulated PoE switch, apart from SNMP: port power, the MAC of
 * the virtual Pi on each port, and the forwarding table, where a Pi's MAC
 * appears `macDelayMs` after its port powers on and vanishes at power-off.
 *
 * Events (for the agent adapter and the lab's virtual Pis):
 *  - 'power' (port: number, power: 'on' | 'off')
 *  - 'fdb'   (port: number, mac: string, present: boolean)
 */
import { EventEmitter } from 'node:events';
import type { PortPower } from '../switch/types.js';

export interface SimSwitchModelOptions {
  readonly ports: number;
  /** Delay between power-on and the Pi's MAC in the forwarding table. */
  readonly macDelayMs?: number;
  /** MAC of the virtual Pi on a port; null = nothing plugged in. Default b8:27:eb:00:<hi>:<lo>. */
  readonly macFor?: (port: number) => string | null;
  /** Power at start; a powered port with a Pi starts with its MAC learned. */
  readonly initialPower?: PortPower;
}

/** One SET the switch received. */
export interface SimSetRecord {
  readonly at: number;
  readonly oid: string;
  readonly value: number;
  readonly port: number;
  readonly power: PortPower;
}

/** The SNMP side's view of changes; kept apart from the events so removeAllListeners() cannot cut it. */
export interface SimSwitchObserver {
  power(port: number, power: PortPower): void;
  fdb(port: number, mac: string, present: boolean): void;
}

export function defaultPiMac(port: number): string {
  return `b8:27:eb:00:${((port >> 8) & 255).toString(16).padStart(2, '0')}:${(port & 255).toString(16).padStart(2, '0')}`;
}

export class SimSwitchModel extends EventEmitter {
  readonly ports: number;
  readonly sets: SimSetRecord[] = [];
  private macDelayMs: number;
  private readonly power = new Map<number, PortPower>();
  private readonly macs = new Map<number, string | null>();
  private readonly learned = new Map<number, string>();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private observer: SimSwitchObserver | null = null;

  constructor(opts: SimSwitchModelOptions) {
    super();
    this.ports = opts.ports;
    this.macDelayMs = opts.macDelayMs ?? 3000;
    const macFor = opts.macFor ?? defaultPiMac;
    for (let p = 1; p <= opts.ports; p++) {
      const power = opts.initialPower ?? 'on';
      this.power.set(p, power);
      const mac = macFor(p);
      this.macs.set(p, mac);
      if (power === 'on' && mac) this.learned.set(p, mac);
    }
  }

  /** One observer (the SNMP agent adapter), told before the events fire. */
  observe(o: SimSwitchObserver): void {
    this.observer = o;
  }

  hasPort(port: number): boolean {
    return this.power.has(port);
  }

  getPower(port: number): PortPower {
    return this.power.get(port) ?? 'off';
  }

  /** deliveringPower when on with a Pi, searching when on and empty, disabled when off. */
  detection(port: number): 'disabled' | 'searching' | 'deliveringPower' {
    if (this.getPower(port) === 'off') return 'disabled';
    return this.macs.get(port) ? 'deliveringPower' : 'searching';
  }

  macOf(port: number): string | null {
    return this.macs.get(port) ?? null;
  }

  /** Gives a port's virtual Pi a MAC (null: unplug it). */
  setMac(port: number, mac: string | null): void {
    this.macs.set(port, mac);
    this.forget(port);
    if (mac && this.getPower(port) === 'on') this.schedule(port);
  }

  setMacDelay(ms: number): void {
    this.macDelayMs = ms;
  }

  /** The port's Pi sent a frame: its MAC shows now (if the port is powered), not after the delay. */
  learn(port: number): void {
    const mac = this.macs.get(port);
    if (!mac || this.getPower(port) !== 'on' || this.learned.get(port) === mac) return;
    this.cancel(port);
    this.appear(port, mac);
  }

  /** port -> learned MAC (what the forwarding table shows now). */
  fdb(): Map<number, string> {
    return new Map(this.learned);
  }

  /** A SET from SNMP: recorded, then applied. */
  recordSet(oid: string, value: number, port: number, power: PortPower): void {
    this.sets.push({ at: Date.now(), oid, value, port, power });
    this.setPower(port, power);
  }

  setPower(port: number, power: PortPower): void {
    if (!this.hasPort(port)) return;
    const was = this.getPower(port);
    this.power.set(port, power);
    if (power === 'off') {
      this.cancel(port);
      this.forget(port);
    } else if (was === 'off') {
      this.schedule(port);
    }
    if (was !== power) {
      this.observer?.power(port, power);
      this.emit('power', port, power);
    }
  }

  /** Stops pending MAC timers. */
  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private schedule(port: number): void {
    this.cancel(port);
    const t = setTimeout(() => {
      this.timers.delete(port);
      const mac = this.macs.get(port);
      if (mac && this.getPower(port) === 'on') {
        this.appear(port, mac);
      }
    }, this.macDelayMs);
    this.timers.set(port, t);
  }

  private cancel(port: number): void {
    const t = this.timers.get(port);
    if (t) clearTimeout(t);
    this.timers.delete(port);
  }

  private forget(port: number): void {
    const mac = this.learned.get(port);
    if (mac === undefined) return;
    this.learned.delete(port);
    this.observer?.fdb(port, mac, false);
    this.emit('fdb', port, mac, false);
  }

  private appear(port: number, mac: string): void {
    this.learned.set(port, mac);
    this.observer?.fdb(port, mac, true);
    this.emit('fdb', port, mac, true);
  }
}
