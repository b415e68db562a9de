/**
 * The SNMPv3 Report that tells a manager its authentication failed
 * (usmStatsWrongDigests, RFC 3414 3.2 step 6), which net-snmp's agent does
 * not send: without it `snmpget -v3` with a wrong passphrase waits for its
 * timeout and says "No Response" instead of "Authentication failure".
 * Pure: request bytes in, report bytes out (or null when the request is not
 * a reportable v3 message).
 */

import { oidTlv, readTlv, readUint, tlv, uintTlv } from './ber.js';

/** usmStatsWrongDigests.0 */
const WRONG_DIGESTS = [1, 3, 6, 1, 6, 3, 15, 1, 1, 5, 0];
const REPORTABLE = 0x04;

export interface LocalEngine {
  readonly engineID: Buffer;
  readonly engineBoots: number;
  readonly engineTime: number;
}

/** msgID of a reportable SNMPv3 message, or null. */
export function reportableMsgId(b: Buffer): number | null {
  const msg = readTlv(b, 0, 0x30);
  if (!msg) return null;
  const version = readTlv(b, msg.start, 0x02);
  if (!version || readUint(b, version) !== 3) return null;
  const global = readTlv(b, version.end, 0x30);
  if (!global) return null;
  const id = readTlv(b, global.start, 0x02);
  const maxSize = id && readTlv(b, id.end, 0x02);
  const flags = maxSize && readTlv(b, maxSize.end, 0x04);
  if (!id || !flags || flags.end - flags.start !== 1) return null;
  if (!(b[flags.start]! & REPORTABLE)) return null;
  return readUint(b, id);
}

/**
 * The Report for a request whose digest (or decryption) failed, sent
 * noAuthNoPriv with the request's msgID, as snmpd does. `count` is the
 * agent's usmStatsWrongDigests after this failure. Null when `request` is
 * not a reportable v3 message (a report must never answer a report).
 */
export function wrongDigestReport(request: Buffer, engine: LocalEngine, count: number): Buffer | null {
  const msgId = reportableMsgId(request);
  if (msgId === null) return null;
  const empty = Buffer.alloc(0);
  const global = tlv(0x30, Buffer.concat([uintTlv(msgId), uintTlv(65507), tlv(0x04, Buffer.from([0])), uintTlv(3)]));
  const usm = tlv(
    0x30,
    Buffer.concat([tlv(0x04, engine.engineID), uintTlv(engine.engineBoots), uintTlv(engine.engineTime), tlv(0x04, empty), tlv(0x04, empty), tlv(0x04, empty)]),
  );
  // The request's PDU is encrypted or untrusted: its request-id is not used (managers match on msgID).
  const varbind = tlv(0x30, Buffer.concat([oidTlv(WRONG_DIGESTS), uintTlv(count >>> 0, 0x41)]));
  const pdu = tlv(0xa8, Buffer.concat([uintTlv(0), uintTlv(0), uintTlv(0), tlv(0x30, varbind)]));
  const scoped = tlv(0x30, Buffer.concat([tlv(0x04, engine.engineID), tlv(0x04, empty), pdu]));
  return tlv(0x30, Buffer.concat([uintTlv(3), global, tlv(0x04, usm), scoped]));
}
