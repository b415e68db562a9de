/**
 * Registers PIMAN-MIB and the SNMPv2-MIB system/snmp groups on a net-snmp
 * Mib. Rows are fixed by configuration (every switch, every port of every
 * switch). Scalars and the switch table are tree instances whose provider
 * handler refreshes the value from the live model right before the agent
 * answers; the port table (24 columns x every port) is a virtual table
 * (src/snmp/virtual-table.ts) read from the live port when asked, with no
 * tree node per cell. So GET, GETNEXT and GETBULK always see the current
 * cluster.
 */
import os from 'node:os';
import snmp, { type MibHandler, type MibProviderDefinition, type MibRequest, type MibTableColumn, type ObjectTypeCode, type VarbindValue } from 'net-snmp';
import type { Counters } from '../cluster/types.js';
import type { CounterReader, PortList, PortLookup, SwitchList } from '../cluster/ports.js';
import type { PortKey, PortView, SwitchInfo } from '../cluster/types.js';
import type { AgentHost } from '../snmp/agent-host.js';
import type { SwitchStats } from '../switch/types.js';
import { parseOid } from '../snmp/oid.js';
import { VERSION } from '../version.js';
import {
  GENERAL,
  PIMAN_GENERAL,
  PIMAN_MIB,
  PIMAN_PORT_ENTRY,
  PIMAN_SWITCH_ENTRY,
  PORT_COL,
  ENGINE,
  SNMP_ENGINE,
  SNMP_UNKNOWN_CONTEXTS,
  USM_STAT,
  USM_STATS,
  SNMP_GROUP,
  SNMP_STATS,
  SWITCH_COL,
  SYS,
  SYSTEM,
  isHealthColumn,
  type PortColumn,
} from './oids.js';
import { portValue, switchValue, type MibValue, type SwitchColumn } from './values.js';
import type { ImageCatalog } from '../images/catalog.js';
import { healthValue } from './health-values.js';
import type { HealthReader } from '../monitor/health-board.js';

export const PORT_TABLE = 'pimanPortTable';
export const SWITCH_TABLE = 'pimanSwitchTable';

export interface SystemInfo {
  readonly sysName: string;
  readonly sysContact: string;
  readonly sysLocation: string;
}

/** The cluster as PIMAN-MIB reads it: switches, ports, counters. */
export type MibCluster = SwitchList & PortList & PortLookup & CounterReader;

export interface ProviderSources {
  readonly cluster: MibCluster;
  readonly host: AgentHost;
  readonly system: SystemInfo;
  /** ms since epoch when the agent started (sysUpTime zero). */
  readonly startedAt: number;
  readonly now: () => number;
  readonly switchReachable: (switchIndex: number) => boolean;
  /** The switch's request queue (pimanSwitchRequestsInFlight..Timeouts); undefined reads zero. */
  readonly switchStats: (switchIndex: number) => SwitchStats | undefined;
  /** install.images (pimanPortImage reads its choice); absent: the stored choice. */
  readonly images?: ImageCatalog | undefined;
  /** The Pis' latest health (pimanHealthGroup columns); none: every port reads unknown. */
  readonly health?: HealthReader;
}

const NO_HEALTH: HealthReader = { health: () => ({ status: 'unknown', sample: null, sampledAt: null, last: null }) };

const T = snmp.ObjectType;
const RO = snmp.MaxAccess['read-only'];
const RW = snmp.MaxAccess['read-write'];
const NA = snmp.MaxAccess['not-accessible'];

function typeOf(v: MibValue): ObjectTypeCode {
  switch (v.kind) {
    case 'int':
      return T.Integer;
    case 'gauge':
      return T.Gauge;
    case 'counter':
      return T.Counter;
    case 'ticks':
      return T.TimeTicks;
    case 'string':
    case 'bytes':
      return T.OctetString;
    case 'ip':
      return T.IpAddress;
  }
}

