/** Runs one TftpReadSession over a UDP socket: retransmits on silence, honours power-off. */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { TftpReadSession, decodeServerPacket, type TftpRequest, type TftpResult } from './tftp-client.js';

export interface TftpFetchOptions {
  readonly server: string;
  readonly port: number;
  /** Local address to send from (the Pi's own address in the loopback lab). */
  readonly bindAddress?: string;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly signal?: AbortSignal;
}

/** Error code used for "no answer" (not a TFTP code). */
export const TFTP_TIMEOUT = -1;
export const TFTP_ABORTED = -2;

export function tftpFetch(req: TftpRequest, o: TftpFetchOptions): Promise<TftpResult> {
  return new Promise((resolve) => {
    const session = new TftpReadSession(req);
    const sock = createSocket('udp4');
    let last = session.start();
    let peerPort: number | null = null;
    let tries = 0;
    let timer: NodeJS.Timeout | null = null;
    let closed = false;

    const finish = (r: TftpResult): void => {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      sock.close();
      resolve(r);
    };
    const onAbort = (): void => finish({ kind: 'error', code: TFTP_ABORTED, message: 'aborted' });
    const send = (buf: Buffer, port: number, then?: () => void): void => {
      if (closed) return;
      sock.send(buf, port, o.server, (err) => {
        if (err) finish({ kind: 'error', code: TFTP_TIMEOUT, message: `send to ${o.server}:${port}: ${err.message}` });
        else then?.();
      });
    };
    const arm = (): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        if (++tries > o.retries) {
          return finish({ kind: 'error', code: TFTP_TIMEOUT, message: `no answer from ${o.server}:${peerPort ?? o.port} for ${req.file}` });
        }
        send(last, peerPort ?? o.port);
        arm();
      }, o.timeoutMs);
    };

    sock.on('error', (e) => finish({ kind: 'error', code: TFTP_TIMEOUT, message: e.message }));
    sock.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
      if (rinfo.address !== o.server) return;
      if (peerPort === null) peerPort = rinfo.port;
      else if (rinfo.port !== peerPort) return; // another transfer's TID
      let step;
      try {
        step = session.onPacket(decodeServerPacket(msg));
      } catch {
        return; // a malformed packet is dropped, like a real ROM would
      }
      const done = step.done;
      if (step.send) {
        last = step.send;
        tries = 0;
        // The final ACK / ERROR must leave before the socket closes.
        send(step.send, rinfo.port, done ? () => finish(done) : undefined);
        if (!done) arm();
      } else if (done) {
        finish(done);
      }
    });
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    sock.bind({ address: o.bindAddress ?? '0.0.0.0', port: 0 }, () => {
      send(last, o.port);
      arm();
    });
  });
}
