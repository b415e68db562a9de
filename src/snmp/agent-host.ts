/**
 * Runs a net-snmp Agent safely: crash-guarded sockets, communities and USM
 * users with access levels, a known bound port (port 0 works), and fixes for
 * net-snmp pitfalls on the request path:
 * - GETNEXT/GETBULK use a sorted leaf index (fast on large tables), answer
 *   endOfMibView past the last object, and GETBULK repetitions are clamped
 *   and bounded by response size (net-snmp has no cap: EMSGSIZE, no reply);
 * - the varbind types of a SET are kept for the SET's test pass, because
 *   net-snmp casts the value to the column's type and loses the request's.
 * With synchronous read handlers, plain v2c GET/GETNEXT/GETBULK packets are
 * answered before net-snmp parses them (community-codec.ts: the same bytes
 * out for a quarter of net-snmp's JavaScript time), and replies to IP
 * literals are sent without a process.nextTick.
 * Both piman's agent and the simulated switch use this.
 */
import dgram, { type RemoteInfo, type Socket, type SocketOptions } from 'node:dgram';
import dns from 'node:dns';
import { isIP } from 'node:net';
import snmp, { type Agent, type AgentCallback, type DgramModule, type Mib, type ObjectTypeCode, type VarbindValue } from 'net-snmp';
import type { UsmUserConfig } from '../config/schema.js';
import { PimanError, describeError } from '../errors.js';
import { guardSocket } from './guarded-dgram.js';
import { LeafIndex, type TreeNode } from './leaf-index.js';
import { parseOid } from './oid.js';
import { toUsmUser } from './usm.js';
import { answerRead, type FastReadContext, type ReadPdu, type ResponsePdu as ReadResponsePdu } from './fast-read.js';
import { decodeCommunityRequest, ResponseEncoder } from './community-codec.js';
import { wrongDigestReport, type LocalEngine } from './usm-report.js';

export type Access = 'ro' | 'rw';

export interface CommunityConfig {
  readonly name: string;
  readonly access: Access;
}

export interface AgentHostOptions {
  readonly address: string;
  /** 0 picks a free port; see AgentHost.port. */
  readonly port: number;
  readonly communities: readonly CommunityConfig[];
  readonly users?: readonly UsmUserConfig[];
  /** Upper bound of GETBULK max-repetitions (default 50). */
  readonly maxRepetitions?: number;
  /** Rough byte budget of one GETBULK response (default 16000, well below UDP's 65507). */
  readonly maxResponseBytes?: number;
  /**
   * Every provider handler answers reads synchronously (sets the instance's
   * value, calls done() before returning): reads then take the fast path
   * (fast-read.ts). Leave off for handlers that answer later.
   */
  readonly syncReadHandlers?: boolean;
  /**
   * With syncReadHandlers: answer plain SNMPv2c GET/GETNEXT/GETBULK packets
   * of a known community with the agent's own codec (community-codec.ts)
   * before net-snmp parses them; anything else still goes to net-snmp.
   * Default true; false is for comparing both paths in tests.
   */
  readonly communityFastPath?: boolean;
  /** A request that was refused or could not be processed (for counting and rate-limited logs). */
  readonly onRequestError?: (e: AgentRequestError) => void;
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
  badCommunityNames: number;
  badCommunityUses: number;
  asnParseErrs: number;
  /** SNMPv3 requests whose digest or encryption did not match the user's keys (usmStatsWrongDigests). */
  wrongDigests: number;
}

/** The SET whose test pass is running right now (net-snmp runs it synchronously). */
export interface SetRequestInfo {
  /** Community (v1/v2c) or user name (v3). */
  readonly securityName: string;
  readonly access: Access | null;
  /** Type each varbind carried on the wire, by varbind position. */
  readonly types: readonly (ObjectTypeCode | undefined)[];
}

export interface AgentHost {
  readonly agent: Agent;
  readonly mib: Mib;
  readonly address: string;
  readonly port: number;
  readonly stats: AgentStats;
  /** snmpEngineID of this agent (USM). */
  readonly engineID: Buffer;
  /** Valid only while a SET's test pass runs (inside a bulk set handler or provider handler). */
  currentSet(): SetRequestInfo | null;
  /** Call after adding or removing instances behind net-snmp's back. */
  invalidateIndex(): void;
  close(): Promise<void>;
}

