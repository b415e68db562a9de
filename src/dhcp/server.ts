/**
 * The DHCP server: two UDP sockets around the pure policy.
 *  - `listen` on 0.0.0.0:port receives broadcasts (Node cannot tell on which
 *    interface a datagram arrived, so unknown MACs are simply not answered);
 *  - `reply` on <server.address>:port (SO_REUSEADDR, SO_BROADCAST) sends every
 *    reply, so broadcasts leave through the interface owning that address,
 *    and receives what clients and relays unicast to piman.
 * Every datagram is handled inside a try/catch: a hostile packet is counted,
 * logged (rate-limited) and dropped.
 */
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import type { ActivityCounter, BootEvents, LearnedAddresses, UnknownMacSightings } from '../cluster/ports.js';
import type { Logger } from '../log.js';
import { describeError, listenError } from '../errors.js';
import { decodeDhcp, encodeDhcp, type DhcpPacket } from './packet.js';
import { getVendorClass, isPxeRequest, messageTypeName } from './options.js';
import {
  buildReply,
  classify,
  decide,
  fromAllowedRelay,
  replyDestination,
  type Bindings,
  type Decision,
  type ServerSettings,
} from './policy.js';
import { ClusterBindings, type BindingsCluster, type PoolRange } from './bindings.js';
import { subnetSegment, type Segment, type Subnet } from './segment.js';
import { OPT_RELAY_AGENT_INFO, parseRelayAgentInfo } from './relay-agent.js';
import type { PortBinder } from './port-binder.js';
import type { LeaseStore } from './leases.js';
import type { UnknownMac } from '../cluster/unknown-macs.js';
import { LogLimiter } from '../log-limit.js';
import { isPiMac } from '../cluster/mac.js';

/**
 * The cluster as the DHCP server sees it: the bindings' reads, a (PXE) DHCP
 * as a boot event, learned addresses, OFFERs and ACKs counted, MACs it
 * could not bind recorded.
 */
export type DhcpCluster = BindingsCluster & BootEvents & LearnedAddresses & ActivityCounter & UnknownMacSightings;

export interface DhcpServerOptions {
  readonly settings: ServerSettings;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly clientPort: number;
  readonly broadcastAddress: string;
  /** Where broadcasts are received; 0.0.0.0 unless a test wants otherwise. */
  readonly listenAddress?: string;
  readonly pool?: PoolRange | undefined;
  /** giaddr values whose relayed requests are answered (dhcp.relays); other relayed requests are dropped. */
  readonly relays: readonly string[];
  /** Networks behind the relays (dhcp.subnets): a relayed request gets the settings of the one holding its giaddr. */
  readonly subnets?: readonly Subnet[];
  /** dhcp.option82.bindPorts: binds an unknown MAC to the port its relay agent information names. */
  readonly binder?: PortBinder | undefined;
  readonly cluster: DhcpCluster;
  readonly leases: LeaseStore;
  readonly log: Logger;
  readonly now?: () => number;
  /** How long a pool address stays reserved for an OFFER. */
  readonly offerHoldMs?: number;
}

export interface DhcpStats {
  received: number;
  malformed: number;
  ignored: number;
  unknown: number;
  offers: number;
  acks: number;
  naks: number;
  sendErrors: number;
  /** Relayed requests dropped: giaddr not in dhcp.relays. */
  relayDropped: number;
  /** MACs bound to a port from option 82, and attempts refused. */
  portsBound: number;
  bindRefused: number;
}

/** A PXE DISCOVER this recent makes the same client's REQUEST a PXE one too. */
const PXE_MEMORY_MS = 60_000;

export class DhcpServer {
  private listenSock: dgram.Socket | null = null;
  private replySock: dgram.Socket | null = null;
  private boundPort = 0;
  private readonly bindings: Bindings;
  private readonly limiter: LogLimiter;
  private readonly relays: ReadonlySet<string>;
  private readonly pxeSeen = new Map<string, number>();
  private readonly now: () => number;
  private readonly pending = new Set<Promise<void>>();
  readonly stats: DhcpStats = { received: 0, malformed: 0, ignored: 0, unknown: 0, offers: 0, acks: 0, naks: 0, sendErrors: 0, relayDropped: 0, portsBound: 0, bindRefused: 0 };

  constructor(private readonly o: DhcpServerOptions) {
    this.now = o.now ?? Date.now;
    this.relays = new Set(o.relays);
    this.limiter = new LogLimiter(5, 60_000, () => this.now(), {
      onSummary: (dropped) => o.log.warn({ dropped }, 'DHCP: log lines dropped over the budget of the last minute'),
    });
    const subnetPools = (o.subnets ?? []).flatMap((n) => (n.pool ? [n.pool] : []));
    this.bindings = new ClusterBindings({ cluster: o.cluster, leases: o.leases, settings: o.settings, pool: o.pool, subnetPools, now: this.now });
  }

  /** The UDP port in use (the configured one, or the one the OS picked for 0). */
  get port(): number {
    return this.boundPort;
  }

