/** What piman needs from a PoE switch; the SNMP client and test fakes implement it. */
import type { SwitchStats } from './request-queue.js';

export type { SwitchStats };
export type PortPower = 'on' | 'off';

/** pethPsePortDetectionStatus (RFC 3621). */
export type DetectionStatus = 'disabled' | 'searching' | 'deliveringPower' | 'fault' | 'test' | 'otherFault' | 'unknown';

export interface PoeSwitch {
  readonly name: string;
  readonly address: string;
  setPower(port: number, power: PortPower): Promise<void>;
  getPower(port: number): Promise<PortPower>;
  detection(port: number): Promise<DetectionStatus>;
  /** Forwarding table: port number -> MACs seen on it (lower-case colon form). */
  macTable(): Promise<Map<number, string[]>>;
  /** Request queue counters (the SNMP client; fakes may have none). */
  stats?(): SwitchStats;
  close(): void;
}
