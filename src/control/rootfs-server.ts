/**
 * TCP server of the rootfs stream (install.port, 4444 by default): sends the
 * archive to the one Pi that was just told `format`, never anyone else: the
 * peer's address and MAC are the Pi's (src/control/identity.ts), it netbooted
 * shortly before the decision, and each decision serves one stream.
 * Connections are bounded in total and per address.
 * The file is piped with backpressure (memory stays flat whatever its size);
 * progress feeds the boot machine; a peer gone mid-stream aborts the install.
 *
 * Which file: the port's image (src/images/catalog.ts). It is opened once
 * per stream and every byte sent is hashed, so an image replaced (renamed
 * over) meanwhile reaches this Pi whole, old or new, and the digest recorded
 * as installed is the one of the bytes really sent. A file rewritten in place
 * during the stream is detected (its size or mtime changed) and the install
 * aborted rather than confirmed with a mix.
 *
 * The Pi's `nc` may half-close its sending side at once (its stdin is
 * /dev/null or the control socket): the server allows half-open sockets so
 * that this does not cut the stream.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { open, type FileHandle } from 'node:fs/promises';
import { createHash, type Hash } from 'node:crypto';
import type { ImageCatalog, FileVersion } from '../images/catalog.js';
import type { BootEvents, PeersByAddress, PortLookup } from '../cluster/ports.js';
import type { PortKey } from '../cluster/types.js';
import type { Logger } from '../log.js';
import { describeError } from '../errors.js';
import type { InstallHub } from './hub.js';
import { LogLimiter } from '../log-limit.js';
import { peerIpv4 } from './peer.js';
import { TcpService } from './listen.js';
import { limitMessage, type ConnectionLimitOptions } from './conn-limits.js';
import { verifyPeer } from './identity.js';
import type { InstallIdentity } from './control-server.js';
import type { Expectation } from './hub.js';

/** The cluster as the rootfs stream sees it: the peer by its address, its port's state, the install's progress as events. */
export type RootfsCluster = PeersByAddress & PortLookup & BootEvents;

export interface RootfsServerOptions {
  readonly cluster: RootfsCluster;
  readonly hub: InstallHub;
  readonly log: Logger;
  readonly host: string;
  readonly port: number;
  /** The images and which one each port installs. */
  readonly images: ImageCatalog;
  /** A stream that moves no byte for this long is aborted. */
  readonly timeoutMs: number;
  /** Least time between two progress updates of one port. */
  readonly progressIntervalMs?: number;
  /** Read size; larger chunks mean fewer syscalls and callbacks. */
  readonly chunkBytes?: number;
  readonly limits: ConnectionLimitOptions;
  readonly identity: InstallIdentity;
}

/** Why an expectation does not allow the stream (null: it does). */
export function netbootProblem(e: Expectation, o: Pick<InstallIdentity, 'requireNetboot' | 'netbootWindowMs'>): string | null {
  if (!o.requireNetboot) return null;
  if (e.netbootAt === null) return 'piman saw no netboot (PXE DHCP) from its MAC before it was told format';
  if (e.netbootAt > e.decidedAt || e.decidedAt - e.netbootAt > o.netbootWindowMs) {
    return `its last netboot was not within ${Math.round(o.netbootWindowMs / 1000)} s before it was told format`;
  }
  return null;
}

export class RootfsServer {
  private readonly tcp: TcpService;
  private readonly limiter = new LogLimiter(10, 60_000);

  constructor(private readonly opts: RootfsServerOptions) {
    this.tcp = new TcpService('rootfs', 'install.port', opts.log, opts.limits);
  }

  start(): Promise<void> {
    const server = createServer({ allowHalfOpen: true }, (s) => {
      this.onConnection(s).catch((e: unknown) => {
        this.opts.log.error({ err: describeError(e) }, 'rootfs stream failed unexpectedly');
        s.destroy();
      });
    });
    return this.tcp.start(server, this.opts.host, this.opts.port);
  }