// ---- net-snmp internals this file touches (untyped upstream) ----
interface WireVarbind {
  oid: string;
  type?: ObjectTypeCode;
  value?: VarbindValue;
  previousOid?: string;
}
interface RequestPdu {
  type: number;
  varbinds: WireVarbind[];
  nonRepeaters?: number;
  maxRepetitions?: number;
}
interface RequestMessage {
  version: number;
  community?: string;
  user?: { name: string };
  pdu: RequestPdu;
}
interface ResponsePdu {
  varbinds: WireVarbind[];
}
type Handler3 = (socket: unknown, msg: RequestMessage, rinfo: unknown) => void;
interface AgentInternals {
  mib: Mib & { root: TreeNode; getAncestorProviderFromOid(oid: string): unknown; lookupAddress(address: readonly number[]): unknown };
  getRequest: Handler3;
  engine?: { engineID?: Buffer | string; engineBoots?: number; engineTime?: number };
  request: Handler3;
  getNextRequest: Handler3;
  getBulkRequest: Handler3;
  setRequest: Handler3;
  sendResponse: (socket: unknown, rinfo: unknown, msg: RequestMessage, pdu: ResponsePdu) => void;
}

function engineOf(e: NonNullable<AgentInternals['engine']>): LocalEngine {
  const id = e.engineID;
  return { engineID: Buffer.isBuffer(id) ? id : Buffer.from(id ?? '', 'hex'), engineBoots: e.engineBoots ?? 0, engineTime: e.engineTime ?? 0 };
}

export async function startAgentHost(opts: AgentHostOptions): Promise<AgentHost> {
  const stats: AgentStats = { inPkts: 0, badCommunityNames: 0, badCommunityUses: 0, asnParseErrs: 0, wrongDigests: 0 };
  /** The packet net-snmp is handling right now (it does so synchronously), for the Report on a failed digest. */
  let current: { socket: Socket; packet: Buffer; rinfo: RemoteInfo } | null = null;
  const report = (e: AgentRequestError): void => opts.onRequestError?.(e);
  const sockets: Socket[] = [];
  /** Set once the providers can answer; true when it answered the packet itself. */
  let fastPath: ((socket: Socket, packet: Buffer, rinfo: RemoteInfo) => boolean) | null = null;
  let listening = false;
  const onCrash = (err: unknown, rinfo: RemoteInfo | undefined): void => {
    stats.asnParseErrs++;
    report({ kind: 'crashed', message: describeError(err), ...(rinfo ? { from: `${rinfo.address}:${rinfo.port}` } : {}) });
  };
  const dgramModule: DgramModule = {
    createSocket: (type) => {
      const s = dgram.createSocket({ ...(typeof type === 'string' ? { type } : type), lookup: literalLookup(() => listening) });
      guardSocket(s, onCrash);
      // net-snmp turns port 0 into 161 (`port || 161`): bind what was asked for.
      const bind = s.bind.bind(s) as (port: number, address?: string) => Socket;
      (s as unknown as { bind: (port: number, address?: string) => Socket }).bind = (_port: number, address?: string) => bind(opts.port, address);
      // One 'message' listener (net-snmp's, guarded): it counts the packet, then the
      // fast path answers it or net-snmp's own listener takes it.
      const on = s.on.bind(s) as (event: string, listener: (...a: unknown[]) => void) => Socket;
      (s as unknown as { on: typeof on }).on = (event, listener) =>
        on(
          event,
          event !== 'message'
            ? listener
            : (packet: unknown, rinfo: unknown) => {
                stats.inPkts++;
                if (fastPath && fastPath(s, packet as Buffer, rinfo as RemoteInfo)) return;
                current = { socket: s, packet: packet as Buffer, rinfo: rinfo as RemoteInfo };
                try {
                  listener(packet, rinfo);
                } finally {
                  current = null;
                }
              },
        );
      sockets.push(s);
      return s;
    },
  };

  let started = false;
  const callback: AgentCallback = (error) => {
    if (!error) return;
    const rinfo = (error as { rinfo?: { address: string; port: number } }).rinfo;
    const from = rinfo ? `${rinfo.address}:${rinfo.port}` : undefined;
    const msg = error.message;
    if (!started && 'code' in error) return; // bind errors are reported by startAgentHost itself
    if (msg.startsWith('Local community not found')) {
      stats.badCommunityNames++;
      report({ kind: 'badCommunity', message: msg, ...(from ? { from } : {}) });
    } else if (msg.startsWith('Local user')) {
      report({ kind: 'badUser', message: msg, ...(from ? { from } : {}) });
    } else if (msg.startsWith('Authentication digest') || msg.startsWith('Failed to decrypt PDU')) {
      // A wrong passphrase: answer with a Report (as snmpd does) so the manager says so at once.
      stats.wrongDigests++;
      const engine = (agent as unknown as AgentInternals).engine;
      const reply = current && engine?.engineID ? wrongDigestReport(current.packet, engineOf(engine), stats.wrongDigests) : null;
      if (reply && current) current.socket.send(reply, current.rinfo.port, current.rinfo.address);
      report({ kind: 'badUser', message: 'SNMPv3 authentication failed (wrong passphrase?)', ...(from ? { from } : {}) });
    } else if (error instanceof snmp.ProcessingError || msg.startsWith('Failure to process')) {
      stats.asnParseErrs++;
      report({ kind: 'malformed', message: describeError((error as { error?: unknown }).error ?? error), ...(from ? { from } : {}) });
    } else {
      report({ kind: 'other', message: msg, ...(from ? { from } : {}) });
    }
  };

  const agent = snmp.createAgent(
    {
      address: opts.address,
      port: opts.port,
      transport: 'udp4',
      accessControlModelType: snmp.AccessControlModelType.Simple,
      dgramModule,
    },
    callback,
  );
  const socket = sockets[0];
  if (!socket) throw new PimanError('E_SNMP', 'net-snmp did not open a socket');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('listening', () => resolve());
      socket.once('error', reject);
    });
  } catch (e) {
    agent.close();
    throw new PimanError('E_SNMP', `cannot listen for SNMP on ${opts.address}:${opts.port}: ${describeError(e)}; pick another agent.address/agent.port or stop what uses it`, { cause: e });
  }
  started = true;
  listening = true;

  const access = configureAccess(agent, opts);
  const internals = agent as unknown as AgentInternals;
  const index = new LeafIndex(() => internals.mib.root);
  watchMib(internals.mib, index);
  fastRowCells(internals.mib);
  let currentSet: SetRequestInfo | null = null;
  installRequestPatches(internals, index, opts, (msg) => {
    const securityName = msg.version === snmp.Version3 ? (msg.user?.name ?? '') : (msg.community ?? '');
    return {
      securityName,
      access: access.get(`${msg.version === snmp.Version3 ? 'u' : 'c'}:${securityName}`) ?? null,
      types: msg.pdu.varbinds.map((v) => v.type),
    };
  }, (info) => {
    currentSet = info;
  });
  if (opts.syncReadHandlers) {
    const ctx = installFastReads(internals, index, opts);
    if (opts.communityFastPath !== false) {
      fastPath = communityFastPath(ctx, opts.communities);
    }
  }

  const bound = socket.address();
  const rawId = internals.engine?.engineID;
  const engineID = Buffer.isBuffer(rawId) ? rawId : Buffer.from(typeof rawId === 'string' ? rawId : '', 'hex');
  return {
    engineID,
    agent,
    mib: agent.getMib(),
    address: bound.address,
    port: bound.port,
    stats,
    currentSet: () => currentSet,
    invalidateIndex: () => index.invalidate(),
    close: () =>
      new Promise<void>((resolve) => {
        let left = sockets.length;
        if (left === 0) resolve();
        for (const s of sockets) s.once('close', () => (--left === 0 ? resolve() : undefined));
        agent.close();
      }),
  };
}

