/**
 * `cli <command> [args] [--flags]`. Client commands load only config + a small HTTP client;
 * the node code is imported lazily by `start` alone, to keep every other command fast.
 */
import { relative, isAbsolute } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { loadConfig } from '../node/config.js';
import { cookiePath, readCookie } from '../rpc/cookie.js';
import { errorMessage, KadchainError } from '../util/errors.js';
import { callRpc } from './client.js';
import { CLIENT_OPTIONS, type CommandSpec, type OptionValue, type ParsedCommand, START_OPTIONS, findCommand } from './commands.js';
import { CLI_NAME, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './constants.js';
import { CliError } from './errors.js';
import { commandHelp, generalHelp } from './help.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
}

const defaultIo: CliIo = {
  stdout: (text) => void process.stdout.write(`${text}\n`),
  stderr: (text) => void process.stderr.write(`${text}\n`),
  cwd: process.cwd(),
};

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

function toParseArgsOptions(...groups: ReadonlyArray<Readonly<Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>>>): OptionsConfig {
  const out: OptionsConfig = {};
  for (const group of groups) for (const [name, spec] of Object.entries(group)) out[name] = { type: spec.type, multiple: spec.multiple === true };
  return out;
}

/** Parses the arguments after the command name; throws CliError('usage') with one line. */
export function parseCommandArgs(cmd: CommandSpec, args: readonly string[]): ParsedCommand {
  const common = cmd.method === undefined ? START_OPTIONS : CLIENT_OPTIONS;
  let parsed: { values: Record<string, OptionValue>; positionals: string[] };
  try {
    // Options marked `multiple` give string[]; the others a string or a boolean.
    const raw = parseArgs({ args: [...args], options: toParseArgsOptions(common, cmd.options), allowPositionals: true, strict: true });
    parsed = { values: raw.values as Record<string, OptionValue>, positionals: raw.positionals };
  } catch (err) {
    throw new CliError('usage', `${errorMessage(err).replace(/\s*\n\s*/g, ' ')} (see: ${CLI_NAME} ${cmd.name} --help)`);
  }
  const result: ParsedCommand = { values: parsed.values, positionals: parsed.positionals };
  if (parsed.values['help'] === true) return result;
  const optional = cmd.optionalPositionals ?? [];
  if (parsed.positionals.length > cmd.positionals.length + optional.length) {
    const takes = [...cmd.positionals.map((p) => `<${p}>`), ...optional.map((p) => `[${p}]`)];
    throw new CliError('usage', `${cmd.name} takes ${takes.length ? takes.join(' ') : 'no arguments'}, got "${parsed.positionals.join(' ')}" (see: ${CLI_NAME} ${cmd.name} --help)`);
  }
  const missingPositional = cmd.positionals[parsed.positionals.length];
  if (missingPositional !== undefined) throw new CliError('usage', `${cmd.name} needs <${missingPositional}> (usage: ${CLI_NAME} ${cmd.name} <${cmd.positionals.join('> <')}>)`);
  const missing = cmd.required.filter((name) => parsed.values[name] === undefined);
  if (missing.length > 0) throw new CliError('usage', `${cmd.name} needs ${missing.map((m) => `--${m}`).join(', ')} (see: ${CLI_NAME} ${cmd.name} --help)`);
  return result;
}

const str = (v: OptionValue): string | undefined => (typeof v === 'string' ? v : undefined);

async function runClientCommand(cmd: CommandSpec, parsed: ParsedCommand, io: CliIo): Promise<number> {
  const { values } = parsed;
  const config = loadConfig({
    cwd: io.cwd,
    ...(typeof values['config'] === 'string' ? { configFile: values['config'] } : {}),
    flags: { datadir: str(values['datadir']), 'rpc-port': str(values['rpc-port']), 'rpc-host': str(values['rpc-host']) },
  });
  if (values['offline'] === true) {
    // Only verifychain has --offline; its chain code is loaded only then.
    const { runOfflineVerify } = await import('./verify-offline.js');
    return runOfflineVerify(config, str(values['depth']), values['json'] === true, io);
  }
  const shownDataDir = str(values['datadir']) ?? displayPath(config.dataDir, io.cwd);
  const hintFlags = [`--datadir ${shownDataDir}`];
  if (typeof values['config'] === 'string') hintFlags.unshift(`--config ${values['config']}`);
  else if (config.rpcPort !== 9100) hintFlags.push(`--rpc-port ${config.rpcPort}`);
  const result = await callRpc(
    {
      host: config.rpcHost,
      port: config.rpcPort,
      cookie: readCookie(config.dataDir),
      cookieFile: cookiePath(config.dataDir),
      startHint: `${CLI_NAME} start ${hintFlags.join(' ')}`,
    },
    cmd.method!,
    cmd.params(parsed),
    cmd.timeoutMs,
  );
  const warning = cmd.warning?.(result);
  if (warning !== undefined) io.stderr(warning);
  io.stdout(values['json'] === true ? JSON.stringify(result, null, 2) : cmd.format(result));
  return cmd.exitCode?.(result) ?? EXIT_OK;
}

function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : `./${rel}`;
}

/** Runs one CLI invocation and resolves with the exit code (for `start`: when the node stops). */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  try {
    const [name, ...rest] = argv;
    if (name === undefined) throw new CliError('usage', `missing command (see: ${CLI_NAME} --help)`);
    if (name === '--help' || name === '-h' || name === 'help') {
      io.stdout(generalHelp());
      return EXIT_OK;
    }
    const cmd = findCommand(name);
    if (cmd === undefined) throw new CliError('usage', `unknown command "${name}" (see: ${CLI_NAME} --help)`);
    const parsed = parseCommandArgs(cmd, rest);
    if (parsed.values['help'] === true) {
      io.stdout(commandHelp(cmd));
      return EXIT_OK;
    }
    if (cmd.method === undefined) {
      const { runStart } = await import('./start.js');
      return await runStart(parsed, io);
    }
    return await runClientCommand(cmd, parsed, io);
  } catch (err) {
    io.stderr(errorMessage(err).replace(/\s*\n\s*/g, ' '));
    if (err instanceof CliError) return err.exitCode;
    if (err instanceof KadchainError && err.code === 'config-invalid') return EXIT_USAGE;
    return EXIT_FAILURE;
  }
}

export async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const code = await runCli(argv);
  // A stopped node may leave handles behind (a log transport, a worker); its process is done.
  if (argv[0] === 'start') process.exit(code);
  process.exitCode = code;
}
