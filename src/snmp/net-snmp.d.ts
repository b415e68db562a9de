/**
 * Typings for the parts of the untyped `net-snmp` package (3.29.x) piman uses:
 * the client Session (switch client, CLI, tests), the Agent/Mib side (piman's
 * agent, the simulated switch) and the trap Receiver. Only what is used is
 * declared; values are narrowed so no `any` leaks into piman's modules.
 * Owner: agent helper (src/snmp). Extend here rather than declaring the
 * module a second time elsewhere.
 */
declare module 'net-snmp' {
  import type { Socket, SocketType } from 'node:dgram';

  // ---- constants (net-snmp exposes both name -> number and number -> name) ----
  export const Version1: 0;
  export const Version2c: 1;
  export const Version3: 3;

  export const ObjectType: {
    readonly Boolean: 1;
    readonly Integer: 2;
    readonly Integer32: 2;
    readonly BitString: 3;
    readonly OctetString: 4;
    readonly Null: 5;
    readonly OID: 6;
    readonly IpAddress: 64;
    readonly Counter: 65;
    readonly Counter32: 65;
    readonly Gauge: 66;
    readonly Gauge32: 66;
    readonly Unsigned32: 66;
    readonly TimeTicks: 67;
    readonly Opaque: 68;
    readonly Counter64: 70;
    readonly NoSuchObject: 128;
    readonly NoSuchInstance: 129;
    readonly EndOfMibView: 130;
    readonly [code: number]: string;
  };
  export type ObjectTypeCode = 1 | 2 | 3 | 4 | 5 | 6 | 64 | 65 | 66 | 67 | 68 | 70 | 128 | 129 | 130;

  export const ErrorStatus: {
    readonly NoError: 0;
    readonly TooBig: 1;
    readonly NoSuchName: 2;
    readonly BadValue: 3;
    readonly ReadOnly: 4;
    readonly GeneralError: 5;
    readonly NoAccess: 6;
    readonly WrongType: 7;
    readonly WrongLength: 8;
    readonly WrongEncoding: 9;
    readonly WrongValue: 10;
    readonly NoCreation: 11;
    readonly InconsistentValue: 12;
    readonly ResourceUnavailable: 13;
    readonly CommitFailed: 14;
    readonly UndoFailed: 15;
    readonly AuthorizationError: 16;
    readonly NotWritable: 17;
    readonly InconsistentName: 18;
    readonly [code: number]: string;
  };
  export type ErrorStatusCode = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16 | 17 | 18;

  export const PduType: {
    readonly GetRequest: 160;
    readonly GetNextRequest: 161;
    readonly GetResponse: 162;
    readonly SetRequest: 163;
    readonly Trap: 164;
    readonly GetBulkRequest: 165;
    readonly InformRequest: 166;
    readonly TrapV2: 167;
    readonly Report: 168;
    readonly [code: number]: string;
  };

  export const MibProviderType: { readonly Scalar: 1; readonly Table: 2 };
  export const MaxAccess: {
    readonly 'not-accessible': 0;
    readonly 'accessible-for-notify': 1;
    readonly 'read-only': 2;
    readonly 'read-write': 3;
    readonly 'read-create': 4;
  };
  export const AccessLevel: { readonly None: 0; readonly ReadOnly: 1; readonly ReadWrite: 2 };
  export const AccessControlModelType: { readonly None: 0; readonly Simple: 1 };
  export const SecurityLevel: { readonly noAuthNoPriv: 1; readonly authNoPriv: 2; readonly authPriv: 3 };
  export const AuthProtocols: {
    readonly none: 1;
    readonly md5: 2;
    readonly sha: 3;
    readonly sha224: 4;
    readonly sha256: 5;
    readonly sha384: 6;
    readonly sha512: 7;
  };
  export const PrivProtocols: { readonly none: 1; readonly des: 2; readonly aes: 4; readonly aes256b: 6; readonly aes256r: 8 };
  export const TrapType: { readonly ColdStart: 0; readonly WarmStart: 1; readonly LinkDown: 2; readonly LinkUp: 3 };

