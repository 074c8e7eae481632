/**
 * The CLI's argument parser: options before or after the command, `--name value` and
 * `--name=value`, `--` ends the options. Hand-written over argv rather than node:util parseArgs or
 * commander because what it must say on a mistake is the point (a repeated option, a near-miss
 * name, a typed value), and because start-up time counts (see docs/architecture.md, "CLI parser").
 * Every error is a CliError('usage') with one line and a pointer to the right help.
 * Typed values are checked here too, before any RPC call: a person who typed `--amount 1.5` gets
 * one line naming the flag and exit 2, not a round trip and a JSON-RPC code. Each option declares
 * its kind once (`kind` in commands.ts); the node still checks everything. (One module with the
 * parser: the CLI loads it on every run, and each module costs start-up.)
 */
import { hostPortProblem } from '../node/host-port.js';
import { closest } from '../util/suggest.js';
import { CLIENT_OPTIONS, COMMANDS, type CommandSpec, type OptionSpec, type OptionValue, type ParsedCommand, START_OPTIONS } from './commands.js';
import { CLI_NAME } from './constants.js';
import { CliError } from './errors.js';
import { OTHER_COMMAND_NAMES } from './other-names.js';

export type ValueKind = NumberKind | 'host-port';
type NumberKind = 'amount' | 'fee' | 'height' | 'count' | 'blocks' | 'port' | 'listen-port' | 'seconds';

const DIGITS = /^[0-9]+$/;
/** The largest TCP/UDP port. */
const MAX_PORT = 65_535;

interface KindRule {
  /** What a valid value is, as the end of "must be …". */
  what: string;
  ok(value: number): boolean;
}

const RULES: Readonly<Record<NumberKind, KindRule>> = {
  amount: { what: 'a whole number of coins greater than 0 (no decimals, signs or exponents)', ok: (n) => n > 0 },
  fee: { what: 'a whole number of coins, 0 or more (no decimals, signs or exponents)', ok: () => true },
  height: { what: 'a block height: a whole number, 0 or more', ok: () => true },
  count: { what: 'a whole number, 0 or more', ok: () => true },
  // The upper bound (how many blocks one call may mine) is the node's to say.
  blocks: { what: 'a number of blocks, 1 or more', ok: (n) => n >= 1 },
  port: { what: `a port number from 1 to ${MAX_PORT}`, ok: (n) => n >= 1 && n <= MAX_PORT },
  'listen-port': { what: `a port number from 0 (any free port) to ${MAX_PORT}`, ok: (n) => n <= MAX_PORT },
  seconds: { what: 'a whole number of seconds greater than 0', ok: (n) => n > 0 },
};

/**
 * Why `value` is not a valid `kind`, as "must be …, got "x"", or undefined when it is valid.
 * Only plain decimal digits pass: "1e3", "0x10", "+5", " 5" and "5.0" are refused, as are
 * numbers past 2^53 (no amount, height or count can be that large).
 */
export function kindProblem(kind: ValueKind, value: string): string | undefined {
  // The node's own parser, so the CLI and the node cannot disagree on what an address is.
  if (kind === 'host-port') return hostPortProblem(value);
  const rule = RULES[kind];
  const valid = DIGITS.test(value) && Number.isSafeInteger(Number(value)) && rule.ok(Number(value));
  return valid ? undefined : `must be ${rule.what}, got ${JSON.stringify(value)}`;
}

/** Options that need no command: they stop the parse and print something. */
const HELP_FLAGS: ReadonlySet<string> = new Set(['--help', '-h']);
const VERSION_FLAG = '--version';
/** Not a command of its own in COMMANDS: `help [command]` prints help locally. */
export const HELP_COMMAND = 'help';

export interface CommandLine {
  /** The first positional word (undefined when there is none). */
  command: string | undefined;
  /** argv without the command word: the command's own arguments and options, in order. */
  rest: string[];
}

