/**
 * Read-only TFTP server: one listening socket for requests, one socket per
 * transfer on an ephemeral port. Knows nothing about the cluster; the
 * part (part.ts) plugs in peer lookup and the served-file callback.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import { decodeTftp, encodeTftp, TFTP_ERRORS, type TftpRequest } from './packet.js';
import { listenError } from '../errors.js';
import { negotiate } from './negotiate.js';
import { FileSource } from './files.js';
import { toNetascii } from './netascii.js';
import type { Transfer, TransferEnd, TransferHooks } from './transfer.js';
import { launchTransfer, type TransferHandle, type TransferSpec } from './launch.js';
import { TransferPool } from './worker-pool.js';
import type { Worker } from 'node:worker_threads';
import { LogLimiter } from '../log-limit.js';
import type { DatagramPath } from './datagram-link.js';
import { chooseDatagramPath, nativeDatagrams } from './native-datagrams.js';

export interface TftpServerOptions {
  /** Listening address ('0.0.0.0' for all) and port (69; tests pass 0). */
  readonly address: string;
  readonly port: number;
  readonly root: string;
  /** Replaces MASTER in cmdline.txt. */
  readonly serverAddress: string;
  readonly maxTransfers: number;
  /** Transfers one client address may hold at once (default: maxTransfers). */
  readonly maxTransfersPerClient?: number;
  readonly maxBlksize: number;
  readonly maxWindowsize: number;
  readonly timeoutMs: number;
  readonly retries: number;
  /**
   * Worker threads that run the transfers (0: all in this thread). Requests,
   * file lookup and counters stay here; netascii transfers always do.
   */
  readonly workers?: number;
  /**
   * Threads with no transfer for this long end, and start again on the next
   * request (meanwhile transfers run in this thread): an idle daemon does not
   * hold their memory (~8 MB each). 0: they run until the server stops.
   */
  readonly workerIdleMs?: number;
  /**
   * What carries transfer datagrams (tftp.datagrams): `native` the batch
   * path of native/udp-batch.c (start fails when it is not built), `node`
   * node:dgram, `auto` (default) native when built, else node:dgram.
   */
  readonly datagrams?: 'auto' | DatagramPath;
  readonly log: Logger;
  /** MAC of a known peer, to look in its `<mac-with-dashes>/` folder first. */
  readonly peerMac?: (address: string) => string | null;
  /**
   * Called when a request is accepted (its file opened), in the order the
   * requests arrive. Boot-state events hang on this, not on onServed: a
   * transfer worker reports a file's end a little later, possibly after the
   * Pi has already moved on (say, to the control channel).
   */
  readonly onRequested?: (e: RequestedFile) => void;
  /** Called once per completely served file. */
  readonly onServed?: (e: ServedFile) => void;
}

export interface RequestedFile {
  readonly address: string;
  /** The request's file name, normalised (no `./`, no doubled `/`). */
  readonly file: string;
  /** Path under the root that will be sent. */
  readonly path: string;
}

export interface ServedFile {
  readonly address: string;
  readonly port: number;
  /** The request's file name, normalised (no `./`, no doubled `/`). */
  readonly file: string;
  /** Path under the root that was actually sent (prefix folder or root). */
  readonly path: string;
  readonly bytes: number;
}

export interface TftpStats {
  served: number;
  aborted: number;
  timedOut: number;
  failed: number;
  refused: number;
  /** Requests dropped at tftp.maxTransfers (or, from unknown addresses, at 3/4 of it). */
  busy: number;
  /** Requests dropped at tftp.maxTransfersPerClient. */
  clientBusy: number;
  malformed: number;
}

export interface TransferEndEvent {
  readonly address: string;
  readonly port: number;
  readonly file: string;
  readonly result: TransferEnd['result'];
  readonly detail: string;
}

/** Events for observers (tests, lab): 'served' after onServed, 'transferEnd' for every transfer. */
export interface TftpServerEvents {
  served: [ServedFile];
  transferEnd: [TransferEndEvent];
}