  readonly address = (): AddressInfo => this.tcp.address();
  readonly stop = (): Promise<void> => this.tcp.stop();

  private refuse(socket: Socket, ip: string, why: string): void {
    const suppressed = this.limiter.allow(`refused ${ip}`);
    if (suppressed !== null) this.opts.log.warn({ peer: ip, ...(suppressed ? { suppressed } : {}) }, `rootfs request from ${ip} refused: ${why}`);
    socket.destroy();
  }

  private async onConnection(socket: Socket): Promise<void> {
    const { cluster, hub } = this.opts;
    const ip = peerIpv4(socket.remoteAddress);
    socket.on('error', () => undefined); // reported through 'close' below
    const admitted = this.tcp.admit(socket, ip);
    if (!admitted.ok) {
      const suppressed = this.limiter.allow(`limit ${admitted.why}`);
      if (suppressed !== null) this.opts.log.warn({ peer: ip, ...(suppressed ? { suppressed } : {}) }, limitMessage('rootfs', ip, admitted.why, this.opts.limits));
      socket.destroy();
      return;
    }
    const view = cluster.byIp(ip);
    if (!view) return this.refuse(socket, ip, 'no Pi in hosts.csv has this address');
    const key: PortKey = { switchIndex: view.switchIndex, port: view.port };
    const who = await verifyPeer(ip, view.mac, this.opts.identity);
    if (!who.ok) return this.refuse(socket, ip, who.reason);
    if (socket.destroyed) return;
    if (hub.isStreaming(key)) return this.refuse(socket, ip, 'a stream to this Pi is already running');
    const now = cluster.port(key);
    if (now?.state !== 'installing' || now.archiveSent) return this.refuse(socket, ip, 'this Pi was not just told format on the control channel');
    const expected = hub.take(key, ip);
    if (!expected) return this.refuse(socket, ip, 'this Pi was not just told format on the control channel');
    const late = netbootProblem(expected, this.opts.identity);
    if (late) return this.refuse(socket, ip, late);
    const log = this.opts.log.child({ pi: `${view.switchName}:${view.port}`, ip });
    hub.streamStarted(key, Date.now());
    try {
      await this.stream(socket, key, log);
    } finally {
      hub.streamEnded(key);
    }
  }

