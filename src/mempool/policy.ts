/** Standardness (Bitcoin Core's IsStandardTx, scaled): what this pool relays and mines, on top of validity. */
import type { Transaction } from '../primitives/tx.js';
import {
  COINBASE_RESERVE_BYTES,
  ENTRY_OVERHEAD_BYTES,
  FEE_RATE_UNIT_BYTES,
  INPUT_OVERHEAD_BYTES,
  type MempoolPolicy,
  OUTPUT_OVERHEAD_BYTES,
  PACKAGE_MARGIN_BYTES,
} from './constants.js';
import { MempoolError } from './errors.js';
import type { PoolTx } from './pool-tx.js';

/** Throws MempoolError when `tx` is too large or has too many inputs or outputs to pool, relay or mine. */
export function checkStandard(tx: Transaction, policy: MempoolPolicy, maxBlockBytes: number): void {
  const size = tx.size;
  const blockRoom = maxBlockBytes - COINBASE_RESERVE_BYTES;
  if (size > policy.maxTxBytes) {
    throw new MempoolError('tx-size', `transaction ${tx.txidHex} is ${size} bytes, more than the ${policy.maxTxBytes} a standard transaction may have (txpool.maxTxBytes)`);
  }
  if (size > blockRoom) {
    throw new MempoolError('tx-exceeds-block-size', `transaction ${tx.txidHex} is ${size} bytes, more than the ${blockRoom} a block can hold next to its coinbase, so it could never be mined`);
  }
  if (tx.inputs.length > policy.maxTxInputs) {
    throw new MempoolError('too-many-inputs', `transaction ${tx.txidHex} has ${tx.inputs.length} inputs, more than the ${policy.maxTxInputs} a standard transaction may have (txpool.maxTxInputs)`);
  }
  if (tx.outputs.length > policy.maxTxOutputs) {
    throw new MempoolError('too-many-outputs', `transaction ${tx.txidHex} has ${tx.outputs.length} outputs, more than the ${policy.maxTxOutputs} a standard transaction may have (txpool.maxTxOutputs)`);
  }
}

/**
 * Core's ancestor/descendant limits (`ancestors`: the tx's in-pool ancestors, or more than
 * maxAncestors of them: PoolIndex.ancestorsOfNew stops there): long unconfirmed
 * chains cost every node work on each change, and a package must still fit a block.
 */
export function checkChainLimits(tx: Transaction, ancestors: ReadonlySet<PoolTx>, policy: MempoolPolicy): void {
const { maxAncestors, maxDescendants, maxTxBytes } = policy;
  const packageLimit = maxTxBytes + PACKAGE_MARGIN_BYTES;
  const size = tx.size;
  if (ancestors.size + 1 > maxAncestors) {
    throw new MempoolError(
      'too-many-ancestors',
      `transaction ${tx.txidHex} has ${ancestors.size > maxAncestors ? `more than ${maxAncestors}` : ancestors.size} unconfirmed ancestors in the pool, more than the ${maxAncestors - 1} allowed (txpool.maxAncestors); wait for a block to confirm them`,
    );
  }
  let ancestorBytes = size;
  for (const a of ancestors) ancestorBytes += a.entry.size;
  if (ancestorBytes > packageLimit) {
    throw new MempoolError('too-many-ancestors', `transaction ${tx.txidHex} and its unconfirmed ancestors total ${ancestorBytes} bytes, more than the ${packageLimit} allowed; wait for a block to confirm them`);
  }
  for (const a of ancestors) {
    if (a.descCount + 1 > maxDescendants) {
      throw new MempoolError(
        'too-many-descendants',
        `transaction ${tx.txidHex} would give pooled transaction ${a.entry.tx.txidHex} more than ${maxDescendants} unconfirmed descendants (itself included, txpool.maxDescendants); wait for a block to confirm them`,
      );
    }
    if (a.descSize + size > packageLimit) {
      throw new MempoolError('too-many-descendants', `transaction ${tx.txidHex} would make pooled transaction ${a.entry.tx.txidHex} and its unconfirmed descendants exceed ${packageLimit} bytes; wait for a block to confirm them`);
    }
  }
}

/** Throws MempoolError when `rate` (feeRate) is below the pool's current minimum `minRate` (RollingMinFee). */
export function checkMinFee(tx: Transaction, rate: number, minRate: number): void {
  if (rate < minRate) {
    throw new MempoolError(
      'mempool-min-fee-not-met',
      `transaction ${tx.txidHex} pays ${formatFeeRate(rate)}, below the pool's current minimum of ${formatFeeRate(minRate)} (it was full recently); pay a higher fee or retry later`,
      undefined,
      { feeRate: rate },
    );
  }
}

/** Estimated memory a pool entry for `tx` holds (what txpool.maxBytes bounds). */
export function entryUsage(tx: Transaction): number {
  return tx.size + ENTRY_OVERHEAD_BYTES + tx.inputs.length * INPUT_OVERHEAD_BYTES + tx.outputs.length * OUTPUT_OVERHEAD_BYTES;
}

/** Coins per FEE_RATE_UNIT_BYTES. Fees stay below MAX_MONEY < 2^53, so a double holds them exactly. */
export function feeRate(fee: number, size: number): number {
  return size > 0 ? (fee * FEE_RATE_UNIT_BYTES) / size : 0;
}

/** A fee rate for messages: at most 3 decimals, with its unit. */
export function formatFeeRate(rate: number): string {
  return `${Number(rate.toFixed(3))} coins/kB`;
}