  // ---- values ----
  /** Outgoing: string/number; incoming OctetString: Buffer; Counter64: Buffer or bigint. */
  export type VarbindValue = string | number | bigint | boolean | Buffer | null;

  export interface Varbind {
    oid: string;
    type?: ObjectTypeCode;
    value?: VarbindValue;
  }

  export function isVarbindError(vb: Varbind): boolean;
  export function varbindError(vb: Varbind): string;

  // ---- errors ----
  export class RequestFailedError extends Error {
    status?: number;
  }
  export class RequestTimedOutError extends Error {}
  export class RequestInvalidError extends Error {}
  export class ResponseInvalidError extends Error {
    code?: number;
  }
  export class ProcessingError extends Error {
    rinfo?: RemoteInfo;
    buffer?: Buffer;
    error?: unknown;
  }

  export interface RemoteInfo {
    address: string;
    family: string;
    port: number;
    size: number;
  }

  /** What `dgramModule` must provide (node:dgram or a guarded wrapper). */
  export interface DgramModule {
    createSocket(type: SocketType | { type: SocketType; reuseAddr?: boolean }): Socket;
  }

  // ---- client side ----
  export interface SessionOptions {
    port?: number;
    retries?: number;
    timeout?: number;
    backoff?: number;
    transport?: 'udp4' | 'udp6';
    trapPort?: number;
    version?: 0 | 1 | 3;
    backwardsGetNexts?: boolean;
    reportOidMismatchErrors?: boolean;
    idBitsSize?: 16 | 32;
    sourceAddress?: string;
    sourcePort?: number;
    dgramModule?: DgramModule;
    context?: string;
    engineID?: string;
  }

  export interface UsmUser {
    name: string;
    level: 1 | 2 | 3;
    authProtocol?: 1 | 2 | 3 | 4 | 5 | 6 | 7;
    authKey?: string;
    privProtocol?: 1 | 2 | 4 | 6 | 8;
    privKey?: string;
  }

  export type ResponseCallback = (error: Error | null, varbinds?: Varbind[]) => void;
  /** Return true to stop the walk. */
  export type FeedCallback = (varbinds: Varbind[]) => boolean | void;
  export type DoneCallback = (error: Error | null) => void;

  export interface Session {
    get(oids: string[], cb: ResponseCallback): void;
    getNext(oids: string[], cb: ResponseCallback): void;
    getBulk(oids: string[], nonRepeaters: number, maxRepetitions: number, cb: ResponseCallback): void;
    set(varbinds: Varbind[], cb: ResponseCallback): void;
    walk(oid: string, maxRepetitions: number, feed: FeedCallback, done: DoneCallback): void;
    subtree(oid: string, maxRepetitions: number, feed: FeedCallback, done: DoneCallback): void;
    trap(typeOrOid: number | string, varbinds: Varbind[], cb: (error: Error | null) => void): void;
    /** `upTime` (centiseconds) becomes sysUpTime.0 of a v2c/v3 trap. */
    trap(
      typeOrOid: number | string,
      varbinds: Varbind[],
      options: { upTime?: number; agentAddr?: string },
      cb: (error: Error | null) => void,
    ): void;
    inform(typeOrOid: number | string, varbinds: Varbind[], cb: ResponseCallback): void;
    /** `upTime` as for trap(); retried per the session's timeout and retries until acknowledged. */
    inform(typeOrOid: number | string, varbinds: Varbind[], options: { upTime?: number }, cb: ResponseCallback): void;
    close(): void;
    on(event: 'error', listener: (err: Error) => void): this;
    on(event: 'close', listener: () => void): this;
  }

  export function createSession(target: string, community: string, options?: SessionOptions): Session;
  export function createV3Session(target: string, user: UsmUser, options?: SessionOptions): Session;

