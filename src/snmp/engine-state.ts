/**
 * The SNMPv3 engine's identity across restarts (RFC 3414 2.2): snmpEngineID
 * is made once and kept (or set in the config), snmpEngineBoots counts the
 * starts, and both are on disk before the agent answers, so a manager that
 * cached the engine ID keeps working after a restart (it gets one
 * notInTimeWindow Report, learns the new boots and time, and goes on).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PimanError, describeError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic-file.js';

export const ENGINE_FILE = 'snmp-engine.json';
/** RFC 3414: at 2^31 - 1 the engine stays there (and needs new keys). */
const MAX_BOOTS = 0x7fffffff;

export interface EngineIdentity {
  readonly engineID: Buffer;
  readonly engineBoots: number;
}

/** RFC 3411 SnmpEngineID: enterprise 8072 (net-snmp's arc, as PIMAN-MIB), format 5 (octets), 12 random octets. */
export function newEngineId(): Buffer {
  return Buffer.concat([Buffer.from([0x80, 0x00, 0x1f, 0x88, 0x05]), randomBytes(12)]);
}

/** Hex of an engine ID from the config (5..32 octets, RFC 3411), or a PimanError. */
export function parseEngineId(hex: string): Buffer {
  const clean = hex.replace(/^0x/i, '').replace(/:/g, '');
  if (!/^([0-9a-f]{2}){5,32}$/i.test(clean)) throw new PimanError('E_CONFIG', `agent.engineID: ${hex} is not 5 to 32 octets of hex`);
  return Buffer.from(clean, 'hex');
}

/**
 * Reads the folder's engine state, counts this start and writes it back
 * atomically. `configured` overrides the stored ID; boots restart at 1 when
 * the ID changes.
 */
export async function startEngine(dir: string, configured?: Buffer): Promise<EngineIdentity> {
  const path = join(dir, ENGINE_FILE);
  let stored: { engineID: Buffer; engineBoots: number } | null = null;
  try {
    const raw = JSON.parse(await readFile(path, 'utf8')) as { engineID?: unknown; engineBoots?: unknown };
    if (typeof raw.engineID === 'string' && /^([0-9a-f]{2}){5,32}$/.test(raw.engineID) && Number.isInteger(raw.engineBoots)) {
      stored = { engineID: Buffer.from(raw.engineID, 'hex'), engineBoots: Math.max(0, Number(raw.engineBoots)) };
    } else {
      throw new Error('unexpected content');
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new PimanError('E_STATE_CORRUPT', `${path}: ${describeError(e)}; remove it to get a new SNMP engine ID`, { cause: e });
    }
  }
  const engineID = configured ?? stored?.engineID ?? newEngineId();
  const previous = stored && stored.engineID.equals(engineID) ? stored.engineBoots : 0;
  const engineBoots = Math.min(previous + 1, MAX_BOOTS);
  try {
    await writeFileAtomic(path, JSON.stringify({ engineID: engineID.toString('hex'), engineBoots }) + '\n');
  } catch (e) {
    throw new PimanError('E_STATE_IO', `cannot store the SNMP engine state in ${path}: ${describeError(e)}`, { cause: e });
  }
  return { engineID, engineBoots };
}
