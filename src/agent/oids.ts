/** OIDs of PIMAN-MIB (mibs/PIMAN-MIB.txt) and the SNMPv2-MIB objects the agent serves. */
import { BOOT_STATES, type BootState } from '../cluster/types.js';

/** netSnmpPlaypen 314: net-snmp's experimental arc (see README for moving it). */
export const PIMAN_MIB = '1.3.6.1.4.1.8072.9999.9999.314';
export const PIMAN_NOTIFICATIONS = `${PIMAN_MIB}.0`;
export const PIMAN_OBJECTS = `${PIMAN_MIB}.1`;
export const PIMAN_GENERAL = `${PIMAN_OBJECTS}.1`;
export const PIMAN_SWITCH_ENTRY = `${PIMAN_OBJECTS}.2.1`;
export const PIMAN_PORT_ENTRY = `${PIMAN_OBJECTS}.3.1`;
export const PIMAN_UNKNOWN_MAC_ENTRY = `${PIMAN_OBJECTS}.4.1`;
export const PIMAN_IMAGE_ENTRY = `${PIMAN_OBJECTS}.5.1`;

export const GENERAL = {
  pimanVersion: 1,
  pimanDhcpOffers: 2,
  pimanDhcpAcks: 3,
  pimanTftpFilesServed: 4,
  pimanInstallsDone: 5,
  pimanInstallsFailed: 6,
  pimanHealthMessage: 7,
} as const;

export const SWITCH_COL = {
  pimanSwitchIndex: 1,
  pimanSwitchName: 2,
  pimanSwitchAddress: 3,
  pimanSwitchReachable: 4,
  pimanSwitchPorts: 5,
  pimanSwitchRequestsInFlight: 6,
  pimanSwitchRequestsQueued: 7,
  pimanSwitchRequests: 8,
  pimanSwitchRetries: 9,
  pimanSwitchTimeouts: 10,
} as const;

export const PORT_COL = {
  pimanPortIndex: 1,
  pimanPortMacAddress: 2,
  pimanPortIpAddress: 3,
  pimanPortHostname: 4,
  pimanPortBootState: 5,
  pimanPortReinstall: 6,
  pimanPortPower: 7,
  pimanPortRestart: 8,
  pimanPortInstallProgress: 9,
  pimanPortLastChange: 10,
  pimanPortLastError: 11,
  pimanPortBootAttempts: 12,
  pimanPortImage: 20,
  pimanPortInstalledImage: 21,
  pimanPortInstalledDigest: 22,
  pimanPortHealthStatus: 30,
  pimanPortCpuPercent: 31,
  pimanPortMemoryPercent: 32,
  pimanPortDiskPercent: 33,
  pimanPortTemperature: 34,
  pimanPortProcesses: 35,
  pimanPortHealthTime: 36,
  pimanPortHealthMetric: 37,
  pimanPortHealthValue: 38,
  pimanPortHealthThreshold: 39,
} as const;
export type PortColumn = (typeof PORT_COL)[keyof typeof PORT_COL];
/** The health columns (pimanHealthGroup), served from the HealthBoard rather than the port's state. */
export type HealthColumn = (typeof PORT_COL)[
  | 'pimanPortHealthStatus'
  | 'pimanPortCpuPercent'
  | 'pimanPortMemoryPercent'
  | 'pimanPortDiskPercent'
  | 'pimanPortTemperature'
  | 'pimanPortProcesses'
  | 'pimanPortHealthTime'
  | 'pimanPortHealthMetric'
  | 'pimanPortHealthValue'
  | 'pimanPortHealthThreshold'];
export type StateColumn = Exclude<PortColumn, HealthColumn>;
export const isHealthColumn = (c: number): c is HealthColumn => c >= PORT_COL.pimanPortHealthStatus && c <= PORT_COL.pimanPortHealthThreshold;
/** pimanPortHealthStatus values. */
export const HEALTH_STATUS = { ok: 1, alert: 2, unreachable: 3, unknown: 4 } as const;
/** pimanPortHealthMetric values. */
export const HEALTH_METRIC = { none: 1, cpu: 2, memory: 3, disk: 4, processes: 5, temperature: 6 } as const;

