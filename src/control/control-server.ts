/**
 * TCP server of the control channel (control.port, 3333 by default). Thin:
 * bounds the connections (in total, per address), identifies the Pi by its
 * address and MAC (src/control/identity.ts), feeds received lines to the pure
 * conversation and carries out its turns (apply events, then send).
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { ApplyResult, BootEvents, NetbootLog, PeersByAddress, PortLookup } from '../cluster/ports.js';
import type { PortKey, PortView } from '../cluster/types.js';
import type { Logger } from '../log.js';
import { describeError } from '../errors.js';
import { LineSplitter } from './lines.js';
import { archiveDone, openConversation, receiveLine, type Conversation, type PortFacts, type Turn } from './conversation.js';
import type { InstallHub } from './hub.js';
import { LogLimiter } from '../log-limit.js';
import { peerIpv4 } from './peer.js';
import { TcpService } from './listen.js';
import { limitMessage, type ConnectionLimitOptions } from './conn-limits.js';
import { verifyPeer, type PeerIdentityOptions } from './identity.js';

/** Who may talk to the control channel and fetch the archive (see InstallServersOptions). */
export interface InstallIdentity extends PeerIdentityOptions {
  /** A Pi must have netbooted (PXE DHCP, seen by piman) to start a boot or fetch the archive. */
  readonly requireNetboot: boolean;
  /** The netboot must lie at most this long before the `format` decision. */
  readonly netbootWindowMs: number;
}

/** The cluster as the control channel sees it: the peer by its address, its port's state and last netboot, the conversation's events. */
export type ControlCluster = PeersByAddress & PortLookup & NetbootLog & BootEvents;

export interface ControlServerOptions {
  readonly cluster: ControlCluster;
  readonly hub: InstallHub;
  readonly log: Logger;
  readonly host: string;
  readonly port: number;
  /** A connection with no line from the Pi (and no rootfs bytes going out) for this long is closed. */
  readonly timeoutMs: number;
  readonly limits: ConnectionLimitOptions;
  readonly identity: InstallIdentity;
  readonly now?: () => Date;
  /** Why the port's image cannot be installed now, or null (default: it always can). */
  readonly imageProblem?: (view: PortView) => string | null;
}

export class ControlServer {
  private readonly tcp: TcpService;
  private readonly limiter = new LogLimiter(10, 60_000);

  constructor(private readonly opts: ControlServerOptions) {
    this.tcp = new TcpService('control', 'control.port', opts.log, opts.limits);
  }

  start(): Promise<void> {
    return this.tcp.start(createServer((s) => this.onConnection(s)), this.opts.host, this.opts.port);
  }

  readonly address = (): AddressInfo => this.tcp.address();
  readonly stop = (): Promise<void> => this.tcp.stop();

  private onConnection(socket: Socket): void {
    const { cluster, log } = this.opts;
    const ip = peerIpv4(socket.remoteAddress);
    const admitted = this.tcp.admit(socket, ip);
    if (!admitted.ok) {
      this.warn(`limit ${admitted.why}`, ip, limitMessage('control', ip, admitted.why, this.opts.limits));
      socket.destroy();
      return;
    }
    socket.on('error', () => undefined); // a reset before the check; the connection logs its own later
    const view = cluster.byIp(ip);
    if (!view) {
      this.warn(`peer ${ip}`, ip, `control connection from ${ip}, which is no Pi in hosts.csv: closed`);
      socket.destroy();
      return;
    }
    const key = { switchIndex: view.switchIndex, port: view.port };
    // Nothing is read before the check: data waits in the socket.
    socket.pause();
    verifyPeer(ip, view.mac, this.opts.identity).then(
      (v) => {
        if (socket.destroyed) return;
        if (!v.ok) {
          this.warn(`identity ${ip}`, ip, `control connection from ${ip} refused: ${v.reason}`);
          socket.destroy();
          return;
        }
        const connLog = log.child({ pi: `${view.switchName}:${view.port}`, ip });
        new ControlConnection(socket, ip, key, this.opts, this.limiter, connLog).begin();
        socket.resume();
      },
      (e: unknown) => {
        log.error({ err: describeError(e) }, 'control channel: peer check failed');
        socket.destroy();
      },
    );
  }

  private warn(key: string, ip: string, msg: string): void {
    const suppressed = this.limiter.allow(key);
    if (suppressed !== null) this.opts.log.warn({ peer: ip, ...(suppressed ? { suppressed } : {}) }, msg);
  }
}

/**
 * One Pi's connection. Each line is decided and its events applied at once,
 * in the 'data' handler, so every line sees the port as the previous lines
 * left it and a slow state write never reorders anything. Only the writes
 * wait, in order, for the state they depend on to be on disk.
 */
class ControlConnection {
  private conv: Conversation | null = null;
  private writes: Promise<void> = Promise.resolve();
  /** Events of turns whose reply waits for their state write (undone if it fails). */
  private unsent: ApplyResult[] = [];
  private readonly splitter = new LineSplitter();
  private readonly id: number;

  constructor(
    private readonly socket: Socket,
    private readonly ip: string,
    private readonly key: PortKey,
    private readonly opts: ControlServerOptions,
    private readonly limiter: LogLimiter,
    private readonly log: Logger,
  ) {
    this.id = opts.hub.connectionId();
  }

