import { CLIENT_OPTIONS, COMMANDS, type CommandSpec, type OptionSpec, START_OPTIONS } from './commands.js';
import { CLI_NAME } from './constants.js';

function usageLine(cmd: CommandSpec): string {
  const positionals = [...cmd.positionals.map((p) => ` <${p}>`), ...(cmd.optionalPositionals ?? []).map((p) => ` [${p}]`)].join('');
  const options = Object.entries(cmd.options)
    .map(([name, spec]) => {
      const flag = `--${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`;
      return cmd.required.includes(name) ? ` ${flag}` : ` [${flag}]`;
    })
    .join('');
  return `${CLI_NAME} ${cmd.name}${positionals}${options}`;
}

function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  return Object.entries(options).map(([name, spec]) => {
    const flag = `--${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`;
    return `  ${flag.padEnd(22)} ${spec.description}`;
  });
}

/** Where --datadir and --rpc-port come from, exit codes and --json errors: the same for every command. */
const SETTINGS_NOTE: readonly string[] = [
  '',
  'settings: a flag beats its environment variable, which beats the --config file, which beats conf/default.json:',
  '  --datadir DIR    KADCHAIN_DATADIR',
  '  --rpc-port PORT  KADCHAIN_RPC_PORT',
  '',
  'exit codes: 0 done, 1 failed (the node refused or did not answer; RPC errors print "error <code>: …"),',
  '  2 bad usage (a mistyped command or option, a bad value such as --amount 1.5), found before any RPC call.',
  'With --json, results go to stdout and errors to stderr as {"error":{"code":…,"message":…}}: the code is the',
  '  JSON-RPC error code (a number) when the node answered with an error, otherwise a string such as "usage" or "no-node".',
  `${CLI_NAME} --version prints the version.`,
];

export function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    `usage: ${CLI_NAME} <command> [arguments] [options]   (options may come before or after the command)`,
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)} ${c.summary}`),
    `  ${'help'.padEnd(width)} help [command]: this list, or one command's arguments and options`,
    '',
    `Every command but start talks to a running node over JSON-RPC; see \`${CLI_NAME} help <command>\` or \`${CLI_NAME} <command> --help\`.`,
    ...SETTINGS_NOTE,
    '',
  ].join('\n');
}

export function commandHelp(cmd: CommandSpec): string {
  const common = cmd.method === undefined ? START_OPTIONS : CLIENT_OPTIONS;
  const lines = [`usage: ${usageLine(cmd)} [options]`, '', cmd.summary, ''];
  if (Object.keys(cmd.options).length > 0) lines.push('options:', ...optionLines(cmd.options), '');
  lines.push(cmd.method === undefined ? 'node options:' : 'connection options:', ...optionLines(common), '');
  lines.push('A flag beats its environment variable (KADCHAIN_DATADIR, KADCHAIN_RPC_PORT), which beats the --config file.', '');
  return lines.join('\n');
}
