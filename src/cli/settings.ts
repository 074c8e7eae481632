/**
 * What a client command needs to reach a node (data dir for the cookie, RPC host and port), read
 * in the node's order — conf/default.json < `--config FILE` < flags — from the same files with the
 * same checks and messages as the node's loader (node/config.ts), but only these three settings:
 * the schema, the rest of the node's settings and their conversions are not loaded. A setting this
 * does not read is checked by the node that uses the file (`start` refuses a bad one).
 */
import { resolve } from 'node:path';
import { type Check, nonEmptyString, rpcPort } from '../node/config-checks.js';
import { type RawConfig, defaultConfigPath, readJsonFile } from '../node/config-file.js';
import { ConfigError } from '../node/errors.js';
import type { CliTarget } from '../util/suggest.js';

export interface ClientSettings extends CliTarget {
  readonly dataDir: string;
  readonly rpcHost: string;
  readonly rpcPort: number;
}

/** The client's flags, as the parser hands them over (strings). */
export interface ClientFlags {
  datadir?: string | undefined;
  'rpc-port'?: string | undefined;
  'rpc-host'?: string | undefined;
}

export interface ClientSettingsOptions {
  configFile?: string;
  flags?: ClientFlags;
  /** Relative paths (config file, dataDir) resolve against this. */
  cwd: string;
  /** Override the defaults file (tests). */
  defaultsFile?: string;
}

/** The settings a client reads, each with the node schema's check and its flag. */
const CLIENT_KEYS: ReadonlyArray<{ key: 'dataDir' | 'rpcHost' | 'rpcPort'; check: Check; flag: keyof ClientFlags; numeric: boolean }> = [
  { key: 'dataDir', check: nonEmptyString, flag: 'datadir', numeric: false },
  { key: 'rpcHost', check: nonEmptyString, flag: 'rpc-host', numeric: false },
  { key: 'rpcPort', check: rpcPort, flag: 'rpc-port', numeric: true },
];

/** This layer's values of the client's keys, checked; `where` is " in ./my.json". */
function pick(raw: RawConfig, where: string, into: Record<string, unknown>): void {
  for (const { key, check } of CLIENT_KEYS) {
    if (!Object.hasOwn(raw, key)) continue;
    const problem = check(raw[key]);
    if (problem !== undefined) throw new ConfigError(`setting "${key}"${where} ${problem}`);
    into[key] = raw[key];
  }
}

export function loadClientSettings(options: ClientSettingsOptions): ClientSettings {
  const defaultsFile = options.defaultsFile ?? defaultConfigPath();
  const values: Record<string, unknown> = {};
  pick(readJsonFile(defaultsFile, defaultsFile), ` in ${defaultsFile}`, values);
  for (const { key } of CLIENT_KEYS) {
    if (values[key] === undefined) throw new ConfigError(`setting "${key}" is missing in ${defaultsFile}; it holds every default`);
  }
  let configFile: string | undefined;
  if (options.configFile !== undefined) {
    configFile = resolve(options.cwd, options.configFile);
    pick(readJsonFile(configFile, options.configFile), ` in ${options.configFile}`, values);
  }
  for (const { key, check, flag, numeric } of CLIENT_KEYS) {
    const text = options.flags?.[flag];
    if (text === undefined) continue;
    const value = numeric && /^[0-9]+$/.test(text) ? Number(text) : text;
    const problem = check(value);
    if (problem !== undefined) throw new ConfigError(`--${flag} ${problem}`);
    values[key] = value;
  }
  return {
    dataDir: resolve(options.cwd, values['dataDir'] as string),
    rpcHost: values['rpcHost'] as string,
    rpcPort: values['rpcPort'] as number,
    ...(configFile === undefined ? {} : { configFile }),
  };
}
