/**
 * The lab talks to piman the way a user would: SNMP to the agent
 * (PIMAN-MIB). These are the few client calls the demo needs, plus the
 * ready-to-paste command lines it prints.
 */
import snmp from 'net-snmp';
import { snmpSetInt, snmpSubtree, type Session } from '../switch/snmp-client.js';
import { PIMAN_PORT_ENTRY, PORT_COL, TRUE, portColumnOid } from '../agent/oids.js';
import { mibSearchPath } from '../snmp/mib-path.js';
import { BOOT_STATES, type BootState } from '../cluster/types.js';

export function openAgentSession(address: string, port: number, community: string): Session {
  const s = snmp.createSession(address, community, { port, version: snmp.Version2c, timeout: 2000, retries: 2 });
  s.on('error', () => undefined); // a malformed response must not crash the lab
  return s;
}

/** SET pimanPortReinstall.<switch>.<port> = true(1). */
export async function setReinstall(s: Session, switchIndex: number, port: number): Promise<void> {
  await snmpSetInt(s, portColumnOid(PORT_COL.pimanPortReinstall, switchIndex, port), TRUE);
}

export interface InventoryRow {
  switchIndex: number;
  port: number;
  mac: string;
  ip: string;
  hostname: string;
  state: BootState | 'unknown';
  reinstall: boolean;
  lastError: string;
}

/** Walks pimanPortTable and folds it into one row per port. */
export async function walkInventory(s: Session): Promise<InventoryRow[]> {
  const vbs = await snmpSubtree(s, PIMAN_PORT_ENTRY, 40);
  const rows = new Map<string, InventoryRow>();
  const prefix = PIMAN_PORT_ENTRY + '.';
  for (const vb of vbs) {
    if (!vb.oid.startsWith(prefix)) continue;
    const [col, sw, port] = vb.oid.slice(prefix.length).split('.').map(Number) as [number, number, number];
    const key = `${sw}.${port}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { switchIndex: sw, port, mac: '', ip: '', hostname: '', state: 'unknown', reinstall: false, lastError: '' }));
    const v = vb.value;
    const text = Buffer.isBuffer(v) ? v : Buffer.from(String(v ?? ''));
    switch (col) {
      case PORT_COL.pimanPortMacAddress:
        r.mac = Buffer.isBuffer(v) && v.length === 6 ? Array.from(v, (b) => b.toString(16).padStart(2, '0')).join(':') : '';
        break;
      case PORT_COL.pimanPortIpAddress:
        r.ip = typeof v === 'string' ? v : Buffer.isBuffer(v) && v.length === 4 ? Array.from(v).join('.') : '';
        break;
      case PORT_COL.pimanPortHostname:
        r.hostname = text.toString('utf8');
        break;
      case PORT_COL.pimanPortBootState:
        r.state = BOOT_STATES[Number(v) - 1] ?? 'unknown';
        break;
      case PORT_COL.pimanPortReinstall:
        r.reinstall = Number(v) === TRUE;
        break;
      case PORT_COL.pimanPortLastError:
        r.lastError = text.toString('utf8');
        break;
    }
  }
  return [...rows.values()].sort((a, b) => a.switchIndex - b.switchIndex || a.port - b.port);
}

/**
 * The `-M`/`-m` options for the net-snmp tools. Only PIMAN-MIB and
 * SNMPv2-MIB are loaded (`-m +PIMAN-MIB` would also load net-snmp's default
 * list, most of which Debian does not ship, and print a page of warnings);
 * names are then written module-qualified.
 */
export function mibFlags(): string {
  return `-M ${mibSearchPath()} -m PIMAN-MIB:SNMPv2-MIB`;
}

/** The snmpwalk / snmpset lines a user can paste to reach this agent. */
export function snmpCommandLines(address: string, port: number, read: string, write: string, examplePort: number): string[] {
  const mibs = mibFlags();
  return [
    `snmpwalk -v2c -c ${read} ${mibs} ${address}:${port} PIMAN-MIB::pimanPortTable`,
    `snmptable -v2c -c ${read} -Cb -Ci ${mibs} ${address}:${port} PIMAN-MIB::pimanPortTable`,
    `snmpset -v2c -c ${write} ${mibs} ${address}:${port} PIMAN-MIB::pimanPortReinstall.1.${examplePort} i 1`,
  ];
}
