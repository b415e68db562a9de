/** Pure mapping from an unknown-MAC registry entry to pimanUnknownMacTable values. */
import type { UnknownMac } from '../cluster/unknown-macs.js';
import { FALSE, TRUE, UNKNOWN_MAC_COL, type UnknownMacColumn } from './oids.js';
import { displayString, macBytes } from './values.js';

export type UnknownMacValue =
  | { kind: 'unsigned'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'counter'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'bytes'; value: Buffer };

/** DateAndTime (SNMPv2-TC), 11 octets in UTC: year(2), month, day, hour, minutes, seconds, deci-seconds, '+', 0, 0. */
export function dateAndTime(ms: number): Buffer {
  const d = new Date(ms);
  const b = Buffer.alloc(11);
  b.writeUInt16BE(d.getUTCFullYear(), 0);
  b[2] = d.getUTCMonth() + 1;
  b[3] = d.getUTCDate();
  b[4] = d.getUTCHours();
  b[5] = d.getUTCMinutes();
  b[6] = d.getUTCSeconds();
  b[7] = Math.floor(d.getUTCMilliseconds() / 100);
  b[8] = 0x2b; // '+'
  return b;
}

/** The instant a DateAndTime (8 or 11 octets) names, in ms since epoch; null when it is not one. */
export function parseDateAndTime(b: Buffer): number | null {
  if (b.length !== 8 && b.length !== 11) return null;
  const utc = Date.UTC(b.readUInt16BE(0), b[2]! - 1, b[3]!, b[4]!, b[5]!, b[6]!, b[7]! * 100);
  if (Number.isNaN(utc)) return null;
  if (b.length === 8) return utc; // local time of the agent, zone unknown: read as UTC
  const sign = b[8] === 0x2d ? -1 : 1; // '-'
  // The fields are local time at UTC+offset: subtract the offset to get UTC.
  return utc - sign * (b[9]! * 60 + b[10]!) * 60_000;
}

export function unknownMacValue(col: UnknownMacColumn, e: UnknownMac): UnknownMacValue {
  switch (col) {
    case UNKNOWN_MAC_COL.pimanUnknownMacIndex:
      return { kind: 'unsigned', value: e.index };
    case UNKNOWN_MAC_COL.pimanUnknownMacAddress:
      return { kind: 'bytes', value: macBytes(e.mac) };
    case UNKNOWN_MAC_COL.pimanUnknownMacRaspberryPi:
      return { kind: 'int', value: e.raspberryPi ? TRUE : FALSE };
    case UNKNOWN_MAC_COL.pimanUnknownMacVendorClass:
      return { kind: 'string', value: displayString(e.vendorClass) };
    case UNKNOWN_MAC_COL.pimanUnknownMacFirstSeen:
      return { kind: 'bytes', value: dateAndTime(e.firstSeen) };
    case UNKNOWN_MAC_COL.pimanUnknownMacLastSeen:
      return { kind: 'bytes', value: dateAndTime(e.lastSeen) };
    case UNKNOWN_MAC_COL.pimanUnknownMacRequests:
      return { kind: 'counter', value: e.count % 0x100000000 };
  }
}
