/**
 * Node configuration: conf/default.json, then `--config FILE`, then command-line flags, each
 * layer validated against CONFIG_SCHEMA before it is merged, then converted to a typed NodeConfig.
 * Deliberately light (no chain or crypto imports): the CLI loads it for every command.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChainParams } from '../chain/params.js';
import { errorMessage } from '../util/errors.js';
import { CONFIG_SCHEMA, type Check, type LogLevel, type SchemaNode, editDistance } from './config-schema.js';
import { ConfigError } from './errors.js';

export type { LogLevel };

export interface NodeConfig {
  /** Absolute path. */
  readonly dataDir: string;
  readonly port: number;
  readonly rpcHost: string;
  readonly rpcPort: number;
  readonly logLevel: LogLevel;
  readonly chain: ChainParams;
  readonly txpool: { readonly size: number; readonly maxTxs: number };
  /** Where block rewards go; null = the wallet's first address. */
  readonly mining: { readonly address: string | null };
  /** The config file given with --config, if any (for messages). */
  readonly configFile?: string;
}

/** Command-line flags that override settings, as parseArgs hands them over (strings). */
export interface ConfigFlags {
  datadir?: string;
  port?: string;
  'rpc-port'?: string;
  'rpc-host'?: string;
  'log-level'?: string;
}

const FLAG_KEYS: Readonly<Record<keyof ConfigFlags, { key: string; numeric: boolean }>> = {
  datadir: { key: 'dataDir', numeric: false },
  port: { key: 'port', numeric: true },
  'rpc-port': { key: 'rpcPort', numeric: true },
  'rpc-host': { key: 'rpcHost', numeric: false },
  'log-level': { key: 'logLevel', numeric: false },
};

export interface LoadConfigOptions {
  configFile?: string;
  flags?: ConfigFlags;
  /** Relative paths (config file, dataDir) resolve against this; default process.cwd(). */
  cwd?: string;
  /** Override the defaults file (tests). */
  defaultsFile?: string;
}

type Raw = Record<string, unknown>;

const isPlainObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/** conf/default.json of this package, found from this module's location rather than the cwd. */
export function defaultConfigPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'conf', 'default.json');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new ConfigError(`cannot find conf/default.json above ${fileURLToPath(import.meta.url)}; is the package installed completely?`);
}

function readJsonFile(file: string, label: string): Raw {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : errorMessage(err);
    throw new ConfigError(`cannot read config file ${label}: ${reason}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${label} is not valid JSON: ${errorMessage(err)}`);
  }
  if (!isPlainObject(parsed)) throw new ConfigError(`config file ${label} must hold a JSON object of settings`);
  return parsed;
}

function firstLeafPath(path: string, value: unknown): string {
  if (!isPlainObject(value)) return path;
  const first = Object.keys(value)[0];
  return first === undefined ? path : firstLeafPath(`${path}.${first}`, value[first]);
}

/** Throws ConfigError for the first unknown key or bad value in `raw`; `where` is " in ./my.json". */
export function validateLayer(raw: Raw, where: string, schema: SchemaNode = CONFIG_SCHEMA, prefix = ''): void {
  for (const [key, value] of Object.entries(raw)) {
    const path = prefix + key;
    const spec: Check | SchemaNode | undefined = Object.hasOwn(schema, key) ? schema[key] : undefined;
    if (spec === undefined) {
      const near = Object.keys(schema).find((k) => editDistance(k, key) <= 2);
      const hint = near === undefined ? '' : ` (did you mean "${prefix}${near}"?)`;
      throw new ConfigError(`unknown setting "${firstLeafPath(path, value)}"${where}${hint}`);
    }
    if (typeof spec === 'function') {
      const problem = spec(value);
      if (problem !== undefined) throw new ConfigError(`setting "${path}"${where} ${problem}`);
    } else {
      if (!isPlainObject(value)) throw new ConfigError(`setting "${path}"${where} must be an object with keys ${Object.keys(spec).join(', ')}`);
      validateLayer(value, where, spec, `${path}.`);
    }
  }
}

/** The defaults file must set every key: later layers only override. */
function requireComplete(raw: Raw, where: string, schema: SchemaNode = CONFIG_SCHEMA, prefix = ''): void {
  for (const [key, spec] of Object.entries(schema)) {
    if (!Object.hasOwn(raw, key)) throw new ConfigError(`setting "${prefix}${key}" is missing${where}; it holds every default`);
    if (typeof spec !== 'function') requireComplete(raw[key] as Raw, where, spec, `${prefix}${key}.`);
  }
}

function deepMerge(base: Raw, over: Raw): Raw {
  const out: Raw = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

function flagsLayer(flags: ConfigFlags): Raw {
  const layer: Raw = {};
  for (const [flag, { key, numeric }] of Object.entries(FLAG_KEYS)) {
    const value = flags[flag as keyof ConfigFlags];
    if (value === undefined) continue;
    const converted = numeric && /^[0-9]+$/.test(value) ? Number(value) : value;
    const problem = CONFIG_SCHEMA[key];
    if (typeof problem === 'function') {
      const reason = problem(converted);
      if (reason !== undefined) throw new ConfigError(`--${flag} ${reason}`);
    }
    layer[key] = converted;
  }
  return layer;
}

function toBits(v: unknown): number {
  return typeof v === 'string' ? Number.parseInt(v.slice(2), 16) : (v as number);
}

/** Converts a merged, validated raw config to its typed form. */
function toNodeConfig(raw: Raw, cwd: string, configFile: string | undefined): NodeConfig {
  const chain = raw['chain'] as Raw;
  const txpool = raw['txpool'] as Raw;
  const mining = raw['mining'] as Raw;
  return {
    dataDir: resolve(cwd, raw['dataDir'] as string),
    port: raw['port'] as number,
    rpcHost: raw['rpcHost'] as string,
    rpcPort: raw['rpcPort'] as number,
    logLevel: raw['logLevel'] as LogLevel,
    chain: {
      powBits: toBits(chain['powBits']),
      blockRewardAmount: BigInt(chain['blockReward'] as number | string),
      maxBlockBytes: chain['maxBlockBytes'] as number,
      maxFutureBlockTimeSec: chain['maxFutureBlockTimeSec'] as number,
    },
    txpool: { size: txpool['size'] as number, maxTxs: txpool['maxTxs'] as number },
    mining: { address: (mining['address'] as string | null) ?? null },
    ...(configFile === undefined ? {} : { configFile }),
  };
}

export function loadConfig(options: LoadConfigOptions = {}): NodeConfig {
  const cwd = options.cwd ?? process.cwd();
  const defaultsFile = options.defaultsFile ?? defaultConfigPath();
  const defaults = readJsonFile(defaultsFile, defaultsFile);
  validateLayer(defaults, ` in ${defaultsFile}`);
  requireComplete(defaults, ` in ${defaultsFile}`);
  let merged = defaults;
  let configFile: string | undefined;
  if (options.configFile !== undefined) {
    configFile = resolve(cwd, options.configFile);
    const layer = readJsonFile(configFile, options.configFile);
    validateLayer(layer, ` in ${options.configFile}`);
    merged = deepMerge(merged, layer);
  }
  if (options.flags !== undefined) merged = deepMerge(merged, flagsLayer(options.flags));
  return toNodeConfig(merged, cwd, configFile);
}