const MODES = new Set(['octet', 'netascii']);

/** No transfer waits longer than this for its first ACK, whatever the timeout. */
export const FIRST_ACK_MAX_MS = 10_000;

/**
 * How long a transfer waits for its first ACK, retransmissions included:
 * timeout x retries, at most FIRST_ACK_MAX_MS (at least one timeout).
 */
export function firstAckLifetime(timeoutMs: number, retries: number): number {
  return Math.max(timeoutMs, Math.min(timeoutMs * Math.max(1, retries), FIRST_ACK_MAX_MS));
}

/** ERROR texts travel as Latin-1: anything beyond it (a name's €) becomes '?'. */
function latin1(text: string): string {
  return text.replace(/[^\x01-\xff]/g, '?');
}

/** A request's file name (Latin-1, one char per byte) for a log line: UTF-8 where it is, escapes elsewhere. */
function printable(name: string): string {
  const bytes = Buffer.from(name, 'latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return name.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  }
}

/** One client TID's request: its file name, and its transfer once the file is open. */
interface Slot {
  readonly filename: string;
  /** The client's address, for the per-address count. */
  readonly address: string;
  /** The address belongs to a Pi piman knows (or the server has no peer lookup). */
  readonly known: boolean;
  transfer: TransferHandle | null;
  /** A repeated request is being checked against the running transfer (workers only). */
  checking?: boolean;
  /** How the transfer ended, once it has. */
  endedBy?: TransferEnd['result'];
}

export class TftpServer extends EventEmitter<TftpServerEvents> {
  private socket: Socket | null = null;
  /** Transfers (and requests still opening their file), keyed by peer address:port. */
  private readonly active = new Map<string, Slot>();
  private readonly files: FileSource;
  private pool: TransferPool | null = null;
  /** tftp.datagrams once resolved at start. */
  private path: DatagramPath = 'node';
  /** Slots in `active` per client address (tftp.maxTransfersPerClient). */
  private readonly perClient = new Map<string, number>();
  /** Slots in `active` held by addresses peerMac does not know. */
  private unknownActive = 0;
  private readonly limiter: LogLimiter;
  readonly stats: TftpStats = { served: 0, aborted: 0, timedOut: 0, failed: 0, refused: 0, busy: 0, clientBusy: 0, malformed: 0 };

  constructor(private readonly opts: TftpServerOptions) {
    super();
    this.limiter = new LogLimiter(10, 10_000, Date.now, {
      onSummary: (dropped) => opts.log.warn({ dropped }, 'TFTP: log lines dropped over the budget of the last 10 s'),
    });
    this.files = new FileSource({ root: opts.root, serverAddress: opts.serverAddress });
  }

  /** Transfer worker threads (empty with tftp.workers 0); for tests and health checks. */
  get transferThreads(): readonly Worker[] {
    return this.pool?.threads ?? [];
  }

  get activeTransfers(): number {
    return this.active.size;
  }

  address(): AddressInfo {
    if (!this.socket) throw new Error('TFTP server is not running');
    return this.socket.address();
  }

  async start(): Promise<void> {
    this.path = this.resolveDatagrams();
    const workers = this.opts.workers ?? 0;
    if (workers > 0) {
      const pool = new TransferPool(workers, this.opts.log, this.opts.workerIdleMs ?? 0);
      await pool.start();
      this.pool = pool;
    }
    try {
      await this.listen();
    } catch (e) {
      await this.pool?.stop();
      this.pool = null;
      throw e;
    }
  }

  private resolveDatagrams(): DatagramPath {
    const want = this.opts.datagrams ?? 'auto';
    const { path, fallback } = chooseDatagramPath(want, nativeDatagrams);
    if (fallback) this.opts.log.info({ reason: fallback }, 'TFTP: transfers use node:dgram (the native datagram path used 20-30 % less CPU in a boot storm)');
    else this.opts.log.debug(`TFTP: transfers use ${path === 'native' ? 'the native datagram path' : 'node:dgram'}`);
    return path;
  }

  private listen(): Promise<void> {
    const sock = createSocket({ type: 'udp4' });
    this.socket = sock;
    sock.on('message', (msg, rinfo) => {
      try {
        this.onRequest(msg, rinfo);
      } catch (e) {
        this.opts.log.error({ err: (e as Error).message, from: rinfo.address }, 'TFTP request handler failed');
      }
    });
    return new Promise((resolve, reject) => {
      sock.once('error', (e) => {
        this.socket = null;
        reject(listenError('tftp.port', 'UDP', this.opts.address, this.opts.port, e));
      });
      sock.bind({ address: this.opts.address, port: this.opts.port }, () => {
        sock.removeAllListeners('error');
        sock.on('error', (e) => this.opts.log.warn({ err: e.message }, 'TFTP socket error'));
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    // No new requests first; then end the transfers (clients get ERROR 0) and the threads.
    const s = this.socket;
    this.socket = null;
    if (s) await new Promise<void>((r) => s.close(() => r()));
    for (const slot of this.active.values()) slot.transfer?.abort('server shutting down');
    this.active.clear();
    this.perClient.clear();
    this.unknownActive = 0;
    const pool = this.pool;
    this.pool = null;
    await pool?.stop();
  }

  private onRequest(msg: Buffer, rinfo: RemoteInfo): void {
    // Port 0 is no transfer ID (RFC 768: no reply expected); only a forged packet has it.
    if (rinfo.port === 0) {
      this.malformed(rinfo, new Error('request from UDP port 0'));
      return;
    }
    let p;
    try {
      p = decodeTftp(msg);
    } catch (e) {
      this.malformed(rinfo, e);
      return;
    }
    if (p.op === 'wrq') {
      this.refuse(rinfo, TFTP_ERRORS.accessViolation, 'this TFTP server is read-only', p.filename);
      return;
    }
    // Stray ACK/DATA/ERROR on the request port (e.g. from a finished transfer): ignore.
    if (p.op !== 'rrq') return;
    const mode = p.mode.toLowerCase();
    if (!MODES.has(mode)) {
      this.refuse(rinfo, TFTP_ERRORS.illegalOperation, `transfer mode '${p.mode}' is not supported (use octet or netascii)`, p.filename);
      return;
    }
    const key = `${rinfo.address}:${rinfo.port}`;
    const running = this.active.get(key);
    if (running) {
      // The same request again is a retransmission: the transfer retransmits by itself.
      // Unless the client ended that transfer just before (the Pi 4's tsize probe ends with
      // ERROR 0, then asks again from the same port): a worker reports such an end
      // asynchronously, so ask it first and serve the request anew if it has ended.
      if (running.filename === p.filename) {
        const check = running.transfer?.stillRunning;
        if (check && !running.checking) {
          running.checking = true;
          void check().then((alive) => {
            running.checking = false;
            // Only a transfer the client ended itself (ERROR) makes the request a new one; after a
            // completed transfer it was a late retransmission, and a new slot means the client moved on.
            if (alive || running.endedBy !== 'aborted' || !this.socket || this.active.has(key)) return;
            try {
              this.onRequest(msg, rinfo);
            } catch (e) {
              this.opts.log.error({ err: (e as Error).message, from: rinfo.address }, 'TFTP request handler failed');
            }
          });
        }
        return;
      }
      // Another file from the same port: the client has moved on (its last ACK may
      // have been lost). End the old transfer silently and serve the new request.
      running.transfer?.abort('client sent a new request', false);
      this.release(key, running);
    }
    if (this.active.size >= this.opts.maxTransfers) {
      // Dropped, not refused: boot ROMs repeat the request, an ERROR would abort their boot.
      this.stats.busy++;
      if (this.limiter.allow('busy') !== null) this.opts.log.warn({ from: rinfo.address, max: this.opts.maxTransfers }, 'TFTP: too many transfers, request dropped (raise tftp.maxTransfers)');
      return;
    }
    const perClient = this.opts.maxTransfersPerClient ?? this.opts.maxTransfers;
    if ((this.perClient.get(rinfo.address) ?? 0) >= perClient) {
      // One address (a flood, or a client gone wrong) must not take the slots the other Pis need.
      this.stats.clientBusy++;
      if (this.limiter.allow('client-busy') !== null) this.opts.log.warn({ from: rinfo.address, max: perClient }, 'TFTP: too many transfers from one address, request dropped (tftp.maxTransfersPerClient)');
      return;
    }
    // With a peer lookup, addresses piman does not know share at most 3/4 of the slots: a flood
    // from forged addresses cannot take the ones the Pis in hosts.csv need to boot.
    const known = this.opts.peerMac ? this.opts.peerMac(rinfo.address) !== null : true;
    if (!known && this.unknownActive >= Math.max(1, Math.floor((this.opts.maxTransfers * 3) / 4))) {
      this.stats.busy++;
      if (this.limiter.allow('busy') !== null) this.opts.log.warn({ from: rinfo.address, max: this.opts.maxTransfers }, 'TFTP: too many transfers from unknown addresses, request dropped (a quarter of tftp.maxTransfers is kept for known Pis)');
      return;
    }
    const slot: Slot = { filename: p.filename, address: rinfo.address, known, transfer: null };
    this.claim(key, slot);
    this.startTransfer(p, rinfo, key, slot).catch((e: unknown) => {
      this.release(key, slot);
      this.stats.failed++;
      if (this.limiter.allow('start') !== null) this.opts.log.error({ err: (e as Error).message, from: rinfo.address }, 'TFTP: cannot start transfer');
    });
  }

  private claim(key: string, slot: Slot): void {
    this.active.set(key, slot);
    this.perClient.set(slot.address, (this.perClient.get(slot.address) ?? 0) + 1);
    if (!slot.known) this.unknownActive++;
  }

  /** Frees the slot if it is still the one under `key`. */
  private release(key: string, slot: Slot): void {
    if (this.active.get(key) !== slot) return;
    this.active.delete(key);
    if (!slot.known) this.unknownActive--;
    const n = (this.perClient.get(slot.address) ?? 1) - 1;
    if (n > 0) this.perClient.set(slot.address, n);
    else this.perClient.delete(slot.address);
  }

  private async startTransfer(req: TftpRequest, rinfo: RemoteInfo, key: string, slot: Slot): Promise<void> {
    const { opts } = this;
    const mac = opts.peerMac?.(rinfo.address) ?? null;
    const r = await this.files.open(req.filename, mac);
    if (!this.socket || this.active.get(key) !== slot) {
      // The server stopped, or the client moved on, while the file was opened.
      this.release(key, slot);
      if (r.ok) await r.file.close();
      return;
    }
    if (!r.ok) {
      this.release(key, slot);
      this.refuse(rinfo, r.code, r.message, req.filename);
      return;
    }
    let file = r.file;
    if (req.mode.toLowerCase() === 'netascii') {
      try {
        file = await toNetascii(r.file);
      } catch (e) {
        await r.file.close().catch(() => undefined);
        this.release(key, slot);
        this.refuse(rinfo, TFTP_ERRORS.notDefined, `cannot read ${r.name}`, req.filename);
        return;
      }
      if (!this.socket || this.active.get(key) !== slot) {
        this.release(key, slot);
        await file.close();
        return;
      }
    }
    const n = negotiate(req.options, file.size, { maxBlksize: opts.maxBlksize, maxWindowsize: opts.maxWindowsize });
    const timeoutMs = n.timeoutMs ?? opts.timeoutMs;
    const spec: TransferSpec = {
      bindAddress: opts.address,
      peerAddress: rinfo.address,
      peerPort: rinfo.port,
      datagrams: this.path,
      session: {
        size: file.size,
        blksize: n.blksize,
        windowsize: n.windowsize,
        timeoutMs,
        maxTimeoutMs: Math.max(timeoutMs, opts.timeoutMs) * 8,
        retries: opts.retries,
        oack: n.oack,
        firstAckMs: firstAckLifetime(timeoutMs, opts.retries),
      },
    };
    const served = { file: r.name, path: r.path };
    try {
      opts.onRequested?.({ address: rinfo.address, file: r.name, path: r.path });
    } catch (e) {
      opts.log.error({ err: (e as Error).message }, 'TFTP: requested-file callback failed');
    }
    const hooks: TransferHooks = {
      onEnd: (end) => this.ended(key, slot, rinfo, served, end),
      onMalformed: (from, err) => this.malformed(from, err),
    };
    opts.log.debug({ from: rinfo.address, file: r.name, path: r.path, size: file.size, mode: req.mode, blksize: n.blksize, windowsize: n.windowsize }, 'TFTP: transfer started');
    // In a worker when there is one; netascii files and a pool without threads (parked, or being replaced) run here.
    this.pool?.wake();
    const portable = this.pool?.threads.length ? file.portable?.() : undefined;
    const handle = portable && this.pool ? this.pool.run(spec, portable, hooks) : null;
    if (handle) {
      slot.transfer = handle;
      return;
    }
    let t: Transfer | null;
    try {
      t = await launchTransfer(spec, file, hooks, () => this.socket !== null && this.active.get(key) === slot);
    } catch (e) {
      this.release(key, slot);
      this.opts.log.error({ err: (e as Error).message }, 'TFTP: cannot open a transfer socket');
      return;
    }
    if (t) slot.transfer = t;
  }

  private ended(key: string, slot: Slot, rinfo: RemoteInfo, served: { file: string; path: string }, end: TransferEnd): void {
    slot.endedBy = end.result;
    this.release(key, slot);
    const log = this.opts.log;
    this.emit('transferEnd', { address: rinfo.address, port: rinfo.port, file: served.file, result: end.result, detail: end.detail });
    switch (end.result) {
      case 'complete':
        this.stats.served++;
        log.debug({ from: rinfo.address, file: served.file, bytes: end.bytes }, 'TFTP: file served');
        try {
          const e = { address: rinfo.address, port: rinfo.port, file: served.file, path: served.path, bytes: end.bytes };
          this.opts.onServed?.(e);
          this.emit('served', e);
        } catch (e) {
          log.error({ err: (e as Error).message }, 'TFTP: served-file callback failed');
        }
        break;
      case 'aborted':
        // Normal for the Pi 4: it reads tsize from the OACK and aborts with ERROR 0.
        this.stats.aborted++;
        log.debug({ from: rinfo.address, file: served.file, detail: end.detail }, 'TFTP: transfer aborted by client');
        break;
      case 'timeout':
        this.stats.timedOut++;
        if (this.limiter.allow('timeout') !== null) log.warn({ from: rinfo.address, file: served.file, detail: end.detail }, 'TFTP: transfer timed out');
        break;
      case 'error':
        this.stats.failed++;
        if (this.limiter.allow('error') !== null) log.warn({ from: rinfo.address, file: served.file, detail: end.detail }, 'TFTP: transfer failed');
        break;
    }
  }

  private refuse(rinfo: RemoteInfo, code: number, message: string, file: string): void {
    this.stats.refused++;
    const suppressed = this.limiter.allow('refuse');
    if (suppressed !== null) this.opts.log.info({ from: rinfo.address, file: printable(file), code, reason: message, suppressed: suppressed || undefined }, 'TFTP: request refused');
    this.socket?.send(encodeTftp({ op: 'error', code, message: latin1(message) }), rinfo.port, rinfo.address, () => undefined);
  }

  private malformed(rinfo: { readonly address: string; readonly port: number }, err: unknown): void {
    this.stats.malformed++;
    const suppressed = this.limiter.allow('malformed');
    if (suppressed !== null) {
      this.opts.log.warn({ from: `${rinfo.address}:${rinfo.port}`, err: (err as Error).message, suppressed }, 'TFTP: malformed packet dropped');
    }
  }
}