  /** Connection notices, at most a few a minute per address: a Pi reconnecting in a loop cannot flood the log. */
  private notice(obj: Record<string, unknown>, msg: string): void {
    const suppressed = this.limiter.allow(`conn ${this.ip}`);
    if (suppressed !== null) this.log.info({ ...obj, ...(suppressed ? { suppressed } : {}) }, msg);
  }

  begin(): void {
    const { socket, opts, log } = this;
    this.notice({}, 'Pi connected to the control channel');
    socket.setNoDelay(true); // replies are a few small writes the Pi waits for
    const timer = setTimeout(() => this.onIdle(timer), opts.timeoutMs);
    const unsubscribe = opts.hub.onArchiveSent(this.key, () => {
      if (this.conv) this.carryOut(archiveDone(this.conv, this.facts()));
    });
    socket.on('data', (chunk: Buffer) => {
      timer.refresh();
      for (const line of this.splitter.push(chunk)) this.onLine(line.text, line.truncated);
    });
    socket.on('end', () => {
      const rest = this.splitter.end();
      if (rest) this.onLine(rest.text, rest.truncated);
    });
    socket.on('error', (e) => log.debug({ err: describeError(e) }, 'control connection error'));
    socket.on('close', () => {
      clearTimeout(timer);
      unsubscribe();
      this.notice({ phase: this.conv?.phase }, 'control connection closed');
    });
    const p = opts.cluster.port(this.key);
    const netbootSeen = !opts.identity.requireNetboot || opts.cluster.lastNetboot(this.key) !== null;
    this.carryOut(openConversation(opts.now?.() ?? new Date(), { state: p?.state ?? 'unknown', netbootSeen }));
  }

  private onLine(text: string, truncated: boolean): void {
    if (truncated) this.log.info('overlong line from Pi cut');
    if (this.conv) this.carryOut(receiveLine(this.conv, text, this.facts()));
  }

  private facts(): PortFacts {
    const p = this.opts.cluster.port(this.key);
    // Only the connection whose `format` the stream served may confirm with that archive.
    const mine = this.opts.hub.receiver(this.key) === this.id;
    const imageProblem = p && this.opts.imageProblem ? this.opts.imageProblem(p) : null;
    return { state: p?.state ?? 'unknown', reinstall: p?.reinstall ?? false, archiveSent: mine && (p?.archiveSent ?? false), imageProblem };
  }

  private carryOut(turn: Turn): void {
    const { cluster, hub } = this.opts;
    this.conv = turn.conv;
    for (const n of turn.notes) {
      if (n.unknown) {
        const suppressed = this.limiter.allow(`lines ${this.ip}`);
        if (suppressed === null) continue;
        this.log[n.level](suppressed ? { suppressed } : {}, n.msg);
      } else {
        this.log[n.level](n.msg);
      }
    }
    const persisted: Promise<void>[] = [];
    const applied: ApplyResult[] = [];
    for (const ev of turn.events) {
      const r = cluster.apply(this.key, ev);
      if (!r.ok) this.log.warn({ event: ev.type, reason: r.reason }, 'boot state event refused');
      persisted.push(r.persisted);
      applied.push(r);
    }
    if (turn.events.some((e) => e.type === 'decision' && e.action === 'format')) {
      // The decision's time on the cluster's clock (the one netboots are recorded with).
      const decidedAt = cluster.port(this.key)?.lastProgress ?? Date.now();
      hub.expect(this.key, { ip: this.ip, connection: this.id, decidedAt, netbootAt: cluster.lastNetboot(this.key) });
    }
    if (turn.close) this.socket.destroy();
    if (turn.send.length === 0) return;
    this.unsent.push(...applied);
    const text = turn.send.join('\n') + '\n';
    // A `format` wipes the Pi: its mark must be on disk before the Pi acts on it.
    this.writes = this.writes
      .then(() => Promise.all(persisted))
      .then(() => {
        this.unsent = this.unsent.filter((r) => !applied.includes(r));
        if (!this.socket.destroyed) this.socket.write(text);
      })
      .catch((e: unknown) => {
        this.log.error({ err: describeError(e) }, 'control channel: state not saved, so the decision is not sent; closing the connection');
        // The Pi is told nothing more: the port goes back to its state before the unsent turns.
        for (const r of this.unsent.splice(0).reverse()) r.undo();
        hub.forget(this.key);
        this.socket.destroy();
      });
  }

  private onIdle(timer: NodeJS.Timeout): void {
    // A Pi that was told `format` may be silent for long (mkfs, unpacking); dropping its
    // connection would lose its confirmation. The boot machine's no-progress timeout
    // (boot.timeoutSeconds) fails a stuck install; the connection is closed after that.
    const installing = this.conv?.phase === 'installing' && this.opts.cluster.port(this.key)?.state === 'installing';
    const last = this.opts.hub.lastStreamActivity(this.key);
    if (installing || (last !== null && Date.now() - last < this.opts.timeoutMs)) {
      timer.refresh();
      return;
    }
    this.log.info({ seconds: this.opts.timeoutMs / 1000 }, 'control connection idle too long: closed');
    this.socket.destroy();
  }
}