function configureAccess(agent: Agent, opts: AgentHostOptions): Map<string, Access> {
  const auth = agent.getAuthorizer();
  const acm = auth.getAccessControlModel();
  const level = (a: Access): 1 | 2 => (a === 'rw' ? snmp.AccessLevel.ReadWrite : snmp.AccessLevel.ReadOnly);
  const access = new Map<string, Access>();
  for (const c of opts.communities) {
    auth.addCommunity(c.name);
    acm.setCommunityAccess(c.name, level(c.access));
    access.set(`c:${c.name}`, c.access);
  }
  for (const u of opts.users ?? []) {
    auth.addUser(toUsmUser(u));
    acm.setUserAccess(u.name, level(u.access));
    access.set(`u:${u.name}`, u.access);
  }
  return access;
}

interface MibTableInternals {
  providers: Record<string, unknown>;
  getProviderNodeForTable(table: string): { address: number[]; children: Record<string, unknown> } | null;
  getTableRowInstanceFromRowIndex(provider: unknown, rowIndex: unknown): (number | string)[];
  lookupAddress(address: (number | string)[]): { value?: unknown; children: Record<string, unknown> } | null;
}

/**
 * net-snmp calls getTableRowCells twice for every table varbind it answers
 * (for its callback data), and its version enumerates the keys of every node
 * on the way down: with 1,000 rows that dominated each request. This one
 * looks the row's cells up directly; same result.
 */