  /** MACs that got no reply, most recent first: the cluster's registry (pimanUnknownMacTable, `piman status --unknown`). */
  unknownMacs(): UnknownMac[] {
    return this.o.cluster.unknownMacs.list();
  }

  async start(): Promise<void> {
    const listenAddress = this.o.listenAddress ?? '0.0.0.0';
    const listen = await bindSocket(listenAddress, this.o.port, 'dhcp.port');
    this.listenSock = listen;
    this.boundPort = (listen.address() as AddressInfo).port;
    try {
      this.replySock = listenAddress === this.o.settings.address ? listen : await bindSocket(this.o.settings.address, this.boundPort, 'server.address');
    } catch (e) {
      listen.close();
      this.listenSock = null;
      throw e;
    }
    this.replySock.setBroadcast(true);
    for (const s of new Set([listen, this.replySock])) {
      s.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
      s.on('error', (err) => this.warn('socket', `DHCP socket error: ${describeError(err)}`));
      try {
        s.setRecvBufferSize(4 * 1024 * 1024);
      } catch {
        // The kernel caps it (net.core.rmem_max); the default still works.
      }
    }
  }

  async stop(): Promise<void> {
    const socks = new Set([this.listenSock, this.replySock].filter((s): s is dgram.Socket => s !== null));
    this.listenSock = this.replySock = null;
    await Promise.all([...socks].map((s) => new Promise<void>((res) => s.close(() => res()))));
    await Promise.allSettled([...this.pending]);
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    this.stats.received++;
    try {
      this.handle(msg);
    } catch (e) {
      this.stats.malformed++;
      this.warn('malformed', `dropped a DHCP datagram from ${rinfo.address}:${rinfo.port}: ${describeError(e)}`);
    }
  }

  /** Decode, decide, carry out, reply. Throws only on malformed input. `mayBind`: false for the re-run after a binding. */
  private handle(msg: Buffer, mayBind = true): void {
    const req = decodeDhcp(msg);
    if (!fromAllowedRelay(req, this.relays)) {
      this.stats.relayDropped++;
      this.warn('relay', `DHCP: dropped a request relayed by ${req.giaddr}, which is not in dhcp.relays`);
      return;
    }
    const c = classify(req);
    if (!c) {
      this.stats.ignored++;
      return;
    }
    const t = this.now();
    const pxeRequest = isPxeRequest(req);
    if (pxeRequest) {
      this.pxeSeen.delete(c.mac);
      this.pxeSeen.set(c.mac, t);
      if (this.pxeSeen.size > 4096) this.pxeSeen.delete(this.pxeSeen.keys().next().value!);
    }
    const seg = req.giaddr === '0.0.0.0' ? undefined : subnetSegment(req.giaddr, this.o.subnets ?? [], this.o.settings.dns);
    const d = decide(req, c, this.bindings, this.o.settings, seg);
    const pxe = pxeRequest || t - (this.pxeSeen.get(c.mac) ?? -Infinity) < PXE_MEMORY_MS;
    const reply = buildReply(req, d, this.o.settings, pxe, seg);
    const wait = this.carryOut(req, d, pxeRequest, t);
    if (d.kind === 'unknown' && mayBind) this.bindFromAgentInfo(msg, req, d.mac, seg);
    if (!reply) return;
    const send = (): void => this.send(req, reply);
    if (wait) {
      // A new pool lease is on disk before the client hears of it.
      const p = wait.then(send, (e) => this.warn('lease-write', `DHCP lease not saved, no ACK sent: ${describeError(e)}`));
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    } else {
      send();
    }
  }

