/**
 * Starts one read transfer: binds its own UDP socket (a fresh TID on the
 * listening address, so replies leave from the address the Pi asked),
 * connects it to the client and runs the session over it. Shared by the
 * in-thread server and the transfer workers (transfer-worker.ts).
 */
import { createSocket, type Socket } from 'node:dgram';
import type { OpenedFile } from './files.js';
import { BlockReader } from './reader.js';
import { TftpSession, type SessionConfig } from './session.js';
import { Transfer, type TransferHooks } from './transfer.js';

/** What a transfer needs besides its file; plain data, so it can go to a worker. */
export interface TransferSpec {
  /** Local address to bind the transfer socket to (the listening address). */
  readonly bindAddress: string;
  readonly peerAddress: string;
  readonly peerPort: number;
  readonly session: SessionConfig;
}

/** A running transfer as its owner sees it. */
export interface TransferHandle {
  /** Ends the transfer; `notify`: tell the client with ERROR 0. */
  abort(reason: string, notify?: boolean): void;
  /**
   * For transfers whose end is reported asynchronously (workers): whether it
   * is still running once the packets that already reached it are handled.
   */
  stillRunning?(): Promise<boolean>;
}

/** Binds and connects the transfer socket; rejects (closing nothing else) when it cannot. */
export function openTransferSocket(bindAddress: string, peerAddress: string, peerPort: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type: 'udp4' });
    s.once('error', (e) => {
      s.close();
      reject(new Error(`cannot open a transfer socket: ${e.message}`));
    });
    s.bind({ address: bindAddress, port: 0 }, () => {
      try {
        // connect() throws on a bad peer (port 0 from a forged packet); that must reject, not crash
        s.connect(peerPort, peerAddress, (err?: Error) => {
          if (err) {
            s.close();
            reject(new Error(`cannot open a transfer socket: ${err.message}`));
            return;
          }
          s.removeAllListeners('error');
          resolve(s);
        });
      } catch (e) {
        s.close();
        reject(new Error(`cannot open a transfer socket: ${(e as Error).message}`));
      }
    });
  });
}

/**
 * Binds the socket and starts sending. On a socket failure the file is
 * closed and the promise rejects. When `stillWanted` says no once the socket
 * is bound (the server stopped, or the client moved on meanwhile), socket
 * and file are closed and the result is null. Once started, every end goes
 * to hooks.onEnd. `readInThread`: file chunks are read in this thread
 * (transfer workers, which run nothing else; the server's own thread keeps
 * its reads in libuv's pool).
 */
export async function launchTransfer(
  spec: TransferSpec,
  file: OpenedFile,
  hooks: TransferHooks,
  stillWanted: () => boolean = () => true,
  readInThread = false,
): Promise<Transfer | null> {
  let sock: Socket;
  try {
    sock = await openTransferSocket(spec.bindAddress, spec.peerAddress, spec.peerPort);
  } catch (e) {
    await file.close().catch(() => undefined);
    throw e;
  }
  if (!stillWanted()) {
    sock.close();
    await file.close().catch(() => undefined);
    return null;
  }
  const session = new TftpSession(spec.session);
  const reader = new BlockReader(file, spec.session.blksize, () => sock.getSendQueueCount() === 0, undefined, readInThread);
  const t = new Transfer(sock, spec.peerAddress, spec.peerPort, session, reader, hooks);
  t.start();
  return t;
}
