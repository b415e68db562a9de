/**
 * Typed errors with stable codes. The CLI prints `message` as one line and
 * exits non-zero; nothing user-caused should surface as a stack trace.
 */
export type PimanErrorCode =
  | 'E_CONFIG'
  | 'E_HOSTS'
  | 'E_STATE_CORRUPT'
  | 'E_STATE_IO'
  | 'E_USAGE'
  | 'E_UNKNOWN_PORT'
  | 'E_AGENT_UNREACHABLE'
  | 'E_AGENT_REFUSED'
  | 'E_SWITCH_TIMEOUT'
  | 'E_SWITCH_REFUSED'
  | 'E_SWITCH_NO_PORT'
  | 'E_SWITCH'
  | 'E_PORT_BUSY'
  | 'E_LISTEN'
  | 'E_DECODE'
  | 'E_ROOTFS'
  | 'E_STARTUP'
  | 'E_NETNS'
  | 'E_TFTP'
  | 'E_WEBHOOK';

export class PimanError extends Error {
  readonly code: PimanErrorCode;
  /** Exit status the CLI uses for this error (1 = operational, 2 = usage). */
  readonly exitCode: number;
  constructor(code: PimanErrorCode, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PimanError';
    this.code = code;
    this.exitCode = options?.exitCode ?? 1;
  }
}

export class ConfigError extends PimanError {
  /** One entry per problem: `file: key.path: what is wrong`. */
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('E_CONFIG', problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export class DecodeError extends PimanError {
  constructor(what: string, detail: string) {
    super('E_DECODE', `${what}: ${detail}`);
    this.name = 'DecodeError';
  }
}

/**
 * A server that cannot listen: every part (DHCP, TFTP, control, rootfs,
 * agent, metrics) and `piman config check --ports` say it the same way,
 * naming the config key.
 */
export function listenError(key: string, proto: 'UDP' | 'TCP', address: string, port: number, e: unknown): PimanError {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  const where = `${key}: ${proto} ${address}:${port}`;
  const why =
    code === 'EADDRINUSE'
      ? 'is in use by another program (is piman already running?)'
      : code === 'EACCES'
        ? 'needs root or CAP_NET_BIND_SERVICE (deploy/piman.service grants it)'
        : code === 'EADDRNOTAVAIL'
          ? 'cannot be bound: the address is not one of this machine'
          : `cannot be bound: ${code ?? describeError(e)}`;
  return new PimanError('E_LISTEN', `${where} ${why}`, { cause: e });
}

export function isPimanError(e: unknown): e is PimanError {
  return e instanceof PimanError;
}

/** Best short description of any thrown value, for logs and lastError. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
