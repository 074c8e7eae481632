import { KadchainError } from '../util/errors.js';

export type MinerErrorCode =
  /** Nothing to build on: the chain has no genesis block yet. */
  | 'no-genesis'
  /** No address to pay the coinbase to (the wallet has no key yet). */
  | 'no-mining-address'
  /** stop() was called while this block was being mined. */
  | 'mining-stopped'
  /** The proof-of-work worker thread failed. */
  | 'pow-worker-failed';

export class MinerError extends KadchainError<MinerErrorCode> {}
