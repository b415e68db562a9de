/**
 * piman's SNMP agent host: one request path that this project owns, from
 * the datagram to the reply:
 *   decode (wire.ts) -> authenticate (community, or USM in usm-agent.ts)
 *   -> process the PDU (process.ts; every access decided by access.ts)
 *   -> encode (encoder.ts) within the maximum message size, tooBig as
 *   RFC 3416 says.
 * net-snmp serves through its public API only: the Mib that holds the
 * providers' instances (createMib, registerProvider, addTableRow, ...) and
 * the USM crypto. Nothing of it is replaced at run time.
 */
import dgram, { type RemoteInfo, type Socket, type SocketOptions } from 'node:dgram';
import dns from 'node:dns';
import { isIP } from 'node:net';
import snmp, { type Mib } from 'net-snmp';
import type { UsmUserSpec } from './usm.js';
import { describeError, listenError } from '../errors.js';
import type { Access, Principal } from './access.js';
import { Encoder, varbindsBound } from './encoder.js';
import type { EngineIdentity } from './engine-state.js';
import { newEngineId } from './engine-state.js';
import { MibView } from './mib-view.js';
import type { VirtualRows } from './virtual-table.js';
import { DEFAULT_LIMITS, processPdu, tooBig, type Limits, type Outcome, type SetHandler } from './process.js';
import { UsmAgent, type UsmStats } from './usm-agent.js';
import { decodeMessage, PDU, type DecodedMessage, type RequestPdu, type RequestPduType, type V3Message } from './wire.js';
import { ERR } from './error-status.js';

export type { Access } from './access.js';

export interface CommunityConfig {
  readonly name: string;
  readonly access: Access;
}

/** Default maximum size of a reply (octets): a 100-varbind GETBULK of PIMAN-MIB fits. */
export const DEFAULT_MAX_MESSAGE_SIZE = 8192;

export interface AgentHostOptions {
  readonly address: string;
  /** 0 picks a free port; see AgentHost.port. */
  readonly port: number;
  readonly communities: readonly CommunityConfig[];
  readonly users?: readonly UsmUserSpec[];
  /** snmpEngineID and this start's snmpEngineBoots (engine-state.ts); default: a new ID, boots 1. */
  readonly engine?: EngineIdentity;
  /** Refuse SNMPv1 and SNMPv2c (counted as snmpInBadVersions). */
  readonly v3Only?: boolean;
  readonly limits?: Partial<Limits>;
  /** Largest reply sent (a v3 manager's msgMaxSize may lower it). */
  readonly maxMessageSize?: number;
  /** A request that was refused or could not be processed (for counting and rate-limited logs). */
  readonly onRequestError?: (e: AgentRequestError) => void;
  readonly now?: () => number;
}

export type AgentRequestErrorKind = 'badCommunity' | 'badUser' | 'malformed' | 'crashed' | 'other';

export interface AgentRequestError {
  readonly kind: AgentRequestErrorKind;
  readonly message: string;
  /** `address:port` of the sender when known. */
  readonly from?: string;
}

/** SNMP group counters (SNMPv2-MIB snmp group) kept by the host. */
export interface AgentStats {
  inPkts: number;
  badVersions: number;
  badCommunityNames: number;
  badCommunityUses: number;
  asnParseErrs: number;
  silentDrops: number;
  /** SNMPv3 messages of another security model or with impossible flags. */
  invalidMsgs: number;
  /** usmStatsWrongDigests (kept here too for older readers). */
  wrongDigests: number;
  /** Requests that threw inside the agent (a bug; the packet is dropped). */
  internalErrors: number;
  /** Responses sent, by request type and error-status: index `responseSlot(type, status)`. */
  readonly responses: number[];
}

/** Request PDU types in the order of AgentStats.responses. */
export const RESPONSE_TYPES = ['get', 'getnext', 'set', 'getbulk'] as const;
/** Error-status values 0..18 (RFC 3416) per request type. */
export const RESPONSE_STATUSES = 19;

export function responseSlot(type: RequestPduType, status: number): number {
  const t = type === PDU.GET ? 0 : type === PDU.GETNEXT ? 1 : type === PDU.SET ? 2 : 3;
  return t * RESPONSE_STATUSES + (status >= 0 && status < RESPONSE_STATUSES ? status : ERR.genErr);
}

export interface AgentHost {
  readonly mib: Mib;
  readonly address: string;
  readonly port: number;
  readonly stats: AgentStats;
  readonly usmStats: UsmStats;
  /** snmpUnknownContexts: v3 requests for a context other than the default one. */
  unknownContexts(): number;
  readonly engineID: Buffer;
  readonly engineBoots: number;
  /** Largest reply this agent sends (snmpEngineMaxMessageSize). */
  readonly maxMessageSize: number;
  /** Seconds since the engine started (snmpEngineTime). */
  engineTime(): number;
  /** The SET test/commit handler (one for the whole MIB). */
  setSetHandler(h: SetHandler): void;
  /** Call after adding or removing instances (addTableRow, deleteTableRow, registerProvider). */
  invalidateIndex(): void;
  /** Serves a registered table provider with no rows from a model instead of tree nodes (virtual-table.ts). */
  addVirtualTable(name: string, rows: VirtualRows): void;
  close(): Promise<void>;
}

