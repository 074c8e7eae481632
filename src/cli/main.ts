/**
 * `kadchain [options] <command> [args] [options]`. Client commands load only their settings
 * (cli/settings.ts: data dir, RPC host and port) and a small HTTP client; the node code, its config
 * schema included, is imported lazily by `start` and `verifychain --offline` alone, to keep every
 * other command fast (docs/architecture.md "CLI start-up").
 */
import { cookiePath, readCookie } from '../rpc/cookie.js';
import { cliCommand } from '../util/suggest.js';
import { errorMessage, KadchainError } from '../util/errors.js';
import { HELP_COMMAND, hasFlag, kindProblem, parseCommandArgs, splitCommandLine, unknownCommand, wantsHelp, wantsVersion } from './args.js';
import { callRpc, RpcCallError } from './client.js';
import { type CommandSpec, type OptionValue, type ParsedCommand, findCommand } from './commands.js';
import { CLI_NAME, ENV_DATADIR, ENV_RPC_PORT, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './constants.js';
import { CliError } from './errors.js';
import { writeOut } from './output.js';
import { printable } from '../util/printable.js';
import { loadClientSettings } from './settings.js';

export { parseCommandArgs };

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  /** Where KADCHAIN_DATADIR / KADCHAIN_RPC_PORT are read; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

const defaultIo: CliIo = {
  stdout: (text) => writeOut(1, `${text}\n`),
  stderr: (text) => writeOut(2, `${text}\n`),
  cwd: process.cwd(),
};

const str = (v: OptionValue): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Flags beat environment variables, which beat the config file: an env value fills in only an
 * option not given on the command line. An empty variable counts as unset (`KADCHAIN_DATADIR= cmd`).
 */
export function withEnvironment(parsed: ParsedCommand, env: Readonly<Record<string, string | undefined>>): ParsedCommand {
  const values = { ...parsed.values };
  const datadir = env[ENV_DATADIR];
  if (values['datadir'] === undefined && datadir !== undefined && datadir !== '') values['datadir'] = datadir;
  const rpcPort = env[ENV_RPC_PORT];
  if (values['rpc-port'] === undefined && rpcPort !== undefined && rpcPort !== '') {
    const problem = kindProblem('port', rpcPort);
    if (problem !== undefined) throw new CliError('usage', `environment variable ${ENV_RPC_PORT} ${problem} (unset it or fix it)`);
    values['rpc-port'] = rpcPort;
  }
  return { values, positionals: parsed.positionals };
}

async function runClientCommand(cmd: CommandSpec, parsed: ParsedCommand, io: CliIo): Promise<number> {
  const { values } = parsed;
  const load = {
    cwd: io.cwd,
    ...(typeof values['config'] === 'string' ? { configFile: values['config'] } : {}),
    flags: { datadir: str(values['datadir']), 'rpc-port': str(values['rpc-port']), 'rpc-host': str(values['rpc-host']) },
  };
  if (values['offline'] === true) {
    // Only verifychain has --offline; its chain code and the node's full config loader are loaded only then.
    const { runOfflineVerify } = await import('./verify-offline.js');
    return runOfflineVerify(load, str(values['depth']), values['json'] === true, io);
  }
  const config = loadClientSettings(load);
  const result = await callRpc(
    {
      host: config.rpcHost,
      port: config.rpcPort,
      cookie: readCookie(config.dataDir),
      cookieFile: cookiePath(config.dataDir),
      startHint: cliCommand('start', config, io.cwd),
    },
    cmd.method!,
    cmd.params(parsed),
    cmd.timeoutMs,
  );
  const warning = cmd.warning?.(result);
  if (warning !== undefined) io.stderr(printable(warning));
  io.stdout(values['json'] === true ? JSON.stringify(result, null, 2) : printable(cmd.format(result, (command) => cliCommand(command, config, io.cwd))));
  return cmd.exitCode?.(result) ?? EXIT_OK;
}

/** The help texts: loaded only when asked for, as every other command starts faster without them. */
const loadHelp = (): Promise<typeof import('./help.js')> => import('./help.js');

/** `help`, `help <command>`: printed here, no node needed. */
async function runHelp(args: readonly string[], io: CliIo): Promise<number> {
  const { commandHelp, generalHelp } = await loadHelp();
  const { command } = splitCommandLine(args);
  if (command === undefined || command === HELP_COMMAND) {
    io.stdout(generalHelp());
    return EXIT_OK;
  }
  const cmd = findCommand(command);
  if (cmd === undefined) throw unknownCommand(command);
  io.stdout(commandHelp(cmd));
  return EXIT_OK;
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const { command, rest } = splitCommandLine(argv);
  if (wantsVersion(argv)) {
    const { versionLine } = await import('./version.js');
    io.stdout(versionLine());
    return EXIT_OK;
  }
  if (command === HELP_COMMAND) return runHelp(rest, io);
  if (command === undefined) {
    if (wantsHelp(argv)) {
      io.stdout((await loadHelp()).generalHelp());
      return EXIT_OK;
    }
    throw new CliError('usage', `missing command (see: ${CLI_NAME} --help)`);
  }
  const cmd = findCommand(command);
  if (cmd === undefined) throw unknownCommand(command);
  const parsed = parseCommandArgs(cmd, rest);
  if (parsed.values['help'] === true) {
    io.stdout((await loadHelp()).commandHelp(cmd));
    return EXIT_OK;
  }
  const settled = withEnvironment(parsed, io.env ?? process.env);
  if (cmd.method === undefined) {
    const { runStart } = await import('./start.js');
    return await runStart(settled, io);
  }
  return await runClientCommand(cmd, settled, io);
}

/** The exit code of a failure: 2 for usage (found before any RPC call), 1 for everything else. */
function exitCodeOf(err: unknown): number {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof KadchainError && err.code === 'config-invalid') return EXIT_USAGE;
  return EXIT_FAILURE;
}

/**
 * One line on stderr: `error -5: …` when the node answered with a JSON-RPC error (its code tells
 * scripts which), the message alone otherwise; with --json the same as {"error":{code,message}}.
 */
function reportError(err: unknown, json: boolean, io: CliIo): void {
  const message = errorMessage(err).replace(/\s*\n\s*/g, ' ');
  if (json) {
    const code = err instanceof RpcCallError ? err.rpcCode : err instanceof KadchainError ? err.code : 'failed';
    io.stderr(JSON.stringify({ error: { code, message } }));
  } else {
    io.stderr(printable(err instanceof RpcCallError ? `error ${err.rpcCode}: ${message}` : message));
  }
}

/** Runs one CLI invocation and resolves with the exit code (for `start`: when the node stops). */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    reportError(err, hasFlag(argv, '--json'), io);
    return exitCodeOf(err);
  }
}

export async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const code = await runCli(argv);
  // A stopped node may leave handles behind (a log transport, a worker); its process is done.
  if (splitCommandLine(argv).command === 'start') process.exit(code);
  process.exitCode = code;
}
