/**
 * The shape of a config file: every key kadchain knows, each with a check that returns what is
 * wrong with a value (or undefined when it is fine). Kept apart from loading so the check and
 * the defaults file cannot drift silently: the defaults file itself is validated against it.
 */

import { isIP } from 'node:net';
import { type Check, integerIn, nonEmptyString, rpcPort, show } from './config-checks.js';
import { hostPortProblem } from './host-port.js';

export type { Check };
export interface SchemaNode {
  readonly [key: string]: Check | SchemaNode;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const port = integerIn(0, 65_535, 'a port number');
const positiveInt = integerIn(1, Number.MAX_SAFE_INTEGER, 'a positive whole number');
const nonNegativeInt = integerIn(0, Number.MAX_SAFE_INTEGER, 'a whole number');

const logLevel: Check = (v) =>
  typeof v === 'string' && (LOG_LEVELS as readonly string[]).includes(v) ? undefined : `must be one of ${LOG_LEVELS.join(', ')}, got ${show(v)}`;

/** Compact PoW target: "0x1f00ffff" (as in Bitcoin's nBits) or the same number as an integer. */
const compactBits: Check = (v) => {
  if (typeof v === 'string' && /^0x[0-9a-fA-F]{1,8}$/.test(v)) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 0xffff_ffff) return undefined;
  return `must be a compact target like "0x1f00ffff", got ${show(v)}`;
};

/** Whole coins: a safe integer or a string of digits (for values past 2^53). */
const amount: Check = (v) => {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return undefined;
  if (typeof v === 'string' && /^[0-9]+$/.test(v)) return undefined;
  return `must be a whole number of coins (an integer or a string of digits), got ${show(v)}`;
};

const boolean: Check = (v) => (typeof v === 'boolean' ? undefined : `must be true or false, got ${show(v)}`);

/** An address to bind: an IP (0.0.0.0 = every interface), not a host name. */
const listenAddress: Check = (v) =>
  typeof v === 'string' && isIP(v) !== 0 ? undefined : `must be an IP address to listen on, like "0.0.0.0" (every interface) or "127.0.0.1", got ${show(v)}`;

/** Bootstrap nodes: "host:port" strings, the port being the node's UDP discovery port. */
const hostPortList: Check = (v) => {
  if (!Array.isArray(v)) return `must be a list of "host:port" strings (the UDP discovery port of each bootstrap node), got ${show(v)}`;
  for (const [i, item] of v.entries()) {
    if (typeof item !== 'string') return `entry ${i} must be a "host:port" string, got ${show(item)}`;
    const problem = hostPortProblem(item);
    if (problem !== undefined) return `entry ${i}: ${problem}`;
  }
  return undefined;
};

/** A block hash as 64 hex digits, or null (no pin). All zeros means "no chain" on the wire, never a block. */
export const hashOrNull: Check = (v) =>
  v === null || (typeof v === 'string' && /^[0-9a-fA-F]{64}$/.test(v) && !/^0+$/.test(v)) ? undefined : `must be a block hash of 64 hex digits (not all zeros), or null, got ${show(v)}`;

const addressOrNull: Check = (v) => (v === null || (typeof v === 'string' && v.length > 0) ? undefined : `must be an address string or null, got ${show(v)}`);

export const CONFIG_SCHEMA: SchemaNode = {
  dataDir: nonEmptyString,
  /** TCP peers and UDP discovery both use it (as in the tutorial); 0 = any free port. */
  port,
  rpcHost: nonEmptyString,
  rpcPort,
  logLevel,
  chain: {
    powBits: compactBits,
    blockReward: amount,
    maxBlockBytes: positiveInt,
    maxFutureBlockTimeSec: nonNegativeInt,
    /** The only genesis this node adopts (null: the first peer's, as in the tutorial). */
    genesisHash: hashOrNull,
    /** Core's -assumevalid: signatures of this block's ancestors are not checked during sync (null: all are). */
    assumeValid: hashOrNull,
    /** Confirmations before a block reward may be spent (the genesis reward is exempt). */
    coinbaseMaturity: integerIn(1, 10_000, 'a number of confirmations'),
  },
  txpool: {
    size: positiveInt,
    maxTxs: positiveInt,
    /** Memory the pool may use: transaction bytes plus an estimate of the bookkeeping per entry. */
    maxBytes: integerIn(10_000, Number.MAX_SAFE_INTEGER, 'a number of bytes'),
    maxTxBytes: integerIn(200, Number.MAX_SAFE_INTEGER, 'a number of bytes'),
    maxTxInputs: positiveInt,
    maxTxOutputs: positiveInt,
    maxAncestors: positiveInt,
    maxDescendants: positiveInt,
    expiryHours: positiveInt,
  },
  mining: {
    address: addressOrNull,
  },
  listenHost: listenAddress,
  bootstrap: hostPortList,
  p2p: {
    maxOutbound: nonNegativeInt,
    maxInbound: nonNegativeInt,
    pingIntervalMs: positiveInt,
    peerTimeoutMs: positiveInt,
    /** Default length of `cli ban` (misbehaviour discourages instead of banning). */
    banDurationSec: positiveInt,
    /** Inbound connections from one IP / one /16 (IPv6: /32); loopback is exempt. */
    maxInboundPerIp: positiveInt,
    maxInboundPerNetgroup: positiveInt,
    /** How long misbehaviour discourages an address. */
    discourageDurationSec: positiveInt,
    maxSendBufferBytes: positiveInt,
    frameTimeoutMs: positiveInt,
    discovery: boolean,
  },
  /** Map the TCP and UDP port on the home router (UPnP IGDv1/IGDv2, NAT-PMP) at start. */
  nat: {
    upnp: boolean,
  },
};

/** Kept here for older importers; the one implementation is in util/suggest. */
export { editDistance } from '../util/suggest.js';
