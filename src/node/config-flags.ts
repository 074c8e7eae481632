/**
 * The command-line layer of the configuration: `cli start` flags turned into a raw config layer,
 * each value checked against the same schema as a config file's.
 */
import { CONFIG_SCHEMA, hashOrNull } from './config-schema.js';
import { ConfigError } from './errors.js';

type Raw = Record<string, unknown>;

/** Command-line flags that override settings, as parseArgs hands them over (strings). */
export interface ConfigFlags {
  datadir?: string;
  port?: string;
  'rpc-port'?: string;
  'rpc-host'?: string;
  'log-level'?: string;
  'listen-host'?: string;
  /** Repeatable, and each value may be a comma-separated list; replaces the config's list. */
  bootstrap?: string | readonly string[];
  'no-discovery'?: boolean;
  'no-upnp'?: boolean;
  /** Pins chain.genesisHash. */
  genesis?: string;
  /** Sets chain.assumeValid. */
  assumevalid?: string;
}

type StringFlag = Exclude<keyof ConfigFlags, 'bootstrap' | 'no-discovery' | 'no-upnp' | 'genesis' | 'assumevalid'>;

const FLAG_KEYS: Readonly<Record<StringFlag, { key: string; numeric: boolean }>> = {
  datadir: { key: 'dataDir', numeric: false },
  port: { key: 'port', numeric: true },
  'rpc-port': { key: 'rpcPort', numeric: true },
  'rpc-host': { key: 'rpcHost', numeric: false },
  'log-level': { key: 'logLevel', numeric: false },
  'listen-host': { key: 'listenHost', numeric: false },
};

/** The flags as a raw config layer (validated); merged over the defaults and the config file. */
export function flagsLayer(flags: ConfigFlags): Raw {
  const layer: Raw = {};
  for (const [flag, { key, numeric }] of Object.entries(FLAG_KEYS)) {
    const value = flags[flag as StringFlag];
    if (value === undefined) continue;
    const converted = numeric && /^[0-9]+$/.test(value) ? Number(value) : value;
    const problem = CONFIG_SCHEMA[key];
    if (typeof problem === 'function') {
      const reason = problem(converted);
      if (reason !== undefined) throw new ConfigError(`--${flag} ${reason}`);
    }
    layer[key] = converted;
  }
  if (flags.bootstrap !== undefined) {
    const values = typeof flags.bootstrap === 'string' ? [flags.bootstrap] : flags.bootstrap;
    const list = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
    for (const item of list) {
      const problem = CONFIG_SCHEMA['bootstrap'];
      const reason = typeof problem === 'function' ? problem([item]) : undefined;
      if (reason !== undefined) throw new ConfigError(`--bootstrap ${reason.replace(/^entry 0: /, '')}`);
    }
    layer['bootstrap'] = list;
  }
  if (flags['no-discovery'] === true) layer['p2p'] = { discovery: false };
  if (flags['no-upnp'] === true) layer['nat'] = { upnp: false };
  if (flags.genesis !== undefined) {
    const reason = hashOrNull(flags.genesis);
    if (reason !== undefined) throw new ConfigError(`--genesis ${reason}`);
    layer['chain'] = { genesisHash: flags.genesis };
  }
  if (flags.assumevalid !== undefined) {
    const reason = hashOrNull(flags.assumevalid);
    if (reason !== undefined) throw new ConfigError(`--assumevalid ${reason}`);
    layer['chain'] = { ...(layer['chain'] as Raw | undefined), assumeValid: flags.assumevalid };
  }
  return layer;
}
