import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Human-readable output; defaults to "stdout is a TTY". */
  pretty?: boolean;
}

/** Root logger; every subsystem takes `root.child({ component })`. JSON unless a person is watching. */
export function createLogger(options: LoggerOptions): Logger {
  const pretty = options.pretty ?? Boolean(process.stdout.isTTY);
  if (!pretty) return pino({ level: options.level, base: { pid: process.pid } });
  return pino({
    level: options.level,
    transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
  });
}

/** A logger that drops everything: for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
