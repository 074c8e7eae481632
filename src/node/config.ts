/**
 * Node configuration: conf/default.json, then `--config FILE`, then command-line flags, each
 * layer validated against CONFIG_SCHEMA before it is merged, then converted to a typed NodeConfig.
 * The node's loader: client commands read only what they need through cli/settings.ts.
 */
import { resolve } from 'node:path';
import type { ChainParams } from '../chain/params.js';
import { closest } from '../util/suggest.js';
import { type RawConfig, defaultConfigPath, isPlainObject, readJsonFile } from './config-file.js';
import { CONFIG_SCHEMA, type Check, type LogLevel, type SchemaNode } from './config-schema.js';
import { type ConfigFlags, flagsLayer } from './config-flags.js';
import { MAX_PAYLOAD_BYTES } from '../p2p/wire/constants.js';
import { ConfigError } from './errors.js';
import { type HostPort, parseHostPort } from './host-port.js';

export type { LogLevel };
export type { ConfigFlags };

/** Peer-to-peer settings (conf `p2p`); the TCP and UDP port is NodeConfig.port. */
export interface NodeP2PConfig {
  readonly maxOutbound: number;
  readonly maxInbound: number;
  /** Quiet (no message from a peer) after which we ping it (twice this for a peer that dialled us). */
  readonly pingIntervalMs: number;
  /** A peer that has not answered our ping with its pong within this is dropped. */
  readonly peerTimeoutMs: number;
  readonly banDurationSec: number;
  /** Inbound connections per IP and per netgroup (/16, IPv6 /32); loopback is exempt. */
  readonly maxInboundPerIp: number;
  readonly maxInboundPerNetgroup: number;
  /** How long misbehaviour discourages an address (never a node id: acks can be relayed). */
  readonly discourageDurationSec: number;
  /** Unsent bytes a peer may let pile up before it is dropped as not reading (at least one 4 MiB frame). */
  readonly maxSendBufferBytes: number;
  /** A frame whose first byte arrived must be complete within this. */
  readonly frameTimeoutMs: number;
  /** UDP discovery on/off (off: peers only through `cli addpeer`). */
  readonly discovery: boolean;
}

/** Mempool settings (conf `txpool`): the tutorial's mining rule and Bitcoin Core-style policy limits. */
export interface NodeTxpoolConfig {
  /** The miner mines when a block template would hold this many pool transactions. */
  readonly size: number;
  readonly maxTxs: number;
  readonly maxBytes: number;
  readonly maxTxBytes: number;
  readonly maxTxInputs: number;
  readonly maxTxOutputs: number;
  readonly maxAncestors: number;
  readonly maxDescendants: number;
  readonly expiryHours: number;
}

export interface NodeConfig {
  /** Absolute path. */
  readonly dataDir: string;
  /** TCP peer port and UDP discovery port (the same number); 0 = any free port. */
  readonly port: number;
  /** Address the TCP and UDP sockets bind. */
  readonly listenHost: string;
  /** UDP discovery endpoints of bootstrap nodes. */
  readonly bootstrap: readonly HostPort[];
  readonly p2p: NodeP2PConfig;
  /** upnp: map the ports on the router (UPnP/NAT-PMP) at start; off with `--no-upnp`. */
  readonly nat: { readonly upnp: boolean };
  readonly rpcHost: string;
  readonly rpcPort: number;
  readonly logLevel: LogLevel;
  readonly chain: ChainParams;
  /** chain.assumeValid / --assumevalid: sync skips the signature checks of this block's ancestors (docs/architecture.md). */
  readonly assumeValid: Buffer | null;
  readonly txpool: NodeTxpoolConfig;
  /** Where block rewards go; null = the wallet's first address. */
  readonly mining: { readonly address: string | null };
  /** The config file given with --config, if any (for messages). */
  readonly configFile?: string;
}

