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
  | 'E_DECODE'
  | 'E_ROOTFS'
  | 'E_STARTUP'
  | 'E_NOT_IMPLEMENTED'
  | 'E_NETNS'
  | 'E_TFTP'
  | 'E_SNMP'
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

export function isPimanError(e: unknown): e is PimanError {
  return e instanceof PimanError;
}

/** Best short description of any thrown value, for logs and lastError. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