const takesValue = (spec: OptionSpec | undefined): boolean => spec?.type === 'string';

/**
 * Every option any command takes: a value-taking option anywhere consumes the word after it. A
 * name that takes a value in one command and is a flag in another counts as value-taking, so the
 * command word is never mistaken for a value the other way round.
 */
function allOptions(): ReadonlyMap<string, OptionSpec> {
  const all = new Map<string, OptionSpec>();
  for (const table of [CLIENT_OPTIONS, START_OPTIONS, ...COMMANDS.map((c) => c.options)]) {
    for (const [name, spec] of Object.entries(table)) if (!takesValue(all.get(name))) all.set(name, spec);
  }
  return all;
}

/** Words before `--` that look like options (`-5` is a value: a negative number, refused later with a clear reason). */
const isOptionWord = (word: string): boolean => word.startsWith('-') && word.length > 1 && !/^-[0-9]/.test(word);

/**
 * Finds the command word wherever it is: `--datadir ./b balance X` and `balance X --datadir ./b`
 * are the same. A word right after a value-taking option is that option's value, never the command.
 */
export function splitCommandLine(argv: readonly string[]): CommandLine {
  const options = allOptions();
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') return argv[i + 1] === undefined ? { command: undefined, rest: [...argv] } : { command: argv[i + 1], rest: [...argv.slice(0, i + 1), ...argv.slice(i + 2)] };
    if (!isOptionWord(word)) return { command: word, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
    if (word.startsWith('--') && !word.includes('=') && takesValue(options.get(word.slice(2)))) i++;
  }
  return { command: undefined, rest: [...argv] };
}

/** True when argv holds `flag` as an option (before any `--`), e.g. --json for how to print errors. */
export function hasFlag(argv: readonly string[], ...flags: readonly string[]): boolean {
  for (const word of argv) {
    if (word === '--') return false;
    if (flags.includes(word)) return true;
  }
  return false;
}

export const wantsHelp = (argv: readonly string[]): boolean => hasFlag(argv, ...HELP_FLAGS);
export const wantsVersion = (argv: readonly string[]): boolean => hasFlag(argv, VERSION_FLAG);

/**
 * `unknown command "balanse"; did you mean "balance"?` with the pointer to the list; a bitcoin-cli
 * name we have under another name says so (`"getbalance" is called "balance" here`).
 */
export function unknownCommand(name: string): CliError {
  const ours = OTHER_COMMAND_NAMES.get(name.toLowerCase());
  const near = ours ?? closest(name, [...COMMANDS.map((c) => c.name), HELP_COMMAND]);
  const hint = ours !== undefined ? `; ${CLI_NAME} calls it "${ours}"` : near === undefined ? '' : `; did you mean "${near}"?`;
  return new CliError('usage', `unknown command "${name}"${hint} (see: ${CLI_NAME} --help)`);
}

/** The common options of a command: those of `start` (node settings) or of every client command. */
export function commonOptions(cmd: CommandSpec): Readonly<Record<string, OptionSpec>> {
  return cmd.method === undefined ? START_OPTIONS : CLIENT_OPTIONS;
}

/**
 * Parses the words after the command name (options may be anywhere among them); throws
 * CliError('usage') with one line. With --help it returns at once (nothing else is checked).
 */
