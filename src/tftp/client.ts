/**
 * A small read-only TFTP client (RRQ with options, windowsize, rollover,
 * retransmission) for tests, benchmarks and the lab's virtual Pis.
 * `probeOnly` reproduces the Pi 4 bootloader's tsize probe: it reads the
 * OACK and aborts with ERROR 0.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { PimanError } from '../errors.js';
import { decodeTftp, encodeTftp, optionValue, TFTP_ERRORS, type TftpOptions, type TftpPacket } from './packet.js';

export interface TftpGetOptions {
  readonly host: string;
  readonly port: number;
  readonly file: string;
  /** Source address to bind (a virtual Pi's own 127.x address). */
  readonly localAddress?: string;
  readonly mode?: string;
  readonly blksize?: number;
  readonly windowsize?: number;
  /** Ask for tsize (sends `tsize 0`). */
  readonly tsize?: boolean;
  /** Stop after the OACK with ERROR 0, as the Pi 4 does; `data` is then empty. */
  readonly probeOnly?: boolean;
  /** Retransmission timeout of this client (ms). */
  readonly timeoutMs?: number;
  readonly retries?: number;
}

export interface TftpGetResult {
  readonly data: Buffer;
  /** tsize from the OACK, or null. */
  readonly tsize: number | null;
  readonly blksize: number;
  readonly oack: TftpOptions | null;
}

/** ERROR received from the server; `tftpCode` is the TFTP error code. */
export class TftpClientError extends PimanError {
  constructor(
    message: string,
    readonly tftpCode: number | null,
  ) {
    super('E_TFTP', message);
    this.name = 'TftpClientError';
  }
}

export function tftpGet(o: TftpGetOptions): Promise<TftpGetResult> {
  const options: Array<[string, string]> = [];
  if (o.tsize) options.push(['tsize', '0']);
  if (o.blksize !== undefined) options.push(['blksize', String(o.blksize)]);
  if (o.windowsize !== undefined) options.push(['windowsize', String(o.windowsize)]);
  const timeoutMs = o.timeoutMs ?? 1000;
  const retries = o.retries ?? 5;
  const sock = createSocket('udp4');

  return new Promise<TftpGetResult>((resolve, reject) => {
    let peer: { address: string; port: number } | null = null;
    let last: Buffer = encodeTftp({ op: 'rrq', filename: o.file, mode: o.mode ?? 'octet', options });
    let lastTo = { address: o.host, port: o.port };
    let tries = 0;
    let timer: NodeJS.Timeout | null = null;
    let blksize = 512;
    let windowsize = 1;
    let inWindow = 0;
    let tsize: number | null = null;
    let oack: TftpOptions | null = null;
    let block = 0; // internal count of received blocks
    const chunks: Buffer[] = [];
    let done = false;

    const finish = (err: Error | null, result?: TftpGetResult): void => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      // After the final ACK/ERROR has been handed to the kernel.
      setImmediate(() => sock.close());
      if (err) reject(err);
      else resolve(result!);
    };
    const send = (buf: Buffer, to = lastTo): void => {
      last = buf;
      lastTo = to;
      sock.send(buf, to.port, to.address, (err) => err && finish(err));
    };
    const arm = (): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        if (++tries > retries) return finish(new TftpClientError(`TFTP ${o.file}: no answer from ${o.host}:${o.port} after ${retries + 1} tries`, null));
        send(last);
        arm();
      }, timeoutMs);
    };
    const ack = (n: number): void => {
      send(encodeTftp({ op: 'ack', block: n & 0xffff }));
      tries = 0;
      arm();
    };
    const result = (): TftpGetResult => ({ data: Buffer.concat(chunks), tsize, blksize, oack });

    const onPacket = (p: TftpPacket): void => {
      switch (p.op) {
        case 'oack': {
          if (block !== 0 || oack) return;
          oack = p.options;
          const b = optionValue(p.options, 'blksize');
          const w = optionValue(p.options, 'windowsize');
          const t = optionValue(p.options, 'tsize');
          if (b) blksize = Number(b);
          if (w) windowsize = Number(w);
          if (t) tsize = Number(t);
          if (o.probeOnly) {
            send(encodeTftp({ op: 'error', code: TFTP_ERRORS.notDefined, message: 'tsize probe done' }));
            return finish(null, result());
          }
          return ack(0);
        }
        case 'data': {
          if (block === 0 && !oack && o.probeOnly) {
            // Server ignored the options: abort as the Pi does.
            send(encodeTftp({ op: 'error', code: TFTP_ERRORS.notDefined, message: 'tsize probe done' }));
            return finish(null, result());
          }
          if (p.block !== ((block + 1) & 0xffff)) {
            // Out of order or duplicate: re-acknowledge what we have (RFC 7440 gap rule).
            if (p.block !== (block & 0xffff)) ack(block);
            inWindow = 0;
            return;
          }
          block++;
          chunks.push(Buffer.from(p.data));
          const final = p.data.length < blksize;
          if (final || ++inWindow >= windowsize) {
            inWindow = 0;
            ack(block);
          }
          if (final) finish(null, result());
          return;
        }
        case 'error':
          return finish(new TftpClientError(`TFTP ${o.file}: server sent ERROR ${p.code}: ${p.message}`, p.code));
        default:
          return;
      }
    };

    sock.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
      if (done) return;
      if (!peer) {
        if (rinfo.address !== o.host && o.host !== '0.0.0.0') return;
        peer = { address: rinfo.address, port: rinfo.port };
        lastTo = peer;
      } else if (rinfo.port !== peer.port || rinfo.address !== peer.address) {
        sock.send(encodeTftp({ op: 'error', code: TFTP_ERRORS.unknownTid, message: 'unknown transfer ID' }), rinfo.port, rinfo.address);
        return;
      }
      let p: TftpPacket;
      try {
        p = decodeTftp(msg);
      } catch {
        return;
      }
      onPacket(p);
    });
    sock.on('error', (e) => finish(e));
    sock.bind({ address: o.localAddress ?? '0.0.0.0', port: 0 }, () => {
      send(last);
      arm();
    });
  });
}
