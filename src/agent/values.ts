/**
 * Pure mapping from the cluster model to PIMAN-MIB values (no net-snmp, no
 * sockets), so every column's encoding is unit-tested on its own.
 */
import { dateAndTime as utcDateAndTime } from './unknown-mac-values.js';
import type { PortView, SwitchInfo } from '../cluster/types.js';
import type { SwitchStats } from '../switch/types.js';
import { FALSE, IMAGE_COL, PORT_COL, POWER, SWITCH_COL, TRUE, bootStateNumber, type ImageColumn, type StateColumn } from './oids.js';

/** What a column holds; `kind` tells net-snmp which SMI type to send. */
export type MibValue =
  | { kind: 'int'; value: number }
  | { kind: 'gauge'; value: number }
  | { kind: 'counter'; value: number }
  | { kind: 'ticks'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'bytes'; value: Buffer }
  | { kind: 'ip'; value: string };

export const DISPLAY_MAX = 255;
const ZERO_MAC = Buffer.alloc(6);

/** DisplayString: printable, at most `max` octets (errors can be long or multi-line). */
export function displayString(s: string | null | undefined, max = DISPLAY_MAX): string {
  if (!s) return '';
  if (s.length <= max && isPrintable(s)) return s; // the common case, read on every GET: no regex
  const flat = s.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e]/g, '?');
  return flat.length > max ? flat.slice(0, max - 3) + '...' : flat;
}

