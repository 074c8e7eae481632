import { KadchainError } from '../util/errors.js';

/**
 * Why an explorer lookup failed. The RPC layer maps each code to Bitcoin Core's number
 * (src/rpc/errors.ts): not-found -5, bad-ref and out-of-range -8, index-syncing and no-genesis -28.
 */
export type ExplorerErrorCode =
  /** No such block, or no such mempool or blockchain transaction. */
  | 'not-found'
  /** A block reference, txid or page cursor that is not of the expected form. */
  | 'bad-ref'
  /** A height past the tip, or a page size beyond its bound. */
  | 'out-of-range'
  /** The index has not reached the block the answer depends on yet. */
  | 'index-syncing'
  /** The node has no chain yet. */
  | 'no-genesis'
  /** The index database cannot be opened or written (names its directory). */
  | 'index-unavailable';

export class ExplorerError extends KadchainError<ExplorerErrorCode> {}
