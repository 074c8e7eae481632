import { KadchainError } from '../util/errors.js';

/**
 * Local policy rejections: the transaction may be perfectly valid, this pool just will not take
 * it now. Unlike ValidationError they say nothing bad about the peer that sent it.
 */
export type MempoolErrorCode =
  | 'txn-already-in-mempool'
  /** Spends an output that a pooled transaction already spends (no replacement). */
  | 'txn-mempool-conflict'
  | 'mempool-full'
  /** Coinbases only exist inside blocks. */
  | 'coinbase-not-allowed';

export class MempoolError extends KadchainError<MempoolErrorCode> {
  /** For 'txn-mempool-conflict': the pooled transaction that already spends the output. */
  readonly conflictingTxid?: Buffer;

  constructor(code: MempoolErrorCode, message: string, conflictingTxid?: Buffer) {
    super(code, message);
    if (conflictingTxid) this.conflictingTxid = conflictingTxid;
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
} as const;
export type RemovalReason = (typeof RemovalReason)[keyof typeof RemovalReason];
