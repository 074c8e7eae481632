/**
 * `cli start`: the node in this process, in the foreground. SIGINT/SIGTERM stop it cleanly
 * (exit 0); a second signal, a stop that hangs, a storage failure, or an uncaught error exits non-zero.
 */
import { loadConfig } from '../node/config.js';
import { STOP_TIMEOUT_MS } from '../node/constants.js';
import { KadchainNode } from '../node/node.js';
import { KadchainError, errorMessage } from '../util/errors.js';
import { createLogger } from '../util/logger.js';
import type { OptionValue, ParsedCommand } from './commands.js';
import { EXIT_FAILURE, EXIT_OK } from './constants.js';
import type { CliIo } from './main.js';

const str = (v: OptionValue): string | undefined => (typeof v === 'string' ? v : undefined);
const list = (v: OptionValue): readonly string[] | undefined => (Array.isArray(v) ? v : typeof v === 'string' ? [v] : undefined);

export async function runStart(parsed: ParsedCommand, io: CliIo): Promise<number> {
  const { values } = parsed;
  const config = loadConfig({
    cwd: io.cwd,
    ...(typeof values['config'] === 'string' ? { configFile: values['config'] } : {}),
    flags: {
      datadir: str(values['datadir']),
      port: str(values['port']),
      'rpc-port': str(values['rpc-port']),
      'rpc-host': str(values['rpc-host']),
      'log-level': str(values['log-level']),
      'listen-host': str(values['listen-host']),
      bootstrap: list(values['bootstrap']),
      'no-discovery': values['no-discovery'] === true,
      'no-upnp': values['no-upnp'] === true,
      genesis: str(values['genesis']),
      assumevalid: str(values['assumevalid']),
    },
  });
  const logger = createLogger({ level: config.logLevel });
  // A storage failure goes through shutdown() like a signal: the stop watchdog applies, exit 1.
  const node = new KadchainNode({ config, logger, reindex: values['reindex'] === true, onFailure: () => shutdown('storage failure', EXIT_FAILURE) });
  const stopped = new Promise<number>((resolve) =>
    node.onStopped(() => {
      const failure = node.failure;
      if (failure === undefined) return resolve(EXIT_OK);
      io.stderr(`kadchain stopped: ${errorMessage(failure)}`);
      logger.flush();
      resolve(EXIT_FAILURE);
    }),
  );

  let exiting = false;
  const shutdown = (reason: string, code: number): void => {
    if (exiting) {
      logger.warn({ reason }, 'second stop request: exiting now');
      process.exit(EXIT_FAILURE);
    }
    exiting = true;
    logger.info({ reason }, 'shutting down');
    setTimeout(() => {
      logger.error({ timeoutMs: STOP_TIMEOUT_MS }, 'stop did not finish in time: exiting anyway');
      process.exit(EXIT_FAILURE);
    }, STOP_TIMEOUT_MS).unref();
    // A signal during a failure's teardown must not turn its exit into a success.
    void node.stop().then(() => process.exit(node.failure ? EXIT_FAILURE : code));
  };
  process.on('SIGINT', () => shutdown('SIGINT', EXIT_OK));
  process.on('SIGTERM', () => shutdown('SIGTERM', EXIT_OK));
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    shutdown('uncaught exception', EXIT_FAILURE);
  });
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err }, 'unhandled promise rejection');
    shutdown('unhandled rejection', EXIT_FAILURE);
  });

  try {
    await node.start();
  } catch (err) {
    // Stopped (SIGINT/SIGTERM) during a reindex: the reindex logged where it stopped; not a failure.
    // Or stopped by a storage failure while starting: `stopped` says which (exit 1 for a failure).
    if (exiting && err instanceof KadchainError && (err.code === 'reindex-interrupted' || err.code === 'start-interrupted')) return stopped;
    // One line, on stderr only: a fatal log line too would show the same words twice on a terminal,
    // with a stack trace no one starting a node needs. The stack stays available at debug level.
    logger.debug({ err }, 'node failed to start');
    io.stderr(errorMessage(err).replace(/\s*\n\s*/g, ' '));
    logger.flush();
    return EXIT_FAILURE;
  }
  return stopped;
}
