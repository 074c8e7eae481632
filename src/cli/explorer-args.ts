/**
 * Client-side checks of the explorer commands' arguments: a malformed hash, height or page size
 * gets our own one-line message and exit 2 before any RPC (the node would refuse it with -8).
 */
import { CLI_NAME } from './constants.js';
import { CliError } from './errors.js';

const HASH_HEX = /^[0-9a-fA-F]{64}$/;
const DIGITS = /^[0-9]{1,10}$/;
const CURSOR = /^[0-9]{1,10}-[0-9a-fA-F]{64}$/;
/** The node's bounds (src/explorer/constants.ts), repeated here so the CLI loads no node code. */
const PAGE_MAX = 100;

const usage = (command: string, message: string): CliError => new CliError('usage', `${message} (see: ${CLI_NAME} ${command} --help)`);
const shown = (v: string): string => JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}…` : v);

export function blockRefArg(command: string, value: string | undefined): string | undefined {
  if (value === undefined || HASH_HEX.test(value) || DIGITS.test(value)) return value;
  throw usage(command, `${command} takes a block hash (64 hex digits) or a height (a whole number ≥ 0), got ${shown(value)}`);
}

export function heightArg(command: string, name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && DIGITS.test(value)) return value;
  throw usage(command, `--${name} must be a block height (a whole number ≥ 0), got ${shown(String(value))}`);
}

export function pageArg(command: string, name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && DIGITS.test(value) && Number(value) >= 1 && Number(value) <= PAGE_MAX) return value;
  throw usage(command, `--${name} must be a whole number from 1 to ${PAGE_MAX}, got ${shown(String(value))}`);
}

export function txidArg(command: string, value: string | undefined): string | undefined {
  if (value === undefined || HASH_HEX.test(value)) return value;
  throw usage(command, `${command} takes a txid (64 hex digits), got ${shown(value)}`);
}

export function cursorArg(command: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (DIGITS.test(value) || CURSOR.test(value))) return value;
  throw usage(command, `--before must be a height or the cursor a previous page printed (height-txid), got ${shown(String(value))}`);
}
