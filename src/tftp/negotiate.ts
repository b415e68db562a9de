/**
 * Option negotiation for read requests (RFC 2347 framework, 2348 blksize,
 * 2349 timeout + tsize, 7440 windowsize). Pure: request options + file size
 * + limits in, accepted values and the OACK option list out. Unknown or
 * invalid options are left out of the OACK, which RFC 2347 allows.
 *
 * A client's `timeout` above `maxTimeoutSeconds` is left out too: RFC 2349
 * lets the server only echo the value or not acknowledge it, and a long one
 * (255 s) would let a request that is never acknowledged hold a transfer
 * slot for hours. The transfer then runs on the server's own timeout.
 */
import { MAX_BLKSIZE, MIN_BLKSIZE, type TftpOptions } from './packet.js';

export interface NegotiationLimits {
  /** Largest block size offered (config tftp.maxBlksize, 1468 fits one Ethernet frame). */
  readonly maxBlksize: number;
  /** Largest window offered (RFC 7440); 1 = lock-step. */
  readonly maxWindowsize: number;
  /** Largest client `timeout` option accepted (default CLIENT_TIMEOUT_MAX_SECONDS). */
  readonly maxTimeoutSeconds?: number;
}

/** A few seconds: enough for any real client on a LAN, short enough to keep slots moving. */
export const CLIENT_TIMEOUT_MAX_SECONDS = 5;

export interface Negotiated {
  readonly blksize: number;
  readonly windowsize: number;
  /** Retransmission timeout the client asked for, or null for the server's own. */
  readonly timeoutMs: number | null;
  /** Options to put in the OACK; empty means: answer with DATA 1 directly. */
  readonly oack: TftpOptions;
}

const DIGITS = /^[0-9]{1,10}$/;

function int(v: string): number | null {
  return DIGITS.test(v) ? Number(v) : null;
}

export function negotiate(options: TftpOptions, fileSize: number, limits: NegotiationLimits): Negotiated {
  let blksize = 512;
  let windowsize = 1;
  let timeoutMs: number | null = null;
  const oack: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const [rawName, value] of options) {
    const name = rawName.toLowerCase();
    if (seen.has(name)) continue;
    seen.add(name);
    const v = int(value);
    if (v === null) continue;
    switch (name) {
      case 'blksize':
        if (v < MIN_BLKSIZE) continue;
        blksize = Math.min(v, limits.maxBlksize, MAX_BLKSIZE);
        oack.push([rawName, String(blksize)]);
        break;
      case 'tsize':
        // In a read request the client sends 0 and the server answers the size.
        oack.push([rawName, String(fileSize)]);
        break;
      case 'timeout':
        if (v < 1 || v > 255 || v > (limits.maxTimeoutSeconds ?? CLIENT_TIMEOUT_MAX_SECONDS)) continue;
        timeoutMs = v * 1000;
        oack.push([rawName, String(v)]);
        break;
      case 'windowsize':
        if (v < 1 || v > 65535) continue;
        windowsize = Math.max(1, Math.min(v, limits.maxWindowsize));
        oack.push([rawName, String(windowsize)]);
        break;
      // Stryker disable next-line ConditionalExpression: an unknown option falls out of the switch either way
      default:
        break;
    }
  }
  return { blksize, windowsize, timeoutMs, oack };
}
