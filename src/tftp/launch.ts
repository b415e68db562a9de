/**
 * Starts one read transfer: binds its own UDP socket (a fresh TID on the
 * listening address, so replies leave from the address the Pi asked),
 * connects it to the client and runs the session over it. Shared by the
 * in-thread server and the transfer workers (transfer-worker.ts).
 */
import { openLink, type DatagramPath, type TransferLink } from './datagram-link.js';
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
  /** What carries the datagrams (tftp.datagrams, resolved by the server); node:dgram when absent. */
  readonly datagrams?: DatagramPath;
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
  let link: TransferLink;
  try {
    link = await openLink(spec.datagrams ?? 'node', spec.bindAddress, spec.peerAddress, spec.peerPort);
  } catch (e) {
    await file.close().catch(() => undefined);
    throw e;
  }
  if (!stillWanted()) {
    link.close();
    await file.close().catch(() => undefined);
    return null;
  }
  const session = new TftpSession(spec.session);
  const reader = new BlockReader(file, spec.session.blksize, () => link.queued() === 0, undefined, readInThread);
  const t = new Transfer(link, spec.peerAddress, spec.peerPort, session, reader, hooks);
  t.start();
  return t;
}
