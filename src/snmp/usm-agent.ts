/**
 * The agent side of SNMPv3's User-based Security Model (RFC 3414 3.2):
 * checks one decoded v3 message step by step (engine ID, user, security
 * level, digest, time window, decryption) and either hands back its PDU
 * with the authenticated principal, or the Report an agent sends instead
 * (usmStats*), or nothing (drop). Responses are encrypted and signed here.
 * The crypto is net-snmp's public `Authentication` / `Encryption` (RFC 3414
 * key localisation, HMAC, DES, AES; test/unit/agent-usm.test.ts pins it to
 * the RFC's vectors). Pure apart from the random salt of encryption.
 */
import snmp from 'net-snmp';
import { tlv, uintTlv, oidTlv } from './ber.js';
import type { Access } from './access.js';
import { decodeScopedPdu, PDU, type RequestPdu, type V3Message } from './wire.js';
import { AUTH_PROTOCOLS as AUTH, PRIV_PROTOCOLS as PRIV, type UsmUserSpec } from './usm.js';

const FLAG_AUTH = 0x01;
const FLAG_PRIV = 0x02;
const FLAG_REPORTABLE = 0x04;
const USM = 3;
/** RFC 3414 3.2 step 7: the time window, in seconds. */
const TIME_WINDOW = 150;
const MAX_BOOTS = 0x7fffffff;

/** usmStats counters (RFC 3414), kept by the agent. */
export interface UsmStats {
  unsupportedSecLevels: number;
  notInTimeWindows: number;
  unknownUserNames: number;
  unknownEngineIDs: number;
  wrongDigests: number;
  decryptionErrors: number;
}
export type UsmCounter = keyof UsmStats;

const REPORT_OID: Record<UsmCounter, string> = {
  unsupportedSecLevels: '1.3.6.1.6.3.15.1.1.1.0',
  notInTimeWindows: '1.3.6.1.6.3.15.1.1.2.0',
  unknownUserNames: '1.3.6.1.6.3.15.1.1.3.0',
  unknownEngineIDs: '1.3.6.1.6.3.15.1.1.4.0',
  wrongDigests: '1.3.6.1.6.3.15.1.1.5.0',
  decryptionErrors: '1.3.6.1.6.3.15.1.1.6.0',
};

/** snmpUnknownContexts.0 (SNMP-TARGET-MIB, RFC 3413): piman has only the default (empty) context. */
const UNKNOWN_CONTEXTS_OID = '1.3.6.1.6.3.12.1.5.0';

export interface LocalEngine {
  readonly engineID: Buffer;
  readonly engineBoots: number;
  /** Seconds since this engine started (snmpEngineTime). */
  engineTime(): number;
}

interface User {
  readonly name: string;
  readonly access: Access;
  readonly auth: number;
  readonly authKey: string;
  readonly priv: number;
  readonly privKey: string;
}

export type V3Outcome =
  /** Nothing to send (malformed, not reportable, unknown security model). */
  | { readonly kind: 'drop'; readonly reason: string }
  /** A Report instead of the request's answer; `counter` was incremented. */
  | { readonly kind: 'report'; readonly counter: UsmCounter | 'unknownContexts'; readonly packet: Buffer | null }
  | { readonly kind: 'request'; readonly pdu: RequestPdu; readonly user: string; readonly access: Access; readonly contextName: Buffer; readonly seal: (scopedPdu: Buffer) => Buffer };

export class UsmAgent {
  readonly stats: UsmStats = { unsupportedSecLevels: 0, notInTimeWindows: 0, unknownUserNames: 0, unknownEngineIDs: 0, wrongDigests: 0, decryptionErrors: 0 };
  /** snmpUnknownContexts: authenticated requests for a context other than the default one. */
  unknownContexts = 0;
  private readonly users = new Map<string, User>();

  constructor(
    private readonly engine: LocalEngine,
    users: readonly UsmUserSpec[],
    /** Our msgMaxSize, announced in responses. */
    private readonly maxSize: number,
  ) {
    for (const u of users) {
      this.users.set(u.name, { name: u.name, access: u.access, auth: AUTH[u.authProtocol], authKey: u.authKey, priv: PRIV[u.privProtocol], privKey: u.privKey });
    }
  }