const MAX_UDP = 65507;

export async function startAgentHost(opts: AgentHostOptions): Promise<AgentHost> {
  const now = opts.now ?? Date.now;
  const startedAt = now();
  const engineIdentity = opts.engine ?? { engineID: newEngineId(), engineBoots: 1 };
  const engineTime = (): number => Math.floor((now() - startedAt) / 1000) % 0x80000000;
  const maxMessageSize = Math.min(MAX_UDP, Math.max(484, opts.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE));
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const stats: AgentStats = { inPkts: 0, badVersions: 0, badCommunityNames: 0, badCommunityUses: 0, asnParseErrs: 0, silentDrops: 0, invalidMsgs: 0, wrongDigests: 0, internalErrors: 0, responses: new Array<number>(RESPONSE_TYPES.length * RESPONSE_STATUSES).fill(0) };
  const usm = new UsmAgent({ engineID: engineIdentity.engineID, engineBoots: engineIdentity.engineBoots, engineTime }, opts.users ?? [], maxMessageSize);
  const mib = snmp.createMib();
  const view = new MibView(mib);
  let setHandler: SetHandler | null = null;
  const report = (e: AgentRequestError): void => opts.onRequestError?.(e);

  const ctx = {
    view,
    limits,
    get setHandler() {
      return setHandler;
    },
    onAccessDenied: (who: Principal) => {
      if (who.model === 'community') stats.badCommunityUses++;
    },
  };

  // Communities by their octets (compared byte for byte), each with its fixed principal.
  const communities = new Map<string, Principal>();
  for (const c of opts.communities) communities.set(Buffer.from(c.name, 'utf8').toString('latin1'), { name: c.name, model: 'community', access: c.access });

  const encoder = new Encoder();
  const socket = dgram.createSocket({ type: 'udp4', lookup: literalLookup(() => listening) });
  let listening = false;

  const send = (reply: Buffer | null, rinfo: RemoteInfo): void => {
    if (!reply) return;
    // No callback: it would cost a process.nextTick per reply. A reply the
    // kernel refuses is lost like any UDP datagram; the manager retries.
    socket.send(reply, rinfo.port, rinfo.address);
  };
  const from = (rinfo: RemoteInfo): string => `${rinfo.address}:${rinfo.port}`;

  const communityReply = (msg: DecodedMessage & { version: 0 | 1 }, outcome: Outcome): Buffer | null =>
    reply(encoder, msg.pdu, outcome, msg.version === 0, maxMessageSize, stats, (e) => {
      e.octets(msg.community);
      e.int(msg.version);
    });

  const v3Reply = (msg: V3Message, pdu: RequestPdu, contextName: Buffer, seal: (scoped: Buffer) => Buffer, outcome: Outcome): Buffer | null => {
    const limit = Math.min(maxMessageSize, msg.maxSize);
    // room for the v3 header, USM parameters and encryption padding
    const scoped = reply(encoder, pdu, outcome, false, limit - 160, stats, (e) => {
      e.octets(contextName);
      e.octets(engineIdentity.engineID);
    });
    return scoped ? seal(scoped) : null;
  };

  const onMessage = (packet: Buffer, rinfo: RemoteInfo): void => {
    stats.inPkts++;
    const msg = decodeMessage(packet);
    if (!msg) {
      stats.asnParseErrs++;
      report({ kind: 'malformed', message: 'not an SNMP request this agent can decode', from: from(rinfo) });
      return;
    }
    if (msg.version !== 3) {
      if (opts.v3Only) {
        stats.badVersions++;
        report({ kind: 'other', message: `SNMPv${msg.version === 0 ? 1 : '2c'} is turned off (agent.v3Only)`, from: from(rinfo) });
        return;
      }
      const who = communities.get(msg.community.toString('latin1'));
      if (!who) {
        stats.badCommunityNames++;
        report({ kind: 'badCommunity', message: 'unknown community', from: from(rinfo) });
        return;
      }
      const outcome = processPdu(ctx, msg.version === 0, who, msg.pdu);
      if (outcome instanceof Promise) void outcome.then((o) => send(communityReply(msg, o), rinfo));
      else send(communityReply(msg, outcome), rinfo);
      return;
    }
    const r = usm.process(msg);
    if (r.kind === 'drop') {
      stats.invalidMsgs++;
      report({ kind: 'malformed', message: `SNMPv3 message dropped: ${r.reason}`, from: from(rinfo) });
      return;
    }
    if (r.kind === 'report') {
      if (r.counter === 'wrongDigests') stats.wrongDigests++;
      if (r.counter === 'unknownUserNames' || r.counter === 'unsupportedSecLevels') report({ kind: 'badUser', message: `SNMPv3 request refused (${r.counter})`, from: from(rinfo) });
      if (r.counter === 'wrongDigests' || r.counter === 'decryptionErrors') {
        report({ kind: 'badUser', message: 'SNMPv3 authentication failed (wrong passphrase?)', from: from(rinfo) });
      }
      send(r.packet, rinfo);
      return;
    }
    const who: Principal = { name: r.user, model: 'usm', access: r.access };
    const outcome = processPdu(ctx, false, who, r.pdu);
    if (outcome instanceof Promise) void outcome.then((o) => send(v3Reply(msg, r.pdu, r.contextName, r.seal, o), rinfo));
    else send(v3Reply(msg, r.pdu, r.contextName, r.seal, outcome), rinfo);
  };

  socket.on('message', (packet: Buffer, rinfo: RemoteInfo) => {
    try {
      onMessage(packet, rinfo);
    } catch (e) {
      // A provider's bug must not take the agent (and the daemon) down.
      stats.internalErrors++;
      report({ kind: 'crashed', message: describeError(e), from: from(rinfo) });
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(opts.port, opts.address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    socket.close();
    throw listenError('agent.port', 'UDP', opts.address, opts.port, e);
  }
  socket.on('error', (e) => report({ kind: 'other', message: describeError(e) }));
  listening = true;
  const bound = socket.address();
  return {
    mib,
    address: bound.address,
    port: bound.port,
    stats,
    usmStats: usm.stats,
    unknownContexts: () => usm.unknownContexts,
    engineID: engineIdentity.engineID,
    engineBoots: engineIdentity.engineBoots,
    maxMessageSize,
    engineTime,
    setSetHandler: (h) => {
      setHandler = h;
    },
    invalidateIndex: () => view.index.invalidate(),
    addVirtualTable: (name, rows) => view.addVirtualTable(name, rows),
    close: () =>
      new Promise<void>((resolve) => {
        listening = false;
        socket.close(() => resolve());
      }),
  };
}

/**
 * The Response PDU for `outcome` inside the envelope `wrap` writes (community
 * and version, or context name and engine ID), at most `limit` octets: a
 * GETBULK loses trailing varbinds until it fits (RFC 3416 4.2.3), anything
 * else becomes tooBig, and a tooBig that does not fit either is dropped
 * (snmpSilentDrops).
 */
function reply(enc: Encoder, pdu: RequestPdu, outcome: Outcome, v1: boolean, limit: number, stats: AgentStats, wrap: (e: Encoder) => void): Buffer | null {
  let o = outcome;
  for (let attempt = 0; attempt < 8; attempt++) {
    const size = encodeOnce(enc, pdu, o, wrap);
    if (size < 0) {
      // a provider handed a value its type cannot carry: genErr, not a crash
      o = { kind: 'error', status: 5, index: 0, echo: true };
      continue;
    }
    if (size <= limit) {
      stats.responses[responseSlot(pdu.type, o.kind === 'values' ? 0 : o.status)]!++;
      return enc.finish();
    }
    if (o.kind === 'values' && pdu.type === PDU.GETBULK && o.varbinds.length > 1) {
      const keep = Math.max(1, Math.min(o.varbinds.length - 1, Math.floor((o.varbinds.length * limit) / size) - 1));
      o = { kind: 'values', varbinds: o.varbinds.slice(0, keep), echoOids: false };
      continue;
    }
    if (o.kind === 'error' && o.status === 1) break;
    o = tooBig(v1);
  }
  stats.silentDrops++;
  return null;
}

/** Encodes one attempt; its length, or -1 when a value could not be encoded. */
function encodeOnce(enc: Encoder, pdu: RequestPdu, o: Outcome, wrap: (e: Encoder) => void): number {
  enc.begin(128 + pdu.buffer.length + (o.kind === 'values' ? varbindsBound(o.varbinds) : 0));
  const end = enc.mark();
  if (o.kind === 'values') {
    if (!enc.varbinds(o.varbinds, o.echoOids ? pdu : undefined)) return -1;
    enc.pduHeader(PDU.RESPONSE, pdu.requestId, 0, 0, end);
  } else {
    if (o.echo) enc.echo(pdu);
    else enc.none();
    enc.pduHeader(PDU.RESPONSE, pdu.requestId, o.status, o.index, end);
  }
  wrap(enc);
  enc.wrap(0x30, end);
  return enc.length;
}

type Lookup = NonNullable<SocketOptions['lookup']>;

/**
 * dns.lookup, except that once the socket is bound an IP literal (every
 * reply's destination) is answered synchronously: dgram then sends at once
 * instead of after a process.nextTick.
 */
function literalLookup(isBound: () => boolean): Lookup {
  return ((host: string, family: number, cb: (err: Error | null, address: string, family: number) => void): void => {
    if (isBound() && isIP(host) === family) cb(null, host, family);
    else dns.lookup(host, family, cb);
  }) as unknown as Lookup;
}