  /**
   * A relayed request (its relay is listed: fromAllowedRelay ran) from an
   * unknown MAC whose option 82 names a port: bind it, then answer the same
   * request with the new binding (once; the client's retry would do too).
   */
  private bindFromAgentInfo(msg: Buffer, req: DhcpPacket, mac: string, seg: Segment | undefined): void {
    const binder = this.o.binder;
    const raw = req.options.get(OPT_RELAY_AGENT_INFO);
    if (!binder || req.giaddr === '0.0.0.0' || !raw) return;
    const info = parseRelayAgentInfo(raw);
    if (!info) {
      this.stats.bindRefused++;
      this.warn('bind', `DHCP: option 82 from relay ${req.giaddr} for ${mac} does not parse; not bound`);
      return;
    }
    const p = binder.bind(mac, info, seg).then((r) => {
      if (!r.ok) {
        this.stats.bindRefused++;
        this.warn('bind', `DHCP: ${mac} (relay ${req.giaddr}) not bound from option 82: ${r.reason}`);
        return;
      }
      this.stats.portsBound++;
      const name = this.o.cluster.switches.find((s) => s.index === r.binding.switchIndex)?.name ?? String(r.binding.switchIndex);
      this.o.log.info({ mac, port: `${name}:${r.binding.port}`, ip: r.binding.ip ?? undefined, relay: req.giaddr, via: r.via }, `DHCP: bound ${mac} to ${name}:${r.binding.port} from option 82 (hosts.csv written)`);
      if (!this.replySock) return;
      try {
        this.handle(msg, false);
      } catch (e) {
        this.warn('malformed', `DHCP: answering ${mac} after binding it failed: ${describeError(e)}`);
      }
    });
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Side effects of a decision; returns a promise to await before replying, if any. */
  private carryOut(req: DhcpPacket, d: Decision, pxeRequest: boolean, t: number): Promise<void> | undefined {
    const { cluster, leases, settings, log } = this.o;
    switch (d.kind) {
      case 'unknown': {
        this.stats.unknown++;
        // A new MAC is logged, at most a few a minute (a flood of random chaddrs would fill the journal);
        // the next line says how many were not.
        const suppressed = cluster.unknownMacs.record(d.mac, t, getVendorClass(req) ?? null) ? this.limiter.allow('unknown-mac') : null;
        if (suppressed !== null) {
          const pi = isPiMac(d.mac);
          log.info(
            { mac: d.mac, type: messageTypeName(req.options.get(53)?.[0] ?? 0), vendorClass: getVendorClass(req), raspberryPi: pi, suppressed: suppressed || undefined },
            `DHCP: no binding for ${d.mac} (not in hosts.csv, not learned, no pool): not answering; it is listed by 'piman status --unknown'` +
              (pi ? `; it is a Raspberry Pi: add it to hosts.csv or run 'piman mapper'` : ''),
          );
        }
        return undefined;
      }
      case 'offer': {
        this.stats.offers++;
        cluster.count('dhcpOffers');
        if (d.binding.source === 'pool') leases.offer(d.binding.mac, d.binding.ip, t + (this.o.offerHoldMs ?? 60_000), t);
        if (d.binding.port && d.binding.source === 'learned') cluster.noteLearnedAddress(d.binding.port, d.binding.ip);
        if (d.binding.port) notify(cluster, d.binding.port, pxeRequest, log);
        return undefined;
      }
      case 'ack': {
        this.stats.acks++;
        cluster.count('dhcpAcks');
        if (d.binding.port && d.binding.source === 'learned') cluster.noteLearnedAddress(d.binding.port, d.binding.ip);
        if (d.binding.port) notify(cluster, d.binding.port, pxeRequest, log);
        const old = leases.get(d.binding.mac);
        const saved = leases.bind(d.binding.mac, d.binding.ip, t + settings.leaseSeconds * 1000, d.binding.source);
        if (d.binding.source === 'pool' && old?.ip !== d.binding.ip) return saved;
        saved.catch((e) => this.warn('lease-write', `DHCP lease file not written: ${describeError(e)}`));
        return undefined;
      }
      case 'nak':
        this.stats.naks++;
        this.note('info', 'nak', `DHCP NAK to ${d.mac}: ${d.reason}`);
        return undefined;
      case 'release':
        leases.release(d.binding.mac, t).catch((e) => this.warn('lease-write', `DHCP lease file not written: ${describeError(e)}`));
        return undefined;
      case 'decline':
        log.warn({ mac: d.binding.mac, ip: d.ip }, `DHCP DECLINE: ${d.ip} is in use by another machine on the network`);
        leases.decline(d.ip, t + settings.leaseSeconds * 1000).catch((e) => this.warn('lease-write', describeError(e)));
        return undefined;
      case 'otherServer':
        leases.dropOffer(d.mac);
        return undefined;
      case 'inform':
        return undefined;
      case 'ignore':
        this.stats.ignored++;
        log.debug({ reason: d.reason }, 'DHCP request ignored');
        return undefined;
    }
  }

  private send(req: DhcpPacket, reply: DhcpPacket): void {
    const sock = this.replySock;
    if (!sock) return;
    const dest = replyDestination(req, reply, {
      serverPort: this.boundPort,
      clientPort: this.o.clientPort,
      broadcastAddress: this.o.broadcastAddress,
    });
    sock.send(encodeDhcp(reply), dest.port, dest.address, (err) => {
      if (err) {
        this.stats.sendErrors++;
        this.warn('send', `DHCP reply to ${dest.address}:${dest.port} not sent: ${describeError(err)}`);
      }
    });
  }

  private warn(key: string, msg: string): void {
    this.note('warn', key, msg);
  }

  /** Logs at most a few lines per key and minute, so a flood cannot fill the journal. */
  private note(level: 'info' | 'warn', key: string, msg: string): void {
    const suppressed = this.limiter.allow(key);
    if (suppressed !== null) this.o.log[level](suppressed ? { suppressed } : {}, msg);
  }
}

function notify(cluster: BootEvents, port: { switchIndex: number; port: number }, pxe: boolean, log: Logger): void {
  const r = cluster.apply(port, { type: 'dhcp', pxe });
  if (!r.ok) log.debug({ port, reason: r.reason }, 'boot machine refused DHCP event');
  // A write that fails is reported by the cluster (onPersistError), once.
}

/** `key`: the config key to name when the bind fails. */
function bindSocket(address: string, port: number, key: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    const onError = (err: Error): void => {
      s.close();
      reject(listenError(key, 'UDP', address, port, err));
    };
    s.once('error', onError);
    s.bind({ address, port, exclusive: true }, () => {
      s.off('error', onError);
      resolve(s);
    });
  });
}
