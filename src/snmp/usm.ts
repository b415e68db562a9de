/** Maps piman.yaml SNMPv3 users to net-snmp's USM user objects (agent and clients). */
import snmp, { type UsmUser } from 'net-snmp';
import type { UsmUserConfig } from '../config/schema.js';

const AUTH = {
  md5: snmp.AuthProtocols.md5,
  sha: snmp.AuthProtocols.sha,
  sha256: snmp.AuthProtocols.sha256,
  sha512: snmp.AuthProtocols.sha512,
} as const;

const PRIV = {
  des: snmp.PrivProtocols.des,
  aes: snmp.PrivProtocols.aes,
  aes256b: snmp.PrivProtocols.aes256b,
  aes256r: snmp.PrivProtocols.aes256r,
} as const;

/** piman users are always authPriv (the schema requires both keys). */
export function toUsmUser(u: UsmUserConfig): UsmUser {
  return {
    name: u.name,
    level: snmp.SecurityLevel.authPriv,
    authProtocol: AUTH[u.authProtocol],
    authKey: u.authKey,
    privProtocol: PRIV[u.privProtocol],
    privKey: u.privKey,
  };
}