export interface LoadConfigOptions {
  configFile?: string;
  flags?: ConfigFlags;
  /** Relative paths (config file, dataDir) resolve against this; default process.cwd(). */
  cwd?: string;
  /** Override the defaults file (tests). */
  defaultsFile?: string;
}

type Raw = RawConfig;

export { defaultConfigPath };

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
      const near = closest(key, Object.keys(schema));
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

function toBits(v: unknown): number {
  return typeof v === 'string' ? Number.parseInt(v.slice(2), 16) : (v as number);
}

/** Converts a merged, validated raw config to its typed form. */
function toNodeConfig(raw: Raw, cwd: string, configFile: string | undefined): NodeConfig {
  const chain = raw['chain'] as Raw;
  const txpool = raw['txpool'] as Raw;
  const mining = raw['mining'] as Raw;
  const p2p = raw['p2p'] as Raw;
  const nat = raw['nat'] as Raw;
  // No order between the two: pingIntervalMs is the quiet before a ping, peerTimeoutMs the wait for its pong.
  const pingIntervalMs = p2p['pingIntervalMs'] as number;
  const peerTimeoutMs = p2p['peerTimeoutMs'] as number;
  const maxSendBufferBytes = p2p['maxSendBufferBytes'] as number;
  if (maxSendBufferBytes < MAX_PAYLOAD_BYTES) {
    throw new ConfigError(`setting "p2p.maxSendBufferBytes" (${maxSendBufferBytes}) must be at least ${MAX_PAYLOAD_BYTES} (the largest frame), or a peer asking for a large block is dropped`);
  }
  return {
    dataDir: resolve(cwd, raw['dataDir'] as string),
    port: raw['port'] as number,
    listenHost: raw['listenHost'] as string,
    bootstrap: (raw['bootstrap'] as string[]).map(parseHostPort),
    p2p: {
      maxOutbound: p2p['maxOutbound'] as number,
      maxInbound: p2p['maxInbound'] as number,
      pingIntervalMs,
      peerTimeoutMs,
      banDurationSec: p2p['banDurationSec'] as number,
      maxInboundPerIp: p2p['maxInboundPerIp'] as number,
      maxInboundPerNetgroup: p2p['maxInboundPerNetgroup'] as number,
      discourageDurationSec: p2p['discourageDurationSec'] as number,
      maxSendBufferBytes,
      frameTimeoutMs: p2p['frameTimeoutMs'] as number,
      discovery: p2p['discovery'] as boolean,
    },
    nat: { upnp: nat['upnp'] as boolean },
    rpcHost: raw['rpcHost'] as string,
    rpcPort: raw['rpcPort'] as number,
    logLevel: raw['logLevel'] as LogLevel,
    chain: {
      powBits: toBits(chain['powBits']),
      blockRewardAmount: BigInt(chain['blockReward'] as number | string),
      maxBlockBytes: chain['maxBlockBytes'] as number,
      maxFutureBlockTimeSec: chain['maxFutureBlockTimeSec'] as number,
      ...(typeof chain['genesisHash'] === 'string' ? { genesisHash: Buffer.from(chain['genesisHash'], 'hex') } : {}),
      coinbaseMaturity: chain['coinbaseMaturity'] as number,
    },
    assumeValid: typeof chain['assumeValid'] === 'string' ? Buffer.from(chain['assumeValid'], 'hex') : null,
    txpool: {
      size: txpool['size'] as number,
      maxTxs: txpool['maxTxs'] as number,
      maxBytes: txpool['maxBytes'] as number,
      maxTxBytes: txpool['maxTxBytes'] as number,
      maxTxInputs: txpool['maxTxInputs'] as number,
      maxTxOutputs: txpool['maxTxOutputs'] as number,
      maxAncestors: txpool['maxAncestors'] as number,
      maxDescendants: txpool['maxDescendants'] as number,
      expiryHours: txpool['expiryHours'] as number,
    },
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
