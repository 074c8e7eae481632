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

export function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    `usage: ${CLI_NAME} <command> [arguments] [options]`,
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)} ${c.summary}`),
    '',
    `Every command but start talks to a running node over JSON-RPC; see \`${CLI_NAME} <command> --help\`.`,
    '',
  ].join('\n');
}

export function commandHelp(cmd: CommandSpec): string {
  const common = cmd.method === undefined ? START_OPTIONS : CLIENT_OPTIONS;
  const lines = [`usage: ${usageLine(cmd)} [options]`, '', cmd.summary, ''];
  if (Object.keys(cmd.options).length > 0) lines.push('options:', ...optionLines(cmd.options), '');
  lines.push(cmd.method === undefined ? 'node options:' : 'connection options:', ...optionLines(common), '');
  return lines.join('\n');
}
