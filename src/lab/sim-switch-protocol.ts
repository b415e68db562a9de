/** Messages between the lab and its simulated switch's worker thread (sim-switch-thread.ts). */
import type { PortPower } from '../switch/types.js';
import type { SwitchLoad } from './rate-gate.js';

/** What the worker builds its SimSwitch from (plain data: no functions cross threads). */
export interface SimThreadConfig {
  readonly ports: number;
  readonly address: string;
  readonly port: number;
  readonly initialPower: PortPower;
  readonly macDelayMs: number;
  /** MAC of the Pi on port i + 1; null = nothing plugged in. */
  readonly macs: ReadonlyArray<string | null>;
  readonly ratePerSecond: number;
  readonly backlog?: number;
  /** Log every SET (piman lab -v). */
  readonly verbose: boolean;
}

export type ToSimThread =
  | { readonly type: 'load'; readonly id: number }
  | { readonly type: 'rate'; readonly ratePerSecond: number }
  | { readonly type: 'down'; readonly down: boolean }
  /** Power changed at the switch itself (a cable pulled, the port's button), not over SNMP. */
  | { readonly type: 'setPower'; readonly port: number; readonly power: PortPower }
  | { readonly type: 'stop' };

export type FromSimThread =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'power'; readonly port: number; readonly power: PortPower }
  | { readonly type: 'load'; readonly id: number; readonly load: SwitchLoad }
  | { readonly type: 'stopped' }
  | { readonly type: 'failed'; readonly message: string };
