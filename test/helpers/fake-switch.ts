/** An in-memory PoeSwitch that records every call, for unit and agent tests. */
import type { DetectionStatus, PoeSwitch, PortPower } from '../../src/switch/types.js';

export interface PowerCall {
  readonly port: number;
  readonly power: PortPower;
  readonly at: number;
}

export class FakePoeSwitch implements PoeSwitch {
  readonly calls: PowerCall[] = [];
  readonly power = new Map<number, PortPower>();
  readonly macs = new Map<number, string[]>();
  /** When set, every call rejects with this error (a dead switch). */
  failWith: Error | null = null;
  /** Artificial latency of each SET in ms. */
  delayMs = 0;

  constructor(
    readonly name = 'sw1',
    readonly address = '127.0.0.1',
  ) {}

  async setPower(port: number, power: PortPower): Promise<void> {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failWith) throw this.failWith;
    this.calls.push({ port, power, at: Date.now() });
    this.power.set(port, power);
  }
  async getPower(port: number): Promise<PortPower> {
    if (this.failWith) throw this.failWith;
    return this.power.get(port) ?? 'off';
  }
  async detection(port: number): Promise<DetectionStatus> {
    return (await this.getPower(port)) === 'on' ? 'deliveringPower' : 'disabled';
  }
  async macTable(): Promise<Map<number, string[]>> {
    if (this.failWith) throw this.failWith;
    return new Map(this.macs);
  }
  close(): void {}
}
