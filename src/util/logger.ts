import { pino, type Logger, type LevelWithSilent } from 'pino';
import { createRequire } from 'node:module';
import type PinoPretty from 'pino-pretty';
import { KadchainError } from './errors.js';
import { printableLine } from './printable.js';

export type { Logger };

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Where JSON lines go: a file path (tests) or a file descriptor; default stdout. */
  dest?: string | number;
  /** Human-readable output, one line per event; defaults to "stdout is a TTY". */
  pretty?: boolean;
  /** Colours in pretty output; defaults to "stdout is a TTY". */
  colorize?: boolean;
}

type Destination = ReturnType<typeof pino.destination>;
/** The streams createLogger made (one per process in practice): what flushLogsSync writes out. */
const destinations = new Set<Destination>();
/** Set only inside flushLogsSync's synchronous flush: an EAGAIN then gives up instead of spinning. */
let flushing = false;

/** Root logger; every subsystem takes `root.child({ component })`. JSON unless a person is watching. */
export function createLogger(options: LoggerOptions): Logger {
  const pretty = options.pretty ?? Boolean(process.stdout.isTTY);
  if (!pretty) {
    // What pino() would build for stdout, plus: an EAGAIN during flushLogsSync is not retried.
    const destination = pino.destination({ dest: options.dest ?? process.stdout.fd, sync: false, retryEAGAIN: () => !flushing });
    destinations.add(destination);
    destination.on('close', () => destinations.delete(destination));
    return pino({ level: options.level, base: { pid: process.pid } }, destination);
  }
  // In this thread and synchronous (no transport worker): a line logged right before an exit is out, in order.
  // Loaded only for a person at a terminal: a service or test logging JSON does not pay for it.
  const pinoPretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  const stream = pinoPretty({
    destination: options.dest ?? process.stdout.fd,
    sync: true,
    colorize: options.colorize ?? Boolean(process.stdout.isTTY),
    singleLine: true,
    translateTime: PRETTY_TIME_FORMAT,
    ignore: 'pid,hostname,component',
    messageFormat: prettyMessage,
    // `err` is a field like any other: on the line, not a multi-line block.
    errorLikeObjectKeys: [],
  });
  // pino-pretty prints pino's errorKey ('err' by default) as a block whatever errorLikeObjectKeys says:
  // our code logs errors under `err` in an object, never as the first argument, so the key is moved.
  return pino({ level: options.level, base: undefined, errorKey: PRETTY_ERROR_KEY, serializers: { err: oneLineError } }, stream);
}

/**
 * An error as a person reads it on one line: our typed errors by their message (they are meant
 * for people), anything else (a bug) with its type and the frame that threw. The JSON logs keep
 * the whole stack.
 */
function oneLineError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  if (err instanceof KadchainError) return err.message;
  const frame = err.stack?.split('\n').find((line) => line.trim().startsWith('at '))?.trim();
  return frame === undefined ? `${err.name}: ${err.message}` : `${err.name}: ${err.message} (${frame})`;
}

/** Where an Error passed as the first argument goes in pretty mode (none of our code does that). */
const PRETTY_ERROR_KEY = 'error';

/** Local wall-clock time to the second: a person matches it with their clock; JSON keeps epoch ms. */
const PRETTY_TIME_FORMAT = 'SYS:HH:MM:ss';

/**
 * "component: message", the component padded so messages line up. The message is made printable on
 * its one line: the fields after it are JSON (escaped), but a message may quote what a peer sent.
 */
function prettyMessage(log: Record<string, unknown>, messageKey: string): string {
  const message = printableLine(String(log[messageKey] ?? ''));
  const component = log['component'];
  return typeof component === 'string' ? `${component.padEnd(PRETTY_COMPONENT_WIDTH)} ${message}` : message;
}

/** Width of the longest usual component name ("traversal"). */
const PRETTY_COMPONENT_WIDTH = 9;

/** A logger that drops everything: for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * Writes out the log lines the stdout stream of createLogger still holds (it writes
 * asynchronously, and lines queued behind a write in flight wait for the event loop), so a line
 * logged right before the thread blocks on a long synchronous task is out while it runs, not
 * after. One attempt that never blocks: a stdout that would block (EAGAIN, a slow reader of a
 * pipe) makes it give up — sonic-boom's flushSync alone retries that forever — and the lines
 * go out with the next write. A chunk still in flight may then land after the lines written
 * here; each line carries its time. Best effort; a no-op for other loggers (tests, pretty).
 */
export function flushLogsSync(): void {
  for (const destination of destinations) {
    flushing = true;
    try {
      destination.flushSync();
    } catch {
      // Would block, not ready yet (no fd) or destroyed: the lines go out with the next write.
    } finally {
      flushing = false;
    }
  }
}