export function registerProviders(src: ProviderSources): void {
  const { host, cluster } = src;
  const mib = host.mib;
  const upTime = (): number => Math.floor((src.now() - src.startedAt) / 10) % 0x100000000;
  const counter = (n: number): number => n % 0x100000000;

  const scalar = (name: string, oid: string, type: ObjectTypeCode, read: () => VarbindValue): void => {
    const handler: MibHandler = (req) => {
      if (req.instanceNode && !req.setType) req.instanceNode.value = read();
      req.done();
    };
    const p: MibProviderDefinition = { name, type: snmp.MibProviderType.Scalar, oid, scalarType: type, maxAccess: RO, handler };
    mib.registerProvider(p);
    mib.setScalarValue(name, read());
  };

  const sysDescr = `piman ${VERSION}: Raspberry Pi netboot manager (Node ${process.version}, ${os.type()} ${os.release()} ${os.arch()})`;
  scalar('sysDescr', `${SYSTEM}.${SYS.sysDescr}`, T.OctetString, () => sysDescr);
  scalar('sysObjectID', `${SYSTEM}.${SYS.sysObjectID}`, T.OID, () => PIMAN_MIB);
  scalar('sysUpTime', `${SYSTEM}.${SYS.sysUpTime}`, T.TimeTicks, upTime);
  scalar('sysContact', `${SYSTEM}.${SYS.sysContact}`, T.OctetString, () => src.system.sysContact);
  scalar('sysName', `${SYSTEM}.${SYS.sysName}`, T.OctetString, () => src.system.sysName);
  scalar('sysLocation', `${SYSTEM}.${SYS.sysLocation}`, T.OctetString, () => src.system.sysLocation);
  // applications (64) + end-to-end (8), like a host running snmpd
  scalar('sysServices', `${SYSTEM}.${SYS.sysServices}`, T.Integer, () => 72);

  const st = host.stats;
  scalar('snmpInPkts', `${SNMP_GROUP}.${SNMP_STATS.snmpInPkts}`, T.Counter, () => counter(st.inPkts));
  scalar('snmpInBadVersions', `${SNMP_GROUP}.${SNMP_STATS.snmpInBadVersions}`, T.Counter, () => counter(st.badVersions));
  scalar('snmpInBadCommunityNames', `${SNMP_GROUP}.${SNMP_STATS.snmpInBadCommunityNames}`, T.Counter, () => counter(st.badCommunityNames));
  scalar('snmpInBadCommunityUses', `${SNMP_GROUP}.${SNMP_STATS.snmpInBadCommunityUses}`, T.Counter, () => counter(st.badCommunityUses));
  scalar('snmpInASNParseErrs', `${SNMP_GROUP}.${SNMP_STATS.snmpInASNParseErrs}`, T.Counter, () => counter(st.asnParseErrs));
  scalar('snmpSilentDrops', `${SNMP_GROUP}.${SNMP_STATS.snmpSilentDrops}`, T.Counter, () => counter(st.silentDrops));

  const c = (): Readonly<Counters> => cluster.getCounters();
  scalar('pimanVersion', `${PIMAN_GENERAL}.${GENERAL.pimanVersion}`, T.OctetString, () => VERSION);
  scalar('pimanDhcpOffers', `${PIMAN_GENERAL}.${GENERAL.pimanDhcpOffers}`, T.Counter, () => counter(c().dhcpOffers));
  scalar('pimanDhcpAcks', `${PIMAN_GENERAL}.${GENERAL.pimanDhcpAcks}`, T.Counter, () => counter(c().dhcpAcks));
  scalar('pimanTftpFilesServed', `${PIMAN_GENERAL}.${GENERAL.pimanTftpFilesServed}`, T.Counter, () => counter(c().tftpFiles));
  scalar('pimanInstallsDone', `${PIMAN_GENERAL}.${GENERAL.pimanInstallsDone}`, T.Counter, () => counter(c().installsDone));
  scalar('pimanInstallsFailed', `${PIMAN_GENERAL}.${GENERAL.pimanInstallsFailed}`, T.Counter, () => counter(c().installsFailed));

  scalar('snmpEngineID', `${SNMP_ENGINE}.${ENGINE.snmpEngineID}`, T.OctetString, () => host.engineID);
  scalar('snmpEngineBoots', `${SNMP_ENGINE}.${ENGINE.snmpEngineBoots}`, T.Integer, () => host.engineBoots);
  scalar('snmpEngineTime', `${SNMP_ENGINE}.${ENGINE.snmpEngineTime}`, T.Integer, () => host.engineTime());
  scalar('snmpEngineMaxMessageSize', `${SNMP_ENGINE}.${ENGINE.snmpEngineMaxMessageSize}`, T.Integer, () => host.maxMessageSize);

  const usm = host.usmStats;
  scalar('snmpUnknownContexts', SNMP_UNKNOWN_CONTEXTS, T.Counter, () => counter(host.unknownContexts()));
  scalar('usmStatsUnsupportedSecLevels', `${USM_STATS}.${USM_STAT.usmStatsUnsupportedSecLevels}`, T.Counter, () => counter(usm.unsupportedSecLevels));
  scalar('usmStatsNotInTimeWindows', `${USM_STATS}.${USM_STAT.usmStatsNotInTimeWindows}`, T.Counter, () => counter(usm.notInTimeWindows));
  scalar('usmStatsUnknownUserNames', `${USM_STATS}.${USM_STAT.usmStatsUnknownUserNames}`, T.Counter, () => counter(usm.unknownUserNames));
  scalar('usmStatsUnknownEngineIDs', `${USM_STATS}.${USM_STAT.usmStatsUnknownEngineIDs}`, T.Counter, () => counter(usm.unknownEngineIDs));
  scalar('usmStatsWrongDigests', `${USM_STATS}.${USM_STAT.usmStatsWrongDigests}`, T.Counter, () => counter(usm.wrongDigests));
  scalar('usmStatsDecryptionErrors', `${USM_STATS}.${USM_STAT.usmStatsDecryptionErrors}`, T.Counter, () => counter(usm.decryptionErrors));

  registerSwitchTable(src);
  registerPortTable(src);
  host.invalidateIndex();
}

