/** Messages between the TFTP server's thread and its transfer workers (worker-pool.ts, transfer-worker.ts). */
import type { PortableFile } from './files.js';
import type { TransferSpec } from './launch.js';
import type { TransferEnd } from './transfer.js';

export type ToWorker =
  | { readonly type: 'start'; readonly id: number; readonly spec: TransferSpec; readonly file: PortableFile }
  | { readonly type: 'abort'; readonly id: number; readonly reason: string; readonly notify: boolean }
  /** Is transfer `id` still running? Answered when it ends, or after a short grace if it does not. */
  | { readonly type: 'check'; readonly id: number }
  /** Abort every transfer (telling the clients), then answer 'closed'. */
  | { readonly type: 'shutdown' };

export type FromWorker =
  | { readonly type: 'ready' }
  /** Every started transfer ends with exactly one of these, also one that never got its socket. */
  | { readonly type: 'end'; readonly id: number; readonly end: TransferEnd }
  /** Answer to 'check', sent after any 'end' of that transfer. */
  | { readonly type: 'checked'; readonly id: number; readonly running: boolean }
  | { readonly type: 'malformed'; readonly id: number; readonly address: string; readonly port: number; readonly message: string }
  | { readonly type: 'closed' };
