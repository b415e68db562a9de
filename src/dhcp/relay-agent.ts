/**
 * Relay agent information, DHCP option 82 (RFC 3046), sans-IO. The option
 * is a list of sub-options `code len value`: 1 = agent circuit-id (which
 * port the request came in on), 2 = agent remote-id (which relay or switch).
 * The server echoes the whole option unchanged (policy.ts); this parser
 * only reads it, for binding a MAC to the port it names (circuit-port.ts).
 * Input is hostile: a malformed or oversized option gives `undefined`,
 * never an exception, and the work is bounded by MAX_AGENT_INFO_BYTES.
 */

export const OPT_RELAY_AGENT_INFO = 82;
export const SUB_CIRCUIT_ID = 1;
export const SUB_REMOTE_ID = 2;

/** RFC 3046 allows 255 bytes; RFC 3396 concatenation could make more. Beyond this it is not parsed (still echoed). */
export const MAX_AGENT_INFO_BYTES = 1024;

export interface SubOption {
  readonly code: number;
  readonly value: Buffer;
}

export interface RelayAgentInfo {
  /** Every sub-option in wire order (unknown ones included). */
  readonly subOptions: readonly SubOption[];
  /** First circuit-id / remote-id sub-option, if any. */
  readonly circuitId?: Buffer;
  readonly remoteId?: Buffer;
}

/** The sub-options of an option 82 value, or undefined when they do not parse exactly. */
export function parseRelayAgentInfo(value: Uint8Array): RelayAgentInfo | undefined {
  if (value.length === 0 || value.length > MAX_AGENT_INFO_BYTES) return undefined;
  const subOptions: SubOption[] = [];
  let i = 0;
  while (i < value.length) {
    if (i + 2 > value.length) return undefined;
    const code = value[i]!;
    const len = value[i + 1]!;
    if (i + 2 + len > value.length) return undefined;
    subOptions.push({ code, value: Buffer.from(value.subarray(i + 2, i + 2 + len)) });
    i += 2 + len;
  }
  const circuitId = subOptions.find((s) => s.code === SUB_CIRCUIT_ID)?.value;
  const remoteId = subOptions.find((s) => s.code === SUB_REMOTE_ID)?.value;
  return { subOptions, ...(circuitId ? { circuitId } : {}), ...(remoteId ? { remoteId } : {}) };
}

/** Encodes sub-options (a value of 255 bytes at most each); for tests and the test relay. */
export function encodeRelayAgentInfo(subOptions: readonly SubOption[]): Buffer {
  const parts: Buffer[] = [];
  for (const s of subOptions) {
    if (s.value.length > 255) throw new RangeError(`sub-option ${s.code}: ${s.value.length} bytes is more than 255`);
    parts.push(Buffer.from([s.code & 255, s.value.length]), s.value);
  }
  return Buffer.concat(parts);
}