  private async stream(socket: Socket, key: PortKey, log: Logger): Promise<void> {
    const { cluster, hub, images } = this.opts;
    const view = cluster.port(key);
    const image = images.imageFor(view ?? { image: '' });
    const rootfs = images.info(image)?.path ?? '';
    const abort = (reason: string): void => {
      const r = cluster.apply(key, { type: 'installAborted', reason });
      log.warn({ applied: r.ok }, reason);
    };
    const gone = new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
    let fh: FileHandle | undefined;
    let version: FileVersion;
    try {
      fh = await open(rootfs, 'r');
      version = versionOf(await fh.stat());
    } catch (e) {
      await fh?.close();
      socket.destroy();
      return abort(`cannot read image '${image}' (${rootfs}): ${describeError(e)}`);
    }
    const size = version.size;
    const hash = createHash('sha256');
    log.info({ image, bytes: size }, 'streaming the rootfs archive');
    const started = Date.now();
    const interval = this.opts.progressIntervalMs ?? 500;
    let lastPercent = -1;
    let lastReport = 0;
    let problem: string | null = null;

    socket.setTimeout(this.opts.timeoutMs, () => {
      problem ??= `the rootfs stream stalled: no byte moved for ${this.opts.timeoutMs / 1000} s`;
      socket.destroy();
    });
    socket.resume(); // discard anything the Pi's nc sends; we only need to see its end

    const onProgress = (sent: number): void => {
      const now = Date.now();
      hub.streamActive(key, now);
      const percent = size === 0 ? 100 : Math.floor((sent * 100) / size);
      if (percent === lastPercent || now - lastReport < interval || sent >= size) return;
      lastPercent = percent;
      lastReport = now;
      // The boot machine refuses progress once the port left `installing` (Pi rebooted, power off).
      if (!cluster.apply(key, { type: 'installProgress', percent }).ok) {
        problem ??= 'the install was interrupted (the port is no longer installing)';
        socket.destroy();
      }
    };
    let sent = 0;
    let finished = false;
    try {
      ({ sent, finished } = await pump(fh, socket, gone, this.opts.chunkBytes ?? 256 * 1024, hash, (n) => {
        sent = n;
        onProgress(n);
      }));
      if (problem === null && finished) {
        const now = versionOf(await fh.stat());
        if (now.size !== version.size || now.mtimeMs !== version.mtimeMs) {
          problem = `image '${image}' (${rootfs}) was rewritten in place during the stream, so the Pi may hold a mix: replace image files by renaming a new file over them (mv)`;
        }
      }
    } catch (e) {
      problem ??= `cannot read image '${image}' (${rootfs}): ${describeError(e)}`;
    } finally {
      await fh.close().catch(() => undefined);
    }

    if (problem === null && finished && sent === size) {
      const secs = Math.max((Date.now() - started) / 1000, 0.001);
      const digest = hash.digest('hex');
      images.recordSent(image, version, digest);
      const r = cluster.apply(key, { type: 'archiveSent', image: { name: image, digest } });
      log.info({ image, sha256: digest, bytes: sent, seconds: Number(secs.toFixed(1)), mibPerSecond: Number((sent / 1048576 / secs).toFixed(1)), applied: r.ok }, 'rootfs archive sent');
      if (r.ok) hub.archiveSent(key);
      // The image table follows a file replaced since start or reload (stat only, unless it changed).
      images.refresh().catch((e: unknown) => log.warn({ err: describeError(e) }, 'image check failed'));
      return;
    }
    socket.destroy();
    const pct = size === 0 ? 0 : Math.floor((sent * 100) / size);
    abort(problem ?? `Pi closed the rootfs stream at ${pct}% (${(sent / 1048576).toFixed(1)} of ${(size / 1048576).toFixed(1)} MiB sent)`);
  }
}

function versionOf(st: { dev: number; ino: number; size: number; mtimeMs: number }): FileVersion {
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
}

/**
 * Copies the file to the socket with two reused buffers: one is read while
 * the other is being written; a buffer is refilled only after the kernel took
 * it. Memory stays at two chunks whatever the archive size, and no garbage
 * builds up between collections. Returns the bytes the kernel accepted; a
 * closed socket ends the copy early. Ends the socket (FIN) after the last byte;
 * `finished` once the kernel took everything and the FIN.
 */
async function pump(
  fh: FileHandle,
  socket: Socket,
  gone: Promise<void>,
  chunk: number,
  hash: Hash,
  onProgress: (sent: number) => void,
): Promise<{ sent: number; finished: boolean }> {
  const bufs = [Buffer.allocUnsafe(chunk), Buffer.allocUnsafe(chunk)] as const;
  let which = 0;
  let sent = 0;
  let inFlight: Promise<boolean> = Promise.resolve(true);
  const closed = gone.then(() => false);
  const write = (data: Buffer): Promise<boolean> =>
    Promise.race([
      new Promise<boolean>((resolve) =>
        socket.write(data, (err) => {
          if (err) return resolve(false);
          sent += data.length;
          onProgress(sent);
          resolve(true);
        }),
      ),
      closed,
    ]);
  for (;;) {
    const buf = bufs[which]!;
    which ^= 1;
    const { bytesRead } = await fh.read(buf, 0, chunk, null);
    if (!(await inFlight)) return { sent, finished: false };
    if (bytesRead === 0) break;
    // Hashed before it is handed to the socket: what the digest covers is exactly what was sent.
    hash.update(buf.subarray(0, bytesRead));
    inFlight = write(bytesRead === chunk ? buf : buf.subarray(0, bytesRead));
  }
  const finished = await Promise.race([new Promise<boolean>((resolve) => socket.end((err?: Error | null) => resolve(!err))), closed]);
  return { sent, finished };
}