/** Column and row index of a table instance: entry.<column>.<i1>.<i2>... */
function instanceParts(req: MibRequest, entryLength: number): number[] | null {
  const addr = req.instanceNode?.address ?? parseOid(req.oid);
  if (!addr) return null;
  return addr.slice(entryLength).map(Number);
}

function registerSwitchTable(src: ProviderSources): void {
  const { host, cluster } = src;
  const entryLen = PIMAN_SWITCH_ENTRY.split('.').length;
  // Types come from the values so the table and values.ts cannot disagree.
  const sample: SwitchInfo = { index: 1, name: '', address: '0.0.0.0', ports: 0 };
  const col = (number: SwitchColumn, name: string, maxAccess: 0 | 2 = RO): MibTableColumn => ({
    number,
    name,
    type: typeOf(switchValue(number, sample, true)),
    maxAccess,
  });
  const columns: MibTableColumn[] = [
    col(SWITCH_COL.pimanSwitchIndex, 'pimanSwitchIndex', NA),
    col(SWITCH_COL.pimanSwitchName, 'pimanSwitchName'),
    col(SWITCH_COL.pimanSwitchAddress, 'pimanSwitchAddress'),
    col(SWITCH_COL.pimanSwitchReachable, 'pimanSwitchReachable'),
    col(SWITCH_COL.pimanSwitchPorts, 'pimanSwitchPorts'),
    col(SWITCH_COL.pimanSwitchRequestsInFlight, 'pimanSwitchRequestsInFlight'),
    col(SWITCH_COL.pimanSwitchRequestsQueued, 'pimanSwitchRequestsQueued'),
    col(SWITCH_COL.pimanSwitchRequests, 'pimanSwitchRequests'),
    col(SWITCH_COL.pimanSwitchRetries, 'pimanSwitchRetries'),
    col(SWITCH_COL.pimanSwitchTimeouts, 'pimanSwitchTimeouts'),
  ];
  const handler: MibHandler = (req) => {
    const parts = instanceParts(req, entryLen);
    const sw = parts ? cluster.switches.find((s) => s.index === parts[1]) : undefined;
    if (parts && sw && req.instanceNode) {
      req.instanceNode.value = switchValue(parts[0] as SwitchColumn, sw, src.switchReachable(sw.index), src.switchStats(sw.index)).value;
    }
    req.done();
  };
  host.mib.registerProvider({
    name: SWITCH_TABLE,
    type: snmp.MibProviderType.Table,
    oid: PIMAN_SWITCH_ENTRY,
    maxAccess: NA,
    tableColumns: columns,
    tableIndex: [{ columnName: 'pimanSwitchIndex' }],
    handler,
  });
  for (const sw of cluster.switches) {
    const row = columns.map((col) => switchValue(col.number as SwitchColumn, sw, true).value);
    host.mib.addTableRow(SWITCH_TABLE, row);
  }
}

