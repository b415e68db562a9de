/**
 * The native datagram path (native/udp-batch.c): transfer sockets watched
 * by one epoll set per thread, drained in batches into shared arrays, with
 * JavaScript entered once per batch. Loaded once per thread; when the
 * addon is not built (no C compiler at install) or fails to load,
 * `nativeDatagrams()` says why and piman uses node:dgram.
 */
import { constants } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { DatagramPath, LinkEvents, TransferLink } from './datagram-link.js';
import { PimanError } from '../errors.js';

/** The addon's functions (native/udp-batch.c); negative numbers are -errno. */
interface UdpBatchAddon {
  open(bindAddress: string, peerAddress: string, peerPort: number): number;
  send(fd: number, packet: Buffer): number;
  closeSocket(fd: number): void;
  poller(out: Int32Array, spill: Uint8Array, onBatch: (count: number) => void): object;
  watch(poller: object, fd: number): number;
  unwatchAndClose(poller: object, fd: number): void;
}

/** Where scripts/build-native.mjs puts it; the same depth from src/ and dist/. */
export const NATIVE_ADDON_PATH = fileURLToPath(new URL('../../native/build/udp-batch.node', import.meta.url));

/** int32s per entry of the batch array: fd, length or -errno, first four bytes, spill offset or -1. */
const ENTRY = 4;
const BATCH = 128;
/** The addon copies at most this much of a datagram that is not a 4-byte ACK. */
const MAX_DATAGRAM = 1500;
const EAGAIN = constants.errno.EAGAIN;
const errnoNames = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));
const errnoName = (n: number): string => errnoNames.get(n) ?? `errno ${n}`;

let loaded: { addon: UdpBatchAddon } | { reason: string } | undefined;

/** The addon, or why it cannot be used in this process. */
export function nativeDatagrams(): { addon: UdpBatchAddon } | { reason: string } {
  if (loaded) return loaded;
  if (process.platform !== 'linux') return (loaded = { reason: `the native datagram path is Linux-only (this is ${process.platform})` });
  try {
    loaded = { addon: createRequire(import.meta.url)(NATIVE_ADDON_PATH) as UdpBatchAddon };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    loaded = {
      reason:
        code === 'MODULE_NOT_FOUND'
          ? `${NATIVE_ADDON_PATH} is not built (a C compiler and Node's headers are needed: node scripts/build-native.mjs)`
          : `${NATIVE_ADDON_PATH} does not load: ${(e as Error).message.split('\n')[0]}`,
    };
  }
  return loaded;
}

/**
 * tftp.datagrams against what this process has: `fallback` says why `auto`
 * fell back to node:dgram; `native` without the addon is an E_TFTP error.
 */
export function chooseDatagramPath(
  want: 'auto' | DatagramPath,
  loadNative: () => { addon: unknown } | { reason: string },
): { path: DatagramPath; fallback?: string } {
  if (want === 'node') return { path: 'node' }; // the addon is not even loaded
  const native = loadNative();
  if ('addon' in native) return { path: 'native' };
  if (want === 'native') throw new PimanError('E_TFTP', `tftp.datagrams is native, but ${native.reason}; or set tftp.datagrams: auto`);
  return { path: 'node', fallback: native.reason };
}

/** This thread's poller: every native link of the thread, by socket. */
class Poller {
  private readonly out = new Int32Array(ENTRY * BATCH);
  private readonly spill = new Uint8Array(MAX_DATAGRAM * BATCH);
  readonly links = new Map<number, NativeLink>();
  readonly handle: object;

  constructor(readonly addon: UdpBatchAddon) {
    this.handle = addon.poller(this.out, this.spill, (count) => this.batch(count));
  }

  private batch(count: number): void {
    const { out } = this;
    for (let i = 0; i < count; i++) {
      const e = i * ENTRY;
      const link = this.links.get(out[e]!);
      if (!link) continue;
      const length = out[e + 1]!;
      const head = out[e + 2]!;
      if (length < 0) link.fail(errnoName(-length));
      else if (length === 4 && head >>> 16 === 4) link.events?.ack(head & 0xffff);
      else {
        const at = out[e + 3]!;
        // Copied: the spill area is overwritten by the next batch.
        if (at >= 0) link.events?.datagram(Buffer.from(this.spill.subarray(at, at + Math.min(length, MAX_DATAGRAM))));
      }
    }
  }
}

let poller: Poller | null = null;

class NativeLink implements TransferLink {
  events: LinkEvents | null = null;
  private closed = false;

  constructor(
    private readonly poller: Poller,
    private readonly fd: number,
  ) {}

  listen(events: LinkEvents): void {
    this.events = events;
  }

  send(packet: Buffer): void {
    if (this.closed) return;
    const n = this.poller.addon.send(this.fd, packet);
    // A full send buffer loses the datagram as a network would; the retransmission timer resends it.
    if (n < 0 && n !== -EAGAIN) process.nextTick(() => this.fail(errnoName(-n)));
  }

  queued(): number {
    return 0;
  }

  fail(name: string): void {
    if (!this.closed) this.events?.failed(name);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.poller.links.delete(this.fd);
    this.poller.addon.unwatchAndClose(this.poller.handle, this.fd);
  }
}

/** Opens a native link; rejects like node:dgram's path when the socket cannot be made. */
export async function openNativeLink(bindAddress: string, peerAddress: string, peerPort: number): Promise<TransferLink> {
  const n = nativeDatagrams();
  if (!('addon' in n)) throw new Error(`cannot open a transfer socket: ${n.reason}`);
  poller ??= new Poller(n.addon);
  const fd = n.addon.open(bindAddress, peerAddress, peerPort);
  if (fd < 0) throw new Error(`cannot open a transfer socket: ${errnoName(-fd)}`);
  const watched = n.addon.watch(poller.handle, fd);
  if (watched < 0) {
    n.addon.closeSocket(fd);
    throw new Error(`cannot open a transfer socket: ${errnoName(-watched)}`);
  }
  const link = new NativeLink(poller, fd);
  poller.links.set(fd, link);
  return link;
}