  // ---- agent side ----
  export interface MibTableColumn {
    number: number;
    name: string;
    type: ObjectTypeCode;
    maxAccess: 0 | 1 | 2 | 3 | 4;
    constraints?: MibConstraints;
    defVal?: VarbindValue;
    rowStatus?: boolean;
  }

  export interface MibConstraints {
    enumeration?: Record<string, string>;
    ranges?: { min?: number; max?: number }[];
    sizes?: { min?: number; max?: number }[];
  }

  export interface MibTableIndexEntry {
    columnName?: string;
    columnNumber?: number;
    foreign?: string;
    implied?: boolean;
  }

  export interface MibInstanceNode {
    oid: string;
    address: number[];
    value: VarbindValue | undefined;
    valueType: ObjectTypeCode;
    getTableColumnFromInstanceNode(): number;
    getNextInstanceNode(): MibInstanceNode | null;
  }

  export interface MibProviderNode {
    provider: MibProviderDefinition;
    address: number[];
    oid: string;
  }

  /** The argument of a provider handler: done() answers it (error or success). */
  export interface MibRequest {
    operation: number;
    oid: string;
    providerNode?: MibProviderNode;
    instanceNode?: MibInstanceNode;
    /** Present on SETs: the cast request type and value. */
    setType?: ObjectTypeCode;
    setValue?: VarbindValue;
    /** True during the validating pass of a SET. */
    testSet?: boolean;
    /** True during the acting pass of a SET. */
    commitSet?: boolean;
    error?: { errorStatus: ErrorStatusCode };
    done(error?: { errorStatus: ErrorStatusCode; type?: ObjectTypeCode; value?: VarbindValue }): void;
  }

  export type MibHandler = (req: MibRequest) => void;

  export interface MibProviderDefinition {
    name: string;
    type: 1 | 2;
    oid: string;
    scalarType?: ObjectTypeCode;
    maxAccess?: 0 | 1 | 2 | 3 | 4;
    defVal?: VarbindValue;
    constraints?: MibConstraints;
    tableColumns?: MibTableColumn[];
    tableIndex?: MibTableIndexEntry[];
    handler?: MibHandler;
  }

  export interface Mib {
    registerProvider(p: MibProviderDefinition): void;
    getProvider(name: string): MibProviderDefinition | undefined;
    setScalarValue(name: string, value: VarbindValue): boolean;
    getScalarValue(name: string): VarbindValue | undefined;
    addTableRow(table: string, row: VarbindValue[]): void;
    getTableSingleCell(table: string, column: number, rowIndex: (number | string)[]): VarbindValue | undefined;
    setTableSingleCell(table: string, column: number, rowIndex: (number | string)[], value: VarbindValue): boolean;
    deleteTableRow(table: string, rowIndex: (number | string)[]): boolean;
    lookup(oid: string): MibInstanceNode | null;
    getTreeNode(oid: string): MibInstanceNode;
  }

  export interface AccessControlModel {
    setCommunityAccess(community: string, level: 0 | 1 | 2): void;
    setUserAccess(userName: string, level: 0 | 1 | 2): void;
  }

  export interface Authorizer {
    addCommunity(community: string): void;
    addUser(user: UsmUser): void;
    getAccessControlModel(): AccessControlModel;
  }

  export interface AgentOptions {
    port?: number;
    address?: string | null;
    transport?: 'udp4' | 'udp6';
    disableAuthorization?: boolean;
    accessControlModelType?: 0 | 1;
    engineID?: string;
    dgramModule?: DgramModule;
    mibOptions?: { addScalarDefaultsOnRegistration?: boolean };
  }

  /** Agent callback: errors of single requests (bad community, parse failures) and served responses. */
  export type AgentCallback = (error: Error | null, data?: unknown) => void;

  export type BulkSetHandler = (requests: MibRequest[], mib: Mib, testSet: boolean) => ErrorStatusCode | undefined;

