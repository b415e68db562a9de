/**
 * Logging: JSON lines when stdout is not a TTY (journald, files, pipes),
 * readable one-liners when it is. Level: PIMAN_LOG_LEVEL, else config.
 */
import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';

export type Logger = PinoLogger;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

function envLevel(): LogLevel | undefined {
  const v = process.env.PIMAN_LOG_LEVEL;
  return v && (LOG_LEVELS as readonly string[]).includes(v) ? (v as LogLevel) : undefined;
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

/** The level to run at for a configured one: PIMAN_LOG_LEVEL wins. */
export function levelFor(configured: LogLevel | undefined): LogLevel {
  return envLevel() ?? configured ?? 'info';
}

export function createLogger(opts: { level?: LogLevel; pretty?: boolean; destination?: DestinationStream } = {}): Logger {
  const level = levelFor(opts.level);
  const pretty = opts.pretty ?? Boolean(process.stdout.isTTY);
  const dest = opts.destination ?? (pretty ? prettyStream(process.stdout) : pino.destination({ dest: 1, sync: false }));
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.epochTime }, dest);
}

/** For tests and library use: drops everything. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
