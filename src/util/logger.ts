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

/**
 * Writes out the log lines pino still holds (its stdout stream writes asynchronously, and lines
 * queued behind a write in flight wait for the event loop), so a line logged right before the
 * thread blocks on a long synchronous task is out while it runs, not after. A chunk still in
 * flight may then land after the lines written here; each line carries its time. Best effort.
 */
export function flushLogsSync(logger: Logger): void {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as { flushSync?: () => void } | undefined;
  try {
    stream?.flushSync?.();
  } catch {
    // Not ready yet (no fd) or destroyed: the line goes out with the next write.
  }
}