  export interface Agent {
    getMib(): Mib;
    getAuthorizer(): Authorizer;
    registerProvider(p: MibProviderDefinition): void;
    setBulkSetHandler(cb: BulkSetHandler): void;
    close(cb?: () => void): void;
  }

  export function createAgent(options: AgentOptions, callback?: AgentCallback, mib?: Mib | null): Agent;
  export function createMib(options?: { addScalarDefaultsOnRegistration?: boolean }): Mib;

  // ---- trap receiver ----
  export interface ReceiverOptions {
    port?: number;
    address?: string | null;
    transport?: 'udp4' | 'udp6';
    disableAuthorization?: boolean;
    includeAuthentication?: boolean;
    engineID?: string;
    dgramModule?: DgramModule;
  }
  export interface ReceivedNotification {
    pdu: { type: number; varbinds: Varbind[] };
    rinfo: RemoteInfo;
  }
  export interface Receiver {
    getAuthorizer(): Authorizer;
    close(cb?: () => void): void;
  }
  export function createReceiver(
    options: ReceiverOptions,
    callback: (error: Error | null, notification?: ReceivedNotification) => void,
  ): Receiver;

  /** RFC 3414 USM authentication (public: `snmp.Authentication`). */
  export interface UsmEngine {
    engineID: Buffer;
    engineBoots: number;
    engineTime: number;
  }
  export const Authentication: {
    algorithms: Record<number, { KEY_LENGTH: number; AUTHENTICATION_CODE_LENGTH: number; CRYPTO_ALGORITHM: string }>;
    passwordToKey(authProtocol: number, password: string, engineID: Buffer): Buffer;
    getParametersLength(authProtocol: number): number;
    /** Writes the digest of `message` into `digestInMessage` (a view into message, zeroed). */
    writeParameters(message: Buffer, authProtocol: number, password: string, engineID: Buffer, digestInMessage: Buffer): void;
    /** Zeroes `digestInMessage` (a view into message) while computing, then restores it. */
    isAuthentic(message: Buffer, authProtocol: number, password: string, engineID: Buffer, digestInMessage: Buffer): boolean;
  };
  /** RFC 3414 / 3826 USM privacy (public: `snmp.Encryption`). */
  export const Encryption: {
    encryptPdu(privProtocol: number, scopedPdu: Buffer, privPassword: string, authProtocol: number, engine: UsmEngine): { encryptedPdu: Buffer; msgPrivacyParameters: Buffer };
    decryptPdu(privProtocol: number, encryptedPdu: Buffer, privParameters: Buffer, privPassword: string, authProtocol: number, engine: UsmEngine): Buffer;
  };

  const netSnmp: {
    Authentication: typeof Authentication;
    Encryption: typeof Encryption;
    Version1: typeof Version1;
    Version2c: typeof Version2c;
    Version3: typeof Version3;
    ObjectType: typeof ObjectType;
    ErrorStatus: typeof ErrorStatus;
    PduType: typeof PduType;
    MibProviderType: typeof MibProviderType;
    MaxAccess: typeof MaxAccess;
    AccessLevel: typeof AccessLevel;
    AccessControlModelType: typeof AccessControlModelType;
    SecurityLevel: typeof SecurityLevel;
    AuthProtocols: typeof AuthProtocols;
    PrivProtocols: typeof PrivProtocols;
    TrapType: typeof TrapType;
    isVarbindError: typeof isVarbindError;
    varbindError: typeof varbindError;
    RequestFailedError: typeof RequestFailedError;
    RequestTimedOutError: typeof RequestTimedOutError;
    RequestInvalidError: typeof RequestInvalidError;
    ResponseInvalidError: typeof ResponseInvalidError;
    ProcessingError: typeof ProcessingError;
    createSession: typeof createSession;
    createV3Session: typeof createV3Session;
    createAgent: typeof createAgent;
    createMib: typeof createMib;
    createReceiver: typeof createReceiver;
  };
  export default netSnmp;
}
