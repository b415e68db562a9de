/** The OIDs piman reads and writes on a PoE switch (RFC 3621, RFC 4188, RFC 4363). */
import type { DetectionStatus, PortPower } from './types.js';

/** pethPsePortAdminEnable.<group>.<port>: 1 = true (power on), 2 = false (off). */
export const PETH_ADMIN_ENABLE = '1.3.6.1.2.1.105.1.1.1.3';
/** pethPsePortDetectionStatus.<group>.<port>. */
export const PETH_DETECTION_STATUS = '1.3.6.1.2.1.105.1.1.1.6';
/** BRIDGE-MIB dot1dTpFdbPort.<mac 6 sub-ids> = bridge port. */
export const DOT1D_TP_FDB_PORT = '1.3.6.1.2.1.17.4.3.1.2';
/** Q-BRIDGE-MIB dot1qTpFdbPort.<fdbId>.<mac 6 sub-ids> = bridge port. */
export const DOT1Q_TP_FDB_PORT = '1.3.6.1.2.1.17.7.1.2.2.1.2';
/** BRIDGE-MIB dot1dBasePortIfIndex.<bridge port> = ifIndex. */
export const DOT1D_BASE_PORT_IFINDEX = '1.3.6.1.2.1.17.1.4.1.2';

export const adminEnableOid = (group: number, port: number): string => `${PETH_ADMIN_ENABLE}.${group}.${port}`;
export const detectionStatusOid = (group: number, port: number): string => `${PETH_DETECTION_STATUS}.${group}.${port}`;

export const powerToTruth = (p: PortPower): number => (p === 'on' ? 1 : 2);

export function truthToPower(v: number): PortPower | null {
  return v === 1 ? 'on' : v === 2 ? 'off' : null;
}

const DETECTION: readonly DetectionStatus[] = ['disabled', 'searching', 'deliveringPower', 'fault', 'test', 'otherFault'];

export function detectionFromNumber(v: number): DetectionStatus {
  return DETECTION[v - 1] ?? 'unknown';
}

export function detectionToNumber(s: DetectionStatus): number {
  const i = DETECTION.indexOf(s);
  return i < 0 ? 6 : i + 1;
}
