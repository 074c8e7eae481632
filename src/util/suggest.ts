/**
 * What kadchain suggests to a person, in one place so every suggestion follows one rule:
 * - "did you mean …?" for anything typed by hand (CLI commands and options, config keys): the
 *   nearest candidate, compared without regard to case, within a distance that grows with the
 *   length of what was typed;
 * - the commands it tells a person to run (CLI errors, node logs, RPC error messages), each with
 *   the exact flags that reach the node it is about: a hint that omits `--datadir ./b --rpc-port
 *   9101` sends the reader to another node, or to none.
 * Lives in util (not cli) because the node, the config loader and the RPC server use it too; one
 * module rather than two because the CLI loads it on every run and each module costs start-up.
 */
import { isAbsolute, relative } from 'node:path';

/**
 * Edit distance counting a swap of two neighbouring letters as one edit (optimal string
 * alignment): "mnie" is one slip from "mine", as a person would judge it.
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i]!;
    const prev = rows[i - 1]!;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      row[j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** Edits allowed per typed character: a third, so "ab" suggests nothing but "rpcprot" finds "rpc-port". */
const EDITS_PER_CHARACTER = 1 / 3;
/** Never suggest something more than this many edits away: it would be a guess, not a slip. */
const MAX_SUGGEST_EDITS = 3;

/**
 * The candidate nearest to `input` (case-insensitive), or undefined when none is close enough.
 * Ties go to the earlier candidate, so the answer does not depend on anything but the list.
 */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  const typed = input.toLowerCase();
  const limit = Math.min(MAX_SUGGEST_EDITS, Math.max(1, Math.floor(typed.length * EDITS_PER_CHARACTER)));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(typed, candidate.toLowerCase());
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}


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