export const IMAGE_COL = {
  pimanImageIndex: 1,
  pimanImageName: 2,
  pimanImageSize: 3,
  pimanImageSha256: 4,
  pimanImageLastModified: 5,
  pimanImagePorts: 6,
  pimanImageProblem: 7,
} as const;
export type ImageColumn = (typeof IMAGE_COL)[keyof typeof IMAGE_COL];

export const UNKNOWN_MAC_COL = {
  pimanUnknownMacIndex: 1,
  pimanUnknownMacAddress: 2,
  pimanUnknownMacRaspberryPi: 3,
  pimanUnknownMacVendorClass: 4,
  pimanUnknownMacFirstSeen: 5,
  pimanUnknownMacLastSeen: 6,
  pimanUnknownMacRequests: 7,
} as const;
export type UnknownMacColumn = (typeof UNKNOWN_MAC_COL)[keyof typeof UNKNOWN_MAC_COL];

export const NOTIFICATION = {
  pimanPortStateChange: `${PIMAN_NOTIFICATIONS}.1`,
  pimanInstallFailed: `${PIMAN_NOTIFICATIONS}.2`,
  pimanHealthAlert: `${PIMAN_NOTIFICATIONS}.3`,
  pimanHealthResolved: `${PIMAN_NOTIFICATIONS}.4`,
} as const;

export const portColumnOid = (col: PortColumn, switchIndex: number, port: number): string =>
  `${PIMAN_PORT_ENTRY}.${col}.${switchIndex}.${port}`;

/** SNMPv2-MIB system group and snmp group. */
export const SYSTEM = '1.3.6.1.2.1.1';
export const SNMP_GROUP = '1.3.6.1.2.1.11';
export const SYS = { sysDescr: 1, sysObjectID: 2, sysUpTime: 3, sysContact: 4, sysName: 5, sysLocation: 6, sysServices: 7 } as const;
export const SNMP_STATS = { snmpInPkts: 1, snmpInBadVersions: 3, snmpInBadCommunityNames: 4, snmpInBadCommunityUses: 5, snmpInASNParseErrs: 6, snmpSilentDrops: 31 } as const;

/** SNMP-FRAMEWORK-MIB snmpEngine group (sorts after every enterprise MIB, so walks of PIMAN-MIB end cleanly). */
export const SNMP_ENGINE = '1.3.6.1.6.3.10.2.1';
export const ENGINE = { snmpEngineID: 1, snmpEngineBoots: 2, snmpEngineTime: 3, snmpEngineMaxMessageSize: 4 } as const;

/** SNMP-USER-BASED-SM-MIB usmStats (RFC 3414) and SNMP-TARGET-MIB snmpUnknownContexts (RFC 3413): why v3 requests were refused. */
export const USM_STATS = '1.3.6.1.6.3.15.1.1';
export const USM_STAT = {
  usmStatsUnsupportedSecLevels: 1,
  usmStatsNotInTimeWindows: 2,
  usmStatsUnknownUserNames: 3,
  usmStatsUnknownEngineIDs: 4,
  usmStatsWrongDigests: 5,
  usmStatsDecryptionErrors: 6,
} as const;
export const SNMP_UNKNOWN_CONTEXTS = '1.3.6.1.6.3.12.1.5';

/** TruthValue (SNMPv2-TC). */
export const TRUE = 1;
export const FALSE = 2;
/** pimanPortPower values. */
export const POWER = { on: 1, off: 2, unknown: 3 } as const;

/** pimanPortBootState values: the boot states in their domain order, from 1. */
export function bootStateNumber(s: BootState): number {
  return BOOT_STATES.indexOf(s) + 1;
}

/** A pimanPortBootState value read from an agent; out of range is 'unknown'. */
export function bootStateFromNumber(n: number): BootState {
  return BOOT_STATES[n - 1] ?? 'unknown';
}