function fastRowCells(mib: Mib): void {
  const m = mib as unknown as MibTableInternals & { getTableRowCells: (table: string, rowIndex: unknown) => unknown[] | null };
  m.getTableRowCells = function (table, rowIndex) {
    const provider = m.providers[table];
    const node = m.getProviderNodeForTable(table);
    if (!provider || !node) return null;
    const instance = m.getTableRowInstanceFromRowIndex(provider, rowIndex);
    const row: unknown[] = [];
    let found = false;
    for (const column of Object.keys(node.children)) {
      const cell = m.lookupAddress([...node.address, Number(column), ...instance]);
      if (cell && Object.keys(cell.children).length === 0 && cell.value !== undefined && cell.value !== null) {
        row.push(cell.value);
        found = true;
      } else {
        row.push(null);
      }
    }
    return found ? row : null;
  };
}

/** Any change of the tree's shape goes through these Mib methods. */
function watchMib(mib: Mib, index: LeafIndex): void {
  const m = mib as unknown as Record<string, unknown>;
  for (const name of ['registerProvider', 'unregisterProvider', 'addTableRow', 'deleteTableRow', 'setScalarValue', 'setTableSingleCell']) {
    const original = m[name];
    if (typeof original !== 'function') continue;
    m[name] = function (this: unknown, ...args: unknown[]): unknown {
      index.invalidate();
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
}

function installRequestPatches(
  a: AgentInternals,
  index: LeafIndex,
  opts: AgentHostOptions,
  describeSet: (msg: RequestMessage) => SetRequestInfo,
  setCurrent: (info: SetRequestInfo | null) => void,
): void {
  const maxRep = Math.max(1, opts.maxRepetitions ?? 50);
  const budget = Math.max(1000, opts.maxResponseBytes ?? 16000);
  /** Varbind positions answered endOfMibView, per request. */
  const endOfMib = new WeakMap<RequestMessage, Map<number, string>>();

  const next = (start: string, out: WireVarbind[], ends: Map<number, string>): TreeNode | null => {
    const node = index.next(parseOid(start) ?? []);
    if (!node) {
      ends.set(out.length, start);
      out.push({ previousOid: start, oid: start, type: snmp.ObjectType.EndOfMibView, value: null });
      return null;
    }
    out.push({ previousOid: start, oid: node.address.join('.') });
    return node;
  };

  a.getNextRequest = function (socket, msg, rinfo) {
    const out: WireVarbind[] = [];
    const ends = new Map<number, string>();
    for (const vb of msg.pdu.varbinds) next(vb.oid, out, ends);
    msg.pdu.varbinds = out;
    if (ends.size) endOfMib.set(msg, ends);
    a.request(socket, msg, rinfo);
  };

  a.getBulkRequest = function (socket, msg, rinfo) {
    const vbs = msg.pdu.varbinds;
    const n = Math.min(Math.max(0, msg.pdu.nonRepeaters ?? 0), vbs.length);
    const reps = Math.min(Math.max(0, msg.pdu.maxRepetitions ?? 0), maxRep);
    const out: WireVarbind[] = [];
    const ends = new Map<number, string>();
    let bytes = 0;
    const account = (node: TreeNode | null, oid: string): void => {
      bytes += oid.length + 16 + valueSize(node?.value);
    };
    for (let i = 0; i < n; i++) account(next(vbs[i]!.oid, out, ends), vbs[i]!.oid);
    const cursors = vbs.slice(n).map((v) => v.oid);
    const done = cursors.map(() => false);
    for (let r = 0; r < reps && cursors.length > 0 && bytes < budget; r++) {
      for (let j = 0; j < cursors.length; j++) {
        const node = next(cursors[j]!, out, ends);
        account(node, cursors[j]!);
        if (node) cursors[j] = node.address.join('.');
        else done[j] = true;
      }
      if (done.every(Boolean)) break;
    }
    msg.pdu.varbinds = out;
    if (ends.size) endOfMib.set(msg, ends);
    a.request(socket, msg, rinfo);
  };

  // net-snmp never answers a request without varbinds (it waits for the last one): answer it empty.
  const originalRequest = a.request.bind(a);
  a.request = function (socket, msg, rinfo) {
    if (msg.pdu.varbinds.length > 0) return originalRequest(socket, msg, rinfo);
    a.sendResponse(socket, rinfo, msg, (msg.pdu as unknown as { getResponsePduForRequest(): ResponsePdu }).getResponsePduForRequest());
  };

  const originalSet = a.setRequest.bind(a);
  a.setRequest = function (socket, msg, rinfo) {
    // net-snmp runs the test pass synchronously inside setRequest.
    setCurrent(describeSet(msg));
    try {
      originalSet(socket, msg, rinfo);
    } finally {
      setCurrent(null);
    }
  };

  const originalSend = a.sendResponse.bind(a);
  a.sendResponse = function (socket, rinfo, msg, pdu) {
    const ends = endOfMib.get(msg);
    if (ends) {
      for (const [i, oid] of ends) pdu.varbinds[i] = { oid, type: snmp.ObjectType.EndOfMibView, value: null };
    }
    originalSend(socket, rinfo, msg, pdu);
  };
}

function installFastReads(a: AgentInternals, index: LeafIndex, opts: AgentHostOptions): FastReadContext {
  const ctx: FastReadContext = {
    index,
    lookup: (oid) => a.mib.lookup(oid) as ReturnType<FastReadContext['lookup']>,
    lookupAddress: (address) => a.mib.lookupAddress(address) as ReturnType<FastReadContext['lookupAddress']>,
    hasAncestorProvider: (oid) => a.mib.getAncestorProviderFromOid(oid) !== null,
    maxRepetitions: Math.max(1, opts.maxRepetitions ?? 50),
    maxResponseBytes: Math.max(1000, opts.maxResponseBytes ?? 16000),
  };
  for (const name of ['getRequest', 'getNextRequest', 'getBulkRequest'] as const) {
    const slow = a[name].bind(a);
    a[name] = function (socket, msg, rinfo) {
      // Proxied (context) requests keep net-snmp's path.
      if ((msg.pdu as { contextName?: string }).contextName) return slow(socket, msg, rinfo);
      const resp = answerRead(ctx, msg.pdu as unknown as ReadPdu);
      a.sendResponse(socket, rinfo, msg, resp);
    };
  }
  return ctx;
}

/**
 * The packet handler in front of net-snmp: a v2c GET/GETNEXT/GETBULK whose
 * community is configured (any configured community may read) is decoded,
 * answered by the same answerRead as above and encoded by the agent's
 * codec, byte for byte what net-snmp would send. Everything else (v1, v3,
 * SET, unknown community, odd encodings, values the codec does not write)
 * returns false and net-snmp handles it, errors and counters included.
 */
function communityFastPath(
  ctx: FastReadContext,
  communities: readonly CommunityConfig[],
): (socket: Socket, packet: Buffer, rinfo: RemoteInfo) => boolean {
  // Only communities whose UTF-8 octets decode back to themselves: net-snmp compares decoded strings.
  const known = communities.map((c) => Buffer.from(c.name, 'utf8')).filter((b, i) => b.toString('utf8') === communities[i]!.name);
  const encoder = new ResponseEncoder();
  // No named closures per packet: tsx (esbuild keepNames) wraps a function assigned to a property or const in a defineProperty call each time it is created.
  const isKnown = (community: Buffer): boolean => {
    for (const k of known) if (k.equals(community)) return true;
    return false;
  };
  return (socket, packet, rinfo) => {
    const req = decodeCommunityRequest(packet);
    if (!req || !isKnown(req.community)) return false;
    const pdu: ReadPdu = {
      type: req.pduType,
      varbinds: req.varbinds,
      nonRepeaters: req.nonRepeaters,
      maxRepetitions: req.maxRepetitions,
      getResponsePduForRequest: emptyResponse,
    };
    const resp = answerRead(ctx, pdu);
    const out = encoder.encode(req, resp.varbinds, resp.errorStatus ?? 0, resp.errorIndex ?? 0);
    if (!out) return false;
    // No callback: it would cost a process.nextTick per reply. A reply the
    // kernel refuses is lost like any UDP datagram; the manager retries.
    socket.send(out, rinfo.port, rinfo.address);
    return true;
  };
}

type Lookup = NonNullable<SocketOptions['lookup']>;

/**
 * dns.lookup, except that once the socket is bound an IP literal (every
 * reply's destination) is answered synchronously: dgram then sends at once
 * instead of after a process.nextTick. Binding keeps the asynchronous answer:
 * net-snmp listens for 'listening' only after bind() returned.
 */
function literalLookup(isBound: () => boolean): Lookup {
  return ((host: string, family: number, cb: (err: Error | null, address: string, family: number) => void): void => {
    if (isBound() && isIP(host) === family) cb(null, host, family);
    else dns.lookup(host, family, cb);
  }) as unknown as Lookup;
}

function emptyResponse(): ReadResponsePdu {
  return { varbinds: [] };
}

function valueSize(v: unknown): number {
  if (typeof v === 'string' || Buffer.isBuffer(v)) return v.length;
  return 8;
}
