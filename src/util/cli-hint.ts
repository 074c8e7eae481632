/**
 * The commands kadchain suggests to a person (in CLI errors, node logs, RPC error messages), built
 * in one place so each one carries the exact flags that reach the node it is about: a hint that
 * omits `--datadir ./b --rpc-port 9101` sends the reader to another node, or to none.
 * Lives in util (not cli) because the node and the RPC server print hints too.
 */
import { isAbsolute, relative } from 'node:path';

/** The command people type: the ./kadchain script at the repo root (`npm link` puts `kadchain` on the PATH). */
export const CLI_NAME = './kadchain';
/** conf/default.json's rpcPort and rpcHost: a hint leaves out a flag that would only repeat them. */
const DEFAULT_RPC_PORT = 9100;
const DEFAULT_RPC_HOST = '127.0.0.1';

/** What a CLI command needs to reach a node; NodeConfig satisfies it. */
export interface CliTarget {
  /** Absolute. */
  readonly dataDir: string;
  readonly rpcPort: number;
  readonly rpcHost?: string;
  /** The config file the node was started with (absolute or as typed). */
  readonly configFile?: string;
}

/** `path` as a person would type it from `cwd`: ./b for a dir below, absolute otherwise. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  if (rel === '') return '.';
  return rel.startsWith('..') || isAbsolute(rel) ? path : `./${rel}`;
}

/**
 * `--config F --datadir D --rpc-port P`: the data dir always (the cookie is there), the config file
 * when there is one, the RPC port and host when they are not the defaults. Paths with spaces are quoted.
 */
export function cliFlags(target: CliTarget, cwd: string = process.cwd()): string {
  const quote = (text: string): string => (/^[\w./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);
  const flags: string[] = [];
  if (target.configFile !== undefined) flags.push(`--config ${quote(displayPath(target.configFile, cwd))}`);
  flags.push(`--datadir ${quote(displayPath(target.dataDir, cwd))}`);
  if (target.rpcPort !== DEFAULT_RPC_PORT) flags.push(`--rpc-port ${target.rpcPort}`);
  if (target.rpcHost !== undefined && target.rpcHost !== DEFAULT_RPC_HOST) flags.push(`--rpc-host ${target.rpcHost}`);
  return flags.join(' ');
}

/** `./kadchain <command> <flags for target>`, e.g. "./kadchain genesis_block --datadir ./b --rpc-port 9101". */
export function cliCommand(command: string, target: CliTarget, cwd?: string): string {
  return `${CLI_NAME} ${command} ${cliFlags(target, cwd)}`;
}

/**
 * What an empty chain waits for: a node that knows where peers are (bootstrap nodes, peers added
 * by hand, peers connected) learns the chain from them, and creating a genesis block there would
 * fork it off that network; a node with none is the first of its network.
 */
export function emptyChainHint(target: CliTarget, hasPeerSources: boolean, cwd?: string): string {
  return hasPeerSources
    ? `waiting for peers to learn the chain (see them with: ${cliCommand('peers', target, cwd)})`
    : `create the genesis block with: ${cliCommand('genesis_block', target, cwd)}`;
}