export function parseCommandArgs(cmd: CommandSpec, args: readonly string[]): ParsedCommand {
  const table: Readonly<Record<string, OptionSpec>> = { ...commonOptions(cmd), ...cmd.options };
  const see = `(see: ${CLI_NAME} ${cmd.name} --help)`;
  const usage = (message: string): CliError => new CliError('usage', `${message} ${see}`);
  const values: Record<string, OptionValue> = {};
  const positionals: string[] = [];
  let optionsEnded = false;
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (optionsEnded || !isOptionWord(word)) {
      positionals.push(word);
      continue;
    }
    if (word === '--') {
      optionsEnded = true;
      continue;
    }
    if (HELP_FLAGS.has(word)) return { values: { help: true }, positionals: [] };
    const eq = word.indexOf('=');
    const name = word.startsWith('--') ? word.slice(2, eq === -1 ? undefined : eq) : word.slice(1);
    const spec = word.startsWith('--') && Object.hasOwn(table, name) ? table[name] : undefined;
    if (spec === undefined) {
      const typed = word.slice(0, eq === -1 ? undefined : eq);
      const near = closest(name, Object.keys(table));
      if (near !== undefined) throw usage(`${cmd.name} has no option ${typed}; did you mean --${near}?`);
      const owners = COMMANDS.filter((c) => Object.hasOwn(c.options, name) || Object.hasOwn(commonOptions(c), name)).map((c) => c.name);
      throw usage(`${cmd.name} has no option ${typed}${owners.length > 0 ? `; it is an option of ${owners.join(', ')}` : ''}`);
    }
    let value: string | true;
    if (spec.type === 'boolean') {
      if (eq !== -1) throw usage(`--${name} takes no value, got "${word}"`);
      value = true;
    } else {
      const next = args[i + 1];
      const inline = eq === -1 ? undefined : word.slice(eq + 1);
      if (inline === undefined && (next === undefined || (next.startsWith('--') && Object.hasOwn(table, next.slice(2).split('=')[0]!)))) {
        throw usage(`--${name} needs a value (${spec.value ?? 'VALUE'})`);
      }
      if (inline === undefined) i++;
      value = inline ?? next!;
    }
    const previous = values[name];
    if (previous !== undefined) {
      if (spec.multiple !== true) throw usage(`--${name} is given twice; give it once`);
      values[name] = [...(Array.isArray(previous) ? previous : [String(previous)]), String(value)];
    } else {
      values[name] = spec.multiple === true ? [String(value)] : value;
    }
  }
  const optional = cmd.optionalPositionals ?? [];
  if (positionals.length > cmd.positionals.length + optional.length) {
    const takes = [...cmd.positionals.map((p) => `<${p}>`), ...optional.map((p) => `[${p}]`)];
    throw usage(`${cmd.name} takes ${takes.length ? takes.join(' ') : 'no arguments'}, got "${positionals.join(' ')}"`);
  }
  const missingPositional = cmd.positionals[positionals.length];
  if (missingPositional !== undefined) throw new CliError('usage', `${cmd.name} needs <${missingPositional}> (usage: ${CLI_NAME} ${cmd.name} <${cmd.positionals.join('> <')}>)`);
  const missing = cmd.required.filter((name) => values[name] === undefined);
  if (missing.length > 0) throw usage(`${cmd.name} needs ${missing.map((m) => `--${m}`).join(', ')}`);
  checkKinds(cmd, table, values, positionals, usage);
  return { values, positionals };
}

/** The typed values (amounts, heights, ports…) each option or positional declares with `kind`. */
function checkKinds(
  cmd: CommandSpec,
  table: Readonly<Record<string, OptionSpec>>,
  values: Readonly<Record<string, OptionValue>>,
  positionals: readonly string[],
  usage: (message: string) => CliError,
): void {
  for (const [name, value] of Object.entries(values)) {
    const kind = table[name]?.kind;
    if (kind === undefined || typeof value === 'boolean' || value === undefined) continue;
    for (const item of typeof value === 'string' ? [value] : value) {
      const problem = kindProblem(kind, item);
      if (problem !== undefined) throw usage(`--${name} ${problem}`);
    }
  }
  for (const [index, name] of [...cmd.positionals, ...(cmd.optionalPositionals ?? [])].entries()) {
    const kind = cmd.positionalKinds?.[name];
    const value = positionals[index];
    if (kind === undefined || value === undefined) continue;
    const problem = kindProblem(kind, value);
    if (problem !== undefined) throw usage(`<${name}> ${problem}`);
  }
}