  /** RFC 3414 3.2, in its order; reports only for reportable messages. */
  process(m: V3Message): V3Outcome {
    if (m.securityModel !== USM) return { kind: 'drop', reason: `security model ${m.securityModel}` };
    if ((m.flags & FLAG_PRIV) && !(m.flags & FLAG_AUTH)) return { kind: 'drop', reason: 'msgFlags priv without auth' };
    const report = (counter: UsmCounter, user?: User): V3Outcome => {
      this.stats[counter] = (this.stats[counter] + 1) >>> 0;
      return { kind: 'report', counter, packet: m.flags & FLAG_REPORTABLE ? this.report(m, counter, user) : null };
    };
    const eng = this.engine;
    if (!m.engineId.equals(eng.engineID)) return report('unknownEngineIDs');
    const user = this.users.get(m.userName.toString('utf8'));
    if (!user || !Buffer.from(user.name, 'utf8').equals(m.userName)) return report('unknownUserNames');
    // piman's users are all authPriv
    if ((m.flags & (FLAG_AUTH | FLAG_PRIV)) !== (FLAG_AUTH | FLAG_PRIV)) return report('unsupportedSecLevels');
    if (!snmp.Authentication.isAuthentic(m.packet, user.auth, user.authKey, eng.engineID, m.authParams)) return report('wrongDigests');
    const now = eng.engineTime();
    if (eng.engineBoots >= MAX_BOOTS || m.engineBoots !== eng.engineBoots || Math.abs(m.engineTime - now) > TIME_WINDOW) {
      return report('notInTimeWindows', user);
    }
    let plain: Buffer;
    try {
      plain = snmp.Encryption.decryptPdu(user.priv, m.scoped, m.privParams, user.privKey, user.auth, {
        engineID: eng.engineID,
        engineBoots: m.engineBoots,
        engineTime: m.engineTime,
      });
    } catch {
      return report('decryptionErrors');
    }
    const scoped = decodeScopedPdu(plain);
    if (!scoped) return report('decryptionErrors');
    if (scoped.contextName.length > 0) {
      // RFC 3413 3.2 step 3: no such context. The Report goes back at the request's level, sealed for its user.
      this.unknownContexts = (this.unknownContexts + 1) >>> 0;
      const packet = m.flags & FLAG_REPORTABLE ? this.seal(m, user, this.reportScoped(scoped.pdu.requestId, UNKNOWN_CONTEXTS_OID, this.unknownContexts)) : null;
      return { kind: 'report', counter: 'unknownContexts', packet };
    }
    return {
      kind: 'request',
      pdu: scoped.pdu,
      user: user.name,
      access: user.access,
      contextName: scoped.contextName,
      seal: (scopedPdu) => this.seal(m, user, scopedPdu),
    };
  }

  /** The authPriv response message around an encoded scoped PDU. */
  private seal(m: V3Message, user: User, scopedPdu: Buffer): Buffer {
    const eng = this.engine;
    const time = eng.engineTime();
    const { encryptedPdu, msgPrivacyParameters } = snmp.Encryption.encryptPdu(user.priv, scopedPdu, user.privKey, user.auth, {
      engineID: eng.engineID,
      engineBoots: eng.engineBoots,
      engineTime: time,
    });
    const built = this.message(m.msgId, FLAG_AUTH | FLAG_PRIV, user, time, msgPrivacyParameters, tlv(0x04, encryptedPdu));
    snmp.Authentication.writeParameters(built.packet, user.auth, user.authKey, eng.engineID, built.digest);
    return built.packet;
  }

  /** The Report for `counter` (noAuthNoPriv, or authNoPriv for notInTimeWindows so the manager trusts the clock it carries). */
  private report(m: V3Message, counter: UsmCounter, user?: User): Buffer {
    // The request-id of a plaintext request; an encrypted one is unknown (managers match on msgID).
    const requestId = m.flags & FLAG_PRIV ? 0 : (decodeScopedPdu(m.scoped)?.pdu.requestId ?? 0);
    const scoped = this.reportScoped(requestId, REPORT_OID[counter], this.stats[counter]);
    const time = this.engine.engineTime();
    if (!user) {
      const anon = { name: m.userName.toString('latin1'), nameBytes: m.userName };
      return this.message(m.msgId, 0, anon, time, Buffer.alloc(0), scoped).packet;
    }
    const built = this.message(m.msgId, FLAG_AUTH, user, time, Buffer.alloc(0), scoped);
    snmp.Authentication.writeParameters(built.packet, user.auth, user.authKey, this.engine.engineID, built.digest);
    return built.packet;
  }

  /** The scoped PDU of a Report carrying one Counter32 (the counter that the refusal incremented). */
  private reportScoped(requestId: number, oid: string, count: number): Buffer {
    const varbind = tlv(0x30, Buffer.concat([oidTlv(oid), uintTlv(count, 0x41)]));
    const pdu = tlv(PDU.REPORT, Buffer.concat([intTlv(requestId), uintTlv(0), uintTlv(0), tlv(0x30, varbind)]));
    return tlv(0x30, Buffer.concat([tlv(0x04, this.engine.engineID), tlv(0x04, Buffer.alloc(0)), pdu]));
  }

  /** A v3 message with a zeroed digest of the user's length (none without auth); `digest` is a view into it. */
  private message(
    msgId: number,
    flags: number,
    user: { name: string; auth?: number; nameBytes?: Buffer },
    time: number,
    privParams: Buffer,
    data: Buffer,
  ): { packet: Buffer; digest: Buffer } {
    const eng = this.engine;
    const digestLength = flags & FLAG_AUTH && user.auth ? snmp.Authentication.getParametersLength(user.auth) : 0;
    const privTlv = tlv(0x04, privParams);
    const usm = tlv(
      0x30,
      Buffer.concat([
        tlv(0x04, eng.engineID),
        uintTlv(eng.engineBoots),
        uintTlv(time),
        tlv(0x04, user.nameBytes ?? Buffer.from(user.name, 'utf8')),
        tlv(0x04, Buffer.alloc(digestLength)),
        privTlv,
      ]),
    );
    const header = tlv(0x30, Buffer.concat([uintTlv(msgId), uintTlv(this.maxSize), tlv(0x04, Buffer.from([flags])), uintTlv(USM)]));
    const packet = tlv(0x30, Buffer.concat([uintTlv(3), header, tlv(0x04, usm), data]));
    const digestStart = packet.length - data.length - privTlv.length - digestLength;
    return { packet, digest: packet.subarray(digestStart, digestStart + digestLength) };
  }
}

/** A signed INTEGER TLV (request-ids may be negative). */
function intTlv(v: number): Buffer {
  const bytes: number[] = [];
  let x = v;
  for (;;) {
    bytes.unshift(x & 0xff);
    if (x >= -0x80 && x < 0x80) break;
    x = Math.floor(x / 256);
  }
  return tlv(0x02, Buffer.from(bytes));
}
