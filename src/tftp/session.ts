/**
 * One read transfer as a pure state machine: events in (start, ACK, ERROR,
 * timer expiry), actions out (send this packet, send DATA block n, arm the
 * timer, finished). No sockets, no clocks, no file access: the server turns
 * `data` actions into DATA packets from its file reader.
 *
 * Blocks are numbered internally from 1 without limit; on the wire they
 * are `n & 0xffff`, so transfers roll over past block 65535 to 0 (what
 * tftp-hpa, curl and the Pi boot ROMs expect).
 *
 * Only a timer expiry retransmits. A duplicate ACK changes nothing, which
 * avoids the Sorcerer's Apprentice syndrome (RFC 1123 4.2.3.1).
 *
 * Until the client's first ACK the transfer lives at most `firstAckMs` in
 * all and ends silently: a request with a forged source address then makes
 * piman send a few packets to that address, not a stream for minutes.
 */
import type { TftpOptions } from './packet.js';

export interface SessionConfig {
  /** Bytes to send. */
  readonly size: number;
  readonly blksize: number;
  readonly windowsize: number;
  /** First retransmission timeout; doubles on every retry (backoff). */
  readonly timeoutMs: number;
  /** Upper bound for the backed-off timeout. */
  readonly maxTimeoutMs: number;
  /** Retransmissions of the same packet before giving up. */
  readonly retries: number;
  /** Options to acknowledge with an OACK; empty: start with DATA 1. */
  readonly oack: TftpOptions;
  /** Total wait for the first ACK (of the OACK or DATA 1), retransmissions included; none: only `retries` bound it. */
  readonly firstAckMs?: number;
}

export type SessionResult = 'complete' | 'aborted' | 'timeout';

export type SessionAction =
  | { readonly type: 'oack'; readonly options: TftpOptions }
  /** Send DATA for internal block `block` (1-based); wire number is block & 0xffff. */
  | { readonly type: 'data'; readonly block: number }
  | { readonly type: 'error'; readonly code: number; readonly message: string }
  /** (Re)arm the single transfer timer. */
  | { readonly type: 'timer'; readonly ms: number }
  | { readonly type: 'end'; readonly result: SessionResult; readonly detail: string };

type Phase = 'idle' | 'oack' | 'data' | 'done';

export class TftpSession {
  readonly totalBlocks: number;
  private phase: Phase = 'idle';
  /** Highest block the client acknowledged. */
  private base = 0;
  /** Highest block sent so far. */
  private top = 0;
  private attempt = 0;
  /** The client has acknowledged something (ACK 0 of the OACK or a DATA block). */
  private heard = false;
  /** Sum of the timers armed so far while not `heard`. */
  private waited = 0;
  private lastTimerMs = 0;

  constructor(readonly cfg: SessionConfig) {
    // A final short (possibly empty) block marks the end, so a size that is
    // a multiple of blksize needs one empty block more.
    this.totalBlocks = Math.floor(cfg.size / cfg.blksize) + 1;
  }

  get done(): boolean {
    return this.phase === 'done';
  }

  /** Highest acknowledged block: DATA for blocks <= this is no longer needed. */
  get acked(): number {
    return this.base;
  }

  /** Payload bytes of internal block `block`. */
  blockLength(block: number): number {
    const start = (block - 1) * this.cfg.blksize;
    return Math.max(0, Math.min(this.cfg.blksize, this.cfg.size - start));
  }

  start(): SessionAction[] {
    if (this.phase !== 'idle') return [];
    if (this.cfg.oack.length > 0) {
      this.phase = 'oack';
      return [{ type: 'oack', options: this.cfg.oack }, this.timer()];
    }
    this.phase = 'data';
    return this.window();
  }

  onAck(wireBlock: number): SessionAction[] {
    if (this.phase === 'oack') {
      if (wireBlock !== 0) return [];
      this.heard = true;
      this.phase = 'data';
      this.attempt = 0;
      return this.window();
    }
    if (this.phase !== 'data') return [];
    const delta = (wireBlock - (this.base & 0xffff)) & 0xffff;
    // delta 0: duplicate ACK; beyond `top`: a block never sent (or a stale
    // ACK from 65536 blocks ago). Both are ignored.
    if (delta === 0 || this.base + delta > this.top) return [];
    this.base += delta;
    this.attempt = 0;
    this.heard = true;
    if (this.base >= this.totalBlocks) {
      this.phase = 'done';
      return [{ type: 'end', result: 'complete', detail: `${this.totalBlocks} blocks` }];
    }
    // An ACK inside the window (RFC 7440) means the client lost what followed:
    // the next window restarts right after it. With windowsize 1 this is
    // simply the next block.
    return this.window();
  }

  /** The client sent ERROR (the Pi 4 tsize probe sends ERROR 0 after the OACK). */
  onError(code: number, message: string): SessionAction[] {
    if (this.phase === 'done') return [];
    this.phase = 'done';
    return [{ type: 'end', result: 'aborted', detail: `client sent ERROR ${code}${message ? ` '${message}'` : ''}` }];
  }

  /** The timer armed by the last `timer` action expired. */
  onTimeout(): SessionAction[] {
    if (this.phase === 'done' || this.phase === 'idle') return [];
    if (!this.heard) {
      this.waited += this.lastTimerMs;
      if (this.cfg.firstAckMs !== undefined && this.waited >= this.cfg.firstAckMs) {
        const what = this.phase === 'oack' ? 'OACK' : 'block 1';
        this.phase = 'done';
        // No ERROR: the address never showed it is a client at all (it may be forged).
        return [{ type: 'end', result: 'timeout', detail: `no answer to ${what} within ${this.waited} ms` }];
      }
    }
    if (this.attempt >= this.cfg.retries) {
      const what = this.phase === 'oack' ? 'OACK' : `block ${this.base + 1}`;
      this.phase = 'done';
      return [
        { type: 'error', code: 0, message: 'transfer timed out' },
        { type: 'end', result: 'timeout', detail: `no answer to ${what} after ${this.attempt + 1} tries` },
      ];
    }
    this.attempt++;
    if (this.phase === 'oack') return [{ type: 'oack', options: this.cfg.oack }, this.timer()];
    return this.window();
  }

  private window(): SessionAction[] {
    const out: SessionAction[] = [];
    const last = Math.min(this.base + this.cfg.windowsize, this.totalBlocks);
    for (let b = this.base + 1; b <= last; b++) out.push({ type: 'data', block: b });
    this.top = last;
    out.push(this.timer());
    return out;
  }

  private timer(): SessionAction {
    let ms = Math.min(this.cfg.timeoutMs * 2 ** this.attempt, this.cfg.maxTimeoutMs);
    // The last wait for a first ACK ends exactly at the lifetime.
    if (!this.heard && this.cfg.firstAckMs !== undefined) ms = Math.max(1, Math.min(ms, this.cfg.firstAckMs - this.waited));
    this.lastTimerMs = ms;
    return { type: 'timer', ms };
  }
}
