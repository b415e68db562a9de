/**
 * A TFTP transfer worker thread: runs the transfers the server hands it,
 * each on its own socket, so DATA/ACK traffic of many clients is spread
 * over CPUs instead of queueing behind one event loop. Started through
 * worker-boot.mjs (which loads TypeScript); talks only in worker-protocol.ts messages.
 */
import { parentPort } from 'node:worker_threads';
import { fromPortable } from './files.js';
import { launchTransfer } from './launch.js';
import type { Transfer, TransferEnd } from './transfer.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('transfer-worker.ts runs only as a worker thread (see worker-pool.ts)');

interface Running {
  transfer: Transfer | null;
  /** Set when an abort arrived before the socket was bound. */
  abortedBy: string | null;
  /** Pending 'check' answers, given when the transfer ends. */
  onEnd: (() => void)[];
}

/**
 * How long a check waits for the transfer to end. A client's ERROR or final
 * ACK that was sent before its repeated request may still be on its way to
 * this thread's socket (measured: a check can arrive first, even after a
 * setImmediate); a real retransmission leaves the transfer running.
 */
const CHECK_GRACE_MS = 30;

const running = new Map<number, Running>();
let shuttingDown = false;

const post = (m: FromWorker): void => port.postMessage(m);

function start(m: Extract<ToWorker, { type: 'start' }>): void {
  const entry: Running = { transfer: null, abortedBy: null, onEnd: [] };
  running.set(m.id, entry);
  const end = (e: TransferEnd): void => {
    if (running.get(m.id) !== entry) return;
    running.delete(m.id);
    post({ type: 'end', id: m.id, end: e });
    for (const f of entry.onEnd) f();
  };
  const hooks = {
    onEnd: end,
    onMalformed: (from: { address: string; port: number }, err: unknown) =>
      post({ type: 'malformed', id: m.id, address: from.address, port: from.port, message: err instanceof Error ? err.message : String(err) }),
  };
  // Chunks are read in this thread: a 64 KiB read from the page cache is cheaper here than the pool's round trip.
  launchTransfer(m.spec, fromPortable(m.file), hooks, () => entry.abortedBy === null, true).then(
    (t) => {
      if (t) entry.transfer = t;
      else end({ result: 'aborted', detail: entry.abortedBy ?? 'aborted', bytes: 0 });
    },
    (e: unknown) => end({ result: 'error', detail: e instanceof Error ? e.message : String(e), bytes: 0 }),
  );
}

/** Answers whether transfer `id` still runs: at once when it has ended, else when it ends or after the grace time. */
function check(id: number): void {
  const r = running.get(id);
  if (!r) {
    post({ type: 'checked', id, running: false });
    return;
  }
  let answered = false;
  const answer = (still: boolean): void => {
    if (answered) return;
    answered = true;
    clearTimeout(t);
    post({ type: 'checked', id, running: still });
  };
  const t = setTimeout(() => answer(true), CHECK_GRACE_MS);
  r.onEnd.push(() => answer(false));
}

function abort(id: number, reason: string, notify: boolean): void {
  const r = running.get(id);
  if (!r) return;
  if (r.transfer) r.transfer.abort(reason, notify);
  else r.abortedBy = reason;
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'start':
      if (!shuttingDown) {
        start(m);
        break;
      }
      // Too late: close the file handle that came with it, then report the end.
      void fromPortable(m.file).close().catch(() => undefined);
      post({ type: 'end', id: m.id, end: { result: 'aborted', detail: 'server shutting down', bytes: 0 } });
      break;
    case 'abort':
      abort(m.id, m.reason, m.notify);
      break;
    case 'check':
      check(m.id);
      break;
    case 'shutdown':
      shuttingDown = true;
      for (const id of [...running.keys()]) abort(id, 'server shutting down', true);
      // Transfers close their sockets on the next turn, after the final ERROR went out.
      setTimeout(() => post({ type: 'closed' }), 10);
      break;
  }
});
post({ type: 'ready' });
