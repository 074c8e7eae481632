import { KadchainError } from '../util/errors.js';

/**
 * Local policy rejections: the transaction may be perfectly valid, this pool just will not take
 * it now. Unlike ValidationError they say nothing bad about the peer that sent it.
 */
export type MempoolErrorCode =
  | 'txn-already-in-mempool'
  /** Already confirmed: an output of it is in the UTXO set. */
  | 'txn-already-known'
  /** Spends an output that a pooled transaction already spends (no replacement). */
  | 'txn-mempool-conflict'
  /** The pool is full and the tx does not pay a higher fee rate than what it would evict. */
  | 'mempool-full'
  /** The fee rate is below the pool's rolling minimum (raised by evictions, decaying). */
  | 'mempool-min-fee-not-met'
  /** Coinbases only exist inside blocks. */
  | 'coinbase-not-allowed'
  /** Larger than txpool.maxTxBytes. */
  | 'tx-size'
  /** Larger than any block can hold next to its coinbase: it could never be mined. */
  | 'tx-exceeds-block-size'
  | 'too-many-inputs'
  | 'too-many-outputs'
  /** More unconfirmed ancestors than txpool.maxAncestors (or their bytes over the package limit). */
  | 'too-many-ancestors'
  /** An ancestor would get more unconfirmed descendants than txpool.maxDescendants (or bytes). */
  | 'too-many-descendants'
  /**
   * Spends a block reward that is not mature yet. Consensus-invalid in a block, but only a
   * refusal here: an honest peer can send it just before (or across a reorg of) the block that
   * makes it valid.
   */
  | 'bad-txns-premature-spend-of-coinbase';

/** When a refusal a block can lift is lifted: a retry before that would be refused again. */
export interface MempoolRefusalCondition {
  /** 'bad-txns-premature-spend-of-coinbase': the first spend height at which every reward it spends is mature. */
  readonly spendableFromHeight?: number;
  /** 'mempool-min-fee-not-met': the tx's fee rate, admissible once the pool's minimum falls to it. */
  readonly feeRate?: number;
}

export class MempoolError extends KadchainError<MempoolErrorCode> {
  /** For 'txn-mempool-conflict': the pooled transaction that already spends the output. */
  readonly conflictingTxid?: Buffer;
  readonly condition?: MempoolRefusalCondition;

  constructor(code: MempoolErrorCode, message: string, conflictingTxid?: Buffer, condition?: MempoolRefusalCondition) {
    super(code, message);
    if (conflictingTxid) this.conflictingTxid = conflictingTxid;
    if (condition) this.condition = condition;
  }
}

/** Why a transaction left the pool (second argument of 'tx:removed'). */
export const RemovalReason = {
  /** Included in a connected block. */
  Confirmed: 'confirmed',
  /** A connected block spends one of its inputs (or an ancestor's). */
  BlockConflict: 'block-conflict',
  /** After a reorg an input (or an ancestor's input) no longer exists. */
  InputsMissing: 'inputs-missing',
  /** After a reorg it (or an ancestor) spends a block reward that is no longer mature. */
  ImmatureCoinbase: 'immature-coinbase',
  /** Evicted, with its descendants, to make room for transactions paying a higher fee rate. */
  SizeLimit: 'size-limit',
  /** Older than txpool.expiryHours (or a descendant of such a tx). */
  Expired: 'expired',
} as const;
export type RemovalReason = (typeof RemovalReason)[keyof typeof RemovalReason];