function isPrintable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** The 12 hex digits of `mac`, whatever separates them, as 6 octets; all zero when there are not exactly 12. */
export function macBytes(mac: string | null): Buffer {
  if (!mac) return ZERO_MAC;
  const out = Buffer.allocUnsafe(6);
  let n = 0;
  for (let i = 0; i < mac.length; i++) {
    const d = hexDigit(mac.charCodeAt(i));
    if (d < 0) continue;
    if (n === 12) return ZERO_MAC;
    out[n >> 1] = n & 1 ? out[n >> 1]! | d : d << 4;
    n++;
  }
  return n === 12 ? out : ZERO_MAC;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** TimeStamp: sysUpTime (centiseconds) at `at`; 0 when it was before the agent started. */
export function timeStamp(at: number, agentStart: number): number {
  const cs = Math.floor((at - agentStart) / 10);
  return cs > 0 ? Math.min(cs, 0xffffffff) : 0;
}

/** `imageOf` names the image the port's next install uses (the catalog's choice); without it, the stored choice. */
export function portValue(col: StateColumn, p: PortView, agentStart: number, imageOf?: (p: PortView) => string): MibValue {
  switch (col) {
    case PORT_COL.pimanPortIndex:
      return { kind: 'int', value: p.port };
    case PORT_COL.pimanPortMacAddress:
      return { kind: 'bytes', value: macBytes(p.mac) };
    case PORT_COL.pimanPortIpAddress:
      return { kind: 'ip', value: p.ip ?? '0.0.0.0' };
    case PORT_COL.pimanPortHostname:
      return { kind: 'string', value: displayString(p.hostname) };
    case PORT_COL.pimanPortBootState:
      return { kind: 'int', value: bootStateNumber(p.state) };
    case PORT_COL.pimanPortReinstall:
      return { kind: 'int', value: p.reinstall ? TRUE : FALSE };
    case PORT_COL.pimanPortPower:
      return { kind: 'int', value: POWER[p.power] };
    case PORT_COL.pimanPortRestart:
      return { kind: 'int', value: FALSE };
    case PORT_COL.pimanPortInstallProgress:
      return { kind: 'gauge', value: Math.max(0, Math.min(100, p.installProgress)) };
    case PORT_COL.pimanPortLastChange:
      return { kind: 'ticks', value: timeStamp(p.lastChange, agentStart) };
    case PORT_COL.pimanPortLastError:
      return { kind: 'string', value: displayString(p.lastError) };
    case PORT_COL.pimanPortBootAttempts:
      return { kind: 'gauge', value: u32(p.bootAttempts) };
    case PORT_COL.pimanPortImage:
      return { kind: 'string', value: displayString(imageOf ? imageOf(p) : p.image, 32) };
    case PORT_COL.pimanPortInstalledImage:
      return { kind: 'string', value: displayString(p.installedImage, 32) };
    case PORT_COL.pimanPortInstalledDigest:
      return { kind: 'string', value: displayString(p.installedDigest, 64) };
  }
}

/** What the image table shows of one image (src/images/catalog.ts ImageInfo plus its port count). */
export interface ImageRow {
  readonly index: number;
  readonly name: string;
  readonly size: number | null;
  readonly sha256: string;
  readonly mtimeMs: number | null;
  readonly problem: string | null;
  readonly ports: number;
}

/** DateAndTime (SNMPv2-TC) of a file time; empty when there is none. */
export function dateAndTime(ms: number | null): Buffer {
  return ms === null || !Number.isFinite(ms) ? Buffer.alloc(0) : utcDateAndTime(ms);
}

export function imageValue(col: ImageColumn, r: ImageRow): MibValue {
  switch (col) {
    case IMAGE_COL.pimanImageIndex:
      return { kind: 'int', value: r.index };
    case IMAGE_COL.pimanImageName:
      return { kind: 'string', value: displayString(r.name, 32) };
    case IMAGE_COL.pimanImageSize:
      // KiB in a Gauge32 (up to 4 TiB); rounded up so a non-empty file never reads 0.
      return { kind: 'gauge', value: r.size === null ? 0 : Math.min(0xffffffff, Math.ceil(r.size / 1024)) };
    case IMAGE_COL.pimanImageSha256:
      return { kind: 'string', value: displayString(r.sha256, 64) };
    case IMAGE_COL.pimanImageLastModified:
      return { kind: 'bytes', value: dateAndTime(r.mtimeMs) };
    case IMAGE_COL.pimanImagePorts:
      return { kind: 'gauge', value: u32(r.ports) };
    case IMAGE_COL.pimanImageProblem:
      return { kind: 'string', value: displayString(r.problem) };
  }
}

export type SwitchColumn = (typeof SWITCH_COL)[keyof typeof SWITCH_COL];

/** Gauge32 / Counter32 (a counter wraps, as SMI counters do); a value that is not a count reads 0. */
const u32 = (n: number | undefined): number => (Number.isFinite(n) && n! > 0 ? Math.floor(n!) % 0x100000000 : 0);

/** `stats` is the switch's request queue; a switch client without one reads zero. */
export function switchValue(col: SwitchColumn, sw: SwitchInfo, reachable: boolean, stats?: SwitchStats): MibValue {
  switch (col) {
    case SWITCH_COL.pimanSwitchIndex:
      return { kind: 'int', value: sw.index };
    case SWITCH_COL.pimanSwitchName:
      return { kind: 'string', value: displayString(sw.name, 64) };
    case SWITCH_COL.pimanSwitchAddress:
      return { kind: 'ip', value: sw.address };
    case SWITCH_COL.pimanSwitchReachable:
      return { kind: 'int', value: reachable ? TRUE : FALSE };
    case SWITCH_COL.pimanSwitchPorts:
      return { kind: 'int', value: sw.ports };
    case SWITCH_COL.pimanSwitchRequestsInFlight:
      return { kind: 'gauge', value: u32(stats?.inFlight) };
    case SWITCH_COL.pimanSwitchRequestsQueued:
      return { kind: 'gauge', value: u32(stats?.queued) };
    case SWITCH_COL.pimanSwitchRequests:
      return { kind: 'counter', value: u32(stats?.requests) };
    case SWITCH_COL.pimanSwitchRetries:
      return { kind: 'counter', value: u32(stats?.retried) };
    case SWITCH_COL.pimanSwitchTimeouts:
      return { kind: 'counter', value: u32(stats?.timedOut) };
  }
}
