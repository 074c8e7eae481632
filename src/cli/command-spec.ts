/**
 * The shape of a CLI command and the options every client command (or `start`) takes: what the
 * parser, the help and each command entry in commands.ts share.
 */
import type { JsonValue } from '../rpc/json.js';
import type { ValueKind } from './args.js';
import type { HintFor } from './format.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
  /** Value name in help, e.g. ADDRESS. */
  value?: string;
  /** May be given more than once (its value is then a string[]); any other option given twice is an error. */
  multiple?: boolean;
  /** A typed value (amount, height, port…), checked before any RPC call: a bad one exits 2 with one line. */
  kind?: ValueKind;
}

export type OptionValue = string | boolean | readonly string[] | undefined;

export interface ParsedCommand {
  values: Readonly<Record<string, OptionValue>>;
  positionals: readonly string[];
}

export interface CommandSpec {
  name: string;
  summary: string;
  positionals: readonly string[];
  /** Positionals that may be left out, after the required ones (shown as [name]). */
  optionalPositionals?: readonly string[];
  /** Typed positionals, by name (e.g. `{ height: 'height' }`), checked like an option's `kind`. */
  positionalKinds?: Readonly<Record<string, ValueKind>>;
  /** Options of this command on top of the common client (or start) options. */
  options: Readonly<Record<string, OptionSpec>>;
  required: readonly string[];
  /** Undefined only for `start`, which runs the node instead of calling one. */
  method?: string;
  params(cmd: ParsedCommand): Record<string, unknown>;
  /** `hint` builds a command line with the flags of the node just asked, for any hint in the output. */
  format(result: JsonValue, hint?: HintFor): string;
  timeoutMs: number;
  /** Exit code for a result (default 0): a check that found a problem fails the command. */
  exitCode?(result: JsonValue): number;
  /** A warning printed on stderr next to the result (also with --json, whose stdout stays the bare JSON). */
  warning?(result: JsonValue): string | undefined;
}

/** Options every client command takes. */
export const CLIENT_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  'rpc-host': { type: 'string', value: 'HOST', description: 'RPC host of the node (default from config: 127.0.0.1)' },
  'rpc-port': { type: 'string', value: 'PORT', kind: 'port', description: 'RPC port of the node (or $KADCHAIN_RPC_PORT; default from config: 9100)' },
  datadir: { type: 'string', value: 'DIR', description: 'the node\'s data dir, where its .cookie is (or $KADCHAIN_DATADIR; default ./data)' },
  config: { type: 'string', value: 'FILE', description: 'config file the node was started with' },
  json: { type: 'boolean', description: 'print the raw JSON result' },
  help: { type: 'boolean', description: 'show help for this command' },
};

/** Options of `start`. */
export const START_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  config: { type: 'string', value: 'FILE', description: 'JSON file of settings over conf/default.json' },
  datadir: { type: 'string', value: 'DIR', description: 'where the chain, wallet and cookie live (or $KADCHAIN_DATADIR; default ./data)' },
  port: { type: 'string', value: 'PORT', kind: 'listen-port', description: 'TCP peer port and UDP discovery port (default 9000; 0 = any free port)' },
  'listen-host': { type: 'string', value: 'IP', description: 'address the TCP and UDP sockets bind (default 0.0.0.0)' },
  bootstrap: { type: 'string', value: 'HOST:PORT', multiple: true, description: 'UDP discovery port of a bootstrap node; repeat it or separate with commas' },
  'no-discovery': { type: 'boolean', description: 'no UDP discovery: peers only through addpeer' },
  'no-upnp': { type: 'boolean', description: 'do not map the ports on the router (UPnP/NAT-PMP)' },
  genesis: { type: 'string', value: 'HASH', description: 'adopt only the chain starting at this genesis block hash (64 hex digits)' },
  assumevalid: { type: 'string', value: 'HASH', description: 'skip the signature checks of this block\'s ancestors while syncing (trusts whoever gave you the hash)' },
  reindex: { type: 'boolean', description: 'rebuild the UTXO set and chain indexes from the stored blocks, re-validating each, then start' },
  'rpc-host': { type: 'string', value: 'HOST', description: 'address the RPC server binds (default 127.0.0.1)' },
  'rpc-port': { type: 'string', value: 'PORT', kind: 'port', description: 'RPC port (or $KADCHAIN_RPC_PORT; default 9100)' },
  'log-level': { type: 'string', value: 'LEVEL', description: 'fatal, error, warn, info, debug, trace or silent' },
  help: { type: 'boolean', description: 'show help for this command' },
};
