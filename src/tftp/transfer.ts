/**
 * Drives one TftpSession over its own link to the client (datagram-link.ts:
 * a fresh ephemeral port, the transfer ID of RFC 1350, connected to the
 * client's TID): carries out the session's actions in order, feeds it
 * ACK/ERROR/timer events. The kernel drops packets from any other TID (RFC
 * 1350 would answer them with ERROR 5; dropping them disturbs the transfer
 * no more).
 */
import type { TransferLink } from './datagram-link.js';
import { decodeTftp, encodeTftp, TFTP_ERRORS } from './packet.js';
import type { SessionAction, SessionResult, TftpSession } from './session.js';
import type { BlockReader } from './reader.js';

export interface TransferEnd {
  readonly result: SessionResult | 'error';
  readonly detail: string;
  readonly bytes: number;
}

export interface TransferHooks {
  onEnd(end: TransferEnd): void;
  /** A packet on this socket that is not TFTP (for rate-limited logging). */
  onMalformed(from: { readonly address: string; readonly port: number }, err: unknown): void;
}

export class Transfer {
  private queue: SessionAction[] = [];
  /** Next action of `queue` to carry out. */
  private head = 0;
  private busy = false;
  private timer: NodeJS.Timeout | null = null;
  private timerMs = 0;
  private ended = false;

  /** `link` must already be connected to peerAddress:peerPort. */
  constructor(
    private readonly link: TransferLink,
    private readonly peerAddress: string,
    private readonly peerPort: number,
    private readonly session: TftpSession,
    private readonly reader: BlockReader,
    private readonly hooks: TransferHooks,
  ) {
    link.listen({
      // One call per block: no closure made per ACK.
      ack: (block) => {
        if (this.ended) return;
        try {
          this.run(this.session.onAck(block));
        } catch (e) {
          this.internalError(e);
        }
      },
      datagram: (msg) => {
        try {
          this.onDatagram(msg);
        } catch (e) {
          this.internalError(e);
        }
      },
      failed: (message) => this.finish('error', `socket error: ${message}`),
    });
  }

  private internalError(e: unknown): void {
    this.finish('error', `internal error: ${(e as Error).message}`);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  start(): void {
    this.run(this.session.start());
  }

  /** Ends the transfer from outside; `notify`: tell the client with ERROR 0. */
  abort(reason: string, notify = true): void {
    if (this.ended) return;
    if (notify) this.sendRaw(encodeTftp({ op: 'error', code: TFTP_ERRORS.notDefined, message: reason }));
    this.finish('aborted', reason);
  }

  /** Anything but a plain ACK (the link hands those to session.onAck directly). */
  private onDatagram(msg: Buffer): void {
    if (this.ended) return;
    let p;
    try {
      p = decodeTftp(msg);
    } catch (e) {
      this.hooks.onMalformed({ address: this.peerAddress, port: this.peerPort }, e);
      return;
    }
    if (p.op === 'ack') this.run(this.session.onAck(p.block));
    else if (p.op === 'error') this.run(this.session.onError(p.code, p.message));
    else {
      this.sendRaw(encodeTftp({ op: 'error', code: TFTP_ERRORS.illegalOperation, message: `unexpected ${p.op.toUpperCase()} during a read transfer` }));
      this.finish('error', `client sent ${p.op.toUpperCase()} during the transfer`);
    }
  }

  private run(actions: SessionAction[]): void {
    if (actions.length === 0) return;
    if (this.head >= this.queue.length) {
      this.queue = actions;
      this.head = 0;
    } else for (const a of actions) this.queue.push(a);
    if (!this.busy) this.drain();
  }

  /** Carries out queued actions in order; pauses only while a block is read from disk. */
  private drain(): void {
    while (!this.ended && this.head < this.queue.length) {
      const a = this.queue[this.head++]!;
      switch (a.type) {
        case 'data': {
          // The client may have acknowledged this block while we waited for the disk.
          if (a.block <= this.session.acked) break;
          let packet: Buffer | Promise<Buffer>;
          try {
            packet = this.reader.packet(a.block);
          } catch (e) {
            this.failRead(e);
            return;
          }
          if (Buffer.isBuffer(packet)) {
            this.sendRaw(packet);
            break;
          }
          this.busy = true;
          packet.then(
            (b) => {
              this.busy = false;
              if (this.ended) return;
              if (a.block > this.session.acked) this.sendRaw(b);
              this.drain();
            },
            (e: unknown) => {
              this.busy = false;
              this.failRead(e);
            },
          );
          return;
        }
        case 'oack':
          this.sendRaw(encodeTftp({ op: 'oack', options: a.options }));
          break;
        case 'error':
          this.sendRaw(encodeTftp({ op: 'error', code: a.code, message: a.message }));
          break;
        case 'timer':
          this.arm(a.ms);
          break;
        case 'end':
          this.finish(a.result, a.detail);
          break;
      }
    }
  }

  private arm(ms: number): void {
    if (this.timer && this.timerMs === ms) {
      this.timer.refresh();
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timerMs = ms;
    this.timer = setTimeout(() => {
      if (!this.ended) this.run(this.session.onTimeout());
    }, ms);
  }

  private failRead(e: unknown): void {
    if (this.ended) return;
    const why = e instanceof Error ? e.message : String(e);
    this.sendRaw(encodeTftp({ op: 'error', code: TFTP_ERRORS.notDefined, message: 'read error on server' }));
    this.finish('error', `read error: ${why}`);
  }

  private sendRaw(buf: Buffer): void {
    if (this.ended) return;
    this.link.send(buf);
  }

  private finish(result: TransferEnd['result'], detail: string): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
    this.head = 0;
    const bytes = result === 'complete' ? this.session.cfg.size : 0;
    // Close after pending sends (the final ERROR) have been handed to the kernel.
    setImmediate(() => this.link.close());
    this.reader.close().catch(() => undefined);
    this.hooks.onEnd({ result, detail, bytes });
  }
}
