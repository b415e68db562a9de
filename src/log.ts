/**
 * Logging: JSON lines when stdout is not a TTY (journald, files, pipes),
 * readable one-liners when it is. Level: PIMAN_LOG_LEVEL, else config.
 *
 * Under systemd (JOURNAL_STREAM set, stdout no terminal) every line starts
 * with its syslog priority, `<6>{"level":30,...}`: journald strips the prefix
 * and files the line at that priority, so `journalctl -p warning` works.
 * Every error record carries a `code` (the E_... of the error, E_INTERNAL
 * when the caller gave none).
 */
import { pino, type Logger as PinoLogger, type DestinationStream, type Level } from 'pino';
import { PimanError } from './errors.js';

export type Logger = PinoLogger;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

function envLevel(): LogLevel | undefined {
  const v = process.env.PIMAN_LOG_LEVEL;
  return v && (LOG_LEVELS as readonly string[]).includes(v) ? (v as LogLevel) : undefined;
}

/** The level to run at for a configured one: PIMAN_LOG_LEVEL wins. */
export function levelFor(configured: LogLevel | undefined): LogLevel {
  return envLevel() ?? configured ?? 'info';
}

/** A compact human-readable line for terminals, without an extra dependency. */
function prettyStream(out: NodeJS.WritableStream): DestinationStream {
  const names: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
  return {
    write(line: string): void {
      try {
        const { level, time, msg, pid: _p, hostname: _h, ...rest } = JSON.parse(line) as Record<string, unknown>;
        const t = new Date(Number(time)).toISOString().slice(11, 23);
        const extra = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
        out.write(`${t} ${(names[Number(level)] ?? String(level)).padEnd(5)} ${String(msg ?? '')}${extra}\n`);
      } catch {
        out.write(line);
      }
    },
  };
}

/** syslog priorities (debug 7, info 6, warning 4, err 3, crit 2) of pino's levels. */
const PRIORITY: ReadonlyArray<[Level, number]> = [
  ['trace', 7],
  ['debug', 7],
  ['info', 6],
  ['warn', 4],
  ['error', 3],
  ['fatal', 2],
];

/** One stream per level, each writing its `<N>` prefix; dedupe sends a record only to its own level's stream. */
function journalStream(dest: DestinationStream): DestinationStream {
  return pino.multistream(
    PRIORITY.map(([level, n]) => ({ level, stream: { write: (line: string) => void dest.write(`<${n}>${line}`) } })),
    { dedupe: true },
  );
}

/** Adds `code` to error and fatal records that lack one. */
function withCode(args: unknown[]): unknown[] {
  const [first, ...rest] = args;
  if (first instanceof Error) {
    return [{ err: first, code: first instanceof PimanError ? first.code : 'E_INTERNAL' }, ...(rest.length ? rest : [first.message])];
  }
  if (typeof first === 'object' && first !== null) {
    const o = first as Record<string, unknown>;
    if (typeof o.code === 'string') return args;
    return [{ ...o, code: o.err instanceof PimanError ? o.err.code : 'E_INTERNAL' }, ...rest];
  }
  return [{ code: 'E_INTERNAL' }, ...args];
}

export interface LoggerOptions {
  level?: LogLevel;
  pretty?: boolean;
  /** Syslog `<N>` prefixes for journald; default: JOURNAL_STREAM is set and the output is not pretty. */
  journal?: boolean;
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = levelFor(opts.level);
  const pretty = opts.pretty ?? Boolean(process.stdout.isTTY);
  const journal = opts.journal ?? (!pretty && Boolean(process.env.JOURNAL_STREAM));
  const base = opts.destination ?? (pretty ? prettyStream(process.stdout) : pino.destination({ dest: 1, sync: false }));
  const dest = journal ? journalStream(base) : base;
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.epochTime,
      hooks: {
        logMethod(args, method, num) {
          // 50 = error, 60 = fatal
          const out = num >= 50 ? withCode(args) : args;
          return method.apply(this, out as Parameters<typeof method>);
        },
      },
    },
    dest,
  );
}

/** For tests and library use: drops everything. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
