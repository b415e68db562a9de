/** What piman needs from a PoE switch; the SNMP client and test fakes implement it. */
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
  close(): void;
}
