/** piman's SNMPv3 users (agent.users, a switch's user) and their net-snmp form (agent and clients). */
import snmp, { type UsmUser } from 'net-snmp';
import type { Access } from './access.js';

export const AUTH_PROTOCOLS = {
  md5: snmp.AuthProtocols.md5,
  sha: snmp.AuthProtocols.sha,
  sha256: snmp.AuthProtocols.sha256,
  sha512: snmp.AuthProtocols.sha512,
} as const;

export const PRIV_PROTOCOLS = {
  des: snmp.PrivProtocols.des,
  aes: snmp.PrivProtocols.aes,
  aes256b: snmp.PrivProtocols.aes256b,
  aes256r: snmp.PrivProtocols.aes256r,
} as const;

/** One SNMPv3 user: always authPriv (both keys are required). */
export interface UsmUserSpec {
  readonly name: string;
  readonly authProtocol: keyof typeof AUTH_PROTOCOLS;
  readonly authKey: string;
  readonly privProtocol: keyof typeof PRIV_PROTOCOLS;
  readonly privKey: string;
  /** What the user may do at piman's agent (a switch's user ignores it). */
  readonly access: Access;
}

export function toUsmUser(u: UsmUserSpec): UsmUser {
  return {
    name: u.name,
    level: snmp.SecurityLevel.authPriv,
    authProtocol: AUTH_PROTOCOLS[u.authProtocol],
    authKey: u.authKey,
    privProtocol: PRIV_PROTOCOLS[u.privProtocol],
    privKey: u.privKey,
  };
}