function registerPortTable(src: ProviderSources): void {
  const { host, cluster } = src;
  const col = (number: PortColumn, name: string, value: MibValue, maxAccess: 0 | 2 | 3 = RO): MibTableColumn => ({
    number,
    name,
    type: typeOf(value),
    maxAccess,
  });
  // Types come from a sample value so the table and values.ts cannot disagree.
  const sample = cluster.ports()[0];
  if (!sample) return;
  const health = src.health ?? NO_HEALTH;
  const images = src.images;
  const imageOf = images ? (p: PortView): string => images.imageFor(p) : undefined;
  const cell = (c: PortColumn, p: PortView): MibValue =>
    isHealthColumn(c) ? healthValue(c, health.health(p), src.startedAt) : portValue(c, p, src.startedAt, imageOf);
  const v = (c: PortColumn): MibValue => cell(c, sample);
  const columns: MibTableColumn[] = [
    col(PORT_COL.pimanPortIndex, 'pimanPortIndex', v(PORT_COL.pimanPortIndex), NA),
    col(PORT_COL.pimanPortMacAddress, 'pimanPortMacAddress', v(PORT_COL.pimanPortMacAddress)),
    col(PORT_COL.pimanPortIpAddress, 'pimanPortIpAddress', v(PORT_COL.pimanPortIpAddress)),
    col(PORT_COL.pimanPortHostname, 'pimanPortHostname', v(PORT_COL.pimanPortHostname)),
    col(PORT_COL.pimanPortBootState, 'pimanPortBootState', v(PORT_COL.pimanPortBootState)),
    col(PORT_COL.pimanPortReinstall, 'pimanPortReinstall', v(PORT_COL.pimanPortReinstall), RW),
    col(PORT_COL.pimanPortPower, 'pimanPortPower', v(PORT_COL.pimanPortPower), RW),
    col(PORT_COL.pimanPortRestart, 'pimanPortRestart', v(PORT_COL.pimanPortRestart), RW),
    col(PORT_COL.pimanPortInstallProgress, 'pimanPortInstallProgress', v(PORT_COL.pimanPortInstallProgress)),
    col(PORT_COL.pimanPortLastChange, 'pimanPortLastChange', v(PORT_COL.pimanPortLastChange)),
    col(PORT_COL.pimanPortLastError, 'pimanPortLastError', v(PORT_COL.pimanPortLastError)),
    col(PORT_COL.pimanPortBootAttempts, 'pimanPortBootAttempts', v(PORT_COL.pimanPortBootAttempts)),
    col(PORT_COL.pimanPortImage, 'pimanPortImage', v(PORT_COL.pimanPortImage), RW),
    col(PORT_COL.pimanPortInstalledImage, 'pimanPortInstalledImage', v(PORT_COL.pimanPortInstalledImage)),
    col(PORT_COL.pimanPortInstalledDigest, 'pimanPortInstalledDigest', v(PORT_COL.pimanPortInstalledDigest)),
    col(PORT_COL.pimanPortHealthStatus, 'pimanPortHealthStatus', v(PORT_COL.pimanPortHealthStatus)),
    col(PORT_COL.pimanPortCpuPercent, 'pimanPortCpuPercent', v(PORT_COL.pimanPortCpuPercent)),
    col(PORT_COL.pimanPortMemoryPercent, 'pimanPortMemoryPercent', v(PORT_COL.pimanPortMemoryPercent)),
    col(PORT_COL.pimanPortDiskPercent, 'pimanPortDiskPercent', v(PORT_COL.pimanPortDiskPercent)),
    col(PORT_COL.pimanPortTemperature, 'pimanPortTemperature', v(PORT_COL.pimanPortTemperature)),
    col(PORT_COL.pimanPortProcesses, 'pimanPortProcesses', v(PORT_COL.pimanPortProcesses)),
    col(PORT_COL.pimanPortHealthTime, 'pimanPortHealthTime', v(PORT_COL.pimanPortHealthTime)),
    col(PORT_COL.pimanPortHealthMetric, 'pimanPortHealthMetric', v(PORT_COL.pimanPortHealthMetric)),
    col(PORT_COL.pimanPortHealthValue, 'pimanPortHealthValue', v(PORT_COL.pimanPortHealthValue)),
    col(PORT_COL.pimanPortHealthThreshold, 'pimanPortHealthThreshold', v(PORT_COL.pimanPortHealthThreshold)),
  ];
  host.mib.registerProvider({
    name: PORT_TABLE,
    type: snmp.MibProviderType.Table,
    oid: PIMAN_PORT_ENTRY,
    maxAccess: NA,
    tableColumns: columns,
    tableIndex: [{ columnName: 'pimanSwitchIndex', foreign: SWITCH_TABLE }, { columnName: 'pimanPortIndex' }],
  });
  // Every port of every switch, fixed by the configuration; each value read from the live port when asked.
  const keys: PortKey[] = cluster.ports().map((p) => ({ switchIndex: p.switchIndex, port: p.port }));
  host.addVirtualTable(PORT_TABLE, {
    rows: keys.map((k) => [k.switchIndex, k.port]),
    read: (column, row) => {
      const p = cluster.port(keys[row]!);
      return p ? cell(column as PortColumn, p).value : null;
    },
  });
}

/** Port key of an instance of the port table, or null when the OID is not one. */
export function portKeyOfOid(oid: string): { column: number; key: PortKey } | null {
  const parts = parseOid(oid);
  const entry = parseOid(PIMAN_PORT_ENTRY)!;
  if (!parts || parts.length !== entry.length + 3) return null;
  for (let i = 0; i < entry.length; i++) if (parts[i] !== entry[i]) return null;
  return { column: parts[entry.length]!, key: { switchIndex: parts[entry.length + 1]!, port: parts[entry.length + 2]! } };
}
