/** The node's settings (config.ts) turned into what the mempool and the miner take. */
import type { MempoolPolicy } from '../mempool/index.js';
import { addressToPubKeyHash } from '../primitives/address.js';
import { errorMessage } from '../util/errors.js';
import type { NodeTxpoolConfig } from './config.js';
import { ConfigError } from './errors.js';

export function mempoolPolicy(txpool: NodeTxpoolConfig): MempoolPolicy {
  const { maxBytes, maxTxBytes, maxTxInputs, maxTxOutputs, maxAncestors, maxDescendants, expiryHours } = txpool;
  return { maxBytes, maxTxBytes, maxTxInputs, maxTxOutputs, maxAncestors, maxDescendants, expiryMs: expiryHours * 3_600_000 };
}

export function parseMiningAddress(address: string | null): Buffer | undefined {
  if (address === null) return undefined;
  try {
    return addressToPubKeyHash(address);
  } catch (err) {
    throw new ConfigError(`setting "mining.address" is not usable: ${errorMessage(err)}`);
  }
}
