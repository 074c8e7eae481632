import type { Block, BlockHeader } from '../primitives/block.js';
import type { OutPoint } from '../primitives/tx.js';
import type { StorageError } from './errors.js';

/** An unspent output as the UTXO set stores it. */
export interface Coin {
  readonly amount: bigint;
  readonly pubKeyHash: Buffer;
  /** Height of the block that created it. */
  readonly height: number;
  readonly isCoinbase: boolean;
}

export interface CoinEntry {
  readonly outpoint: OutPoint;
  readonly coin: Coin;
}

/** Read access to unspent outputs: what transaction validation needs. */
export interface CoinView {
  getCoin(outpoint: OutPoint): Coin | undefined;
}

export interface ChainTip {
  readonly hash: Buffer;
  readonly height: number;
  /** Sum of expected hashes of every block from genesis to the tip: fork choice compares this. */
  readonly chainWork: bigint;
  readonly header: BlockHeader;
}

export type ProcessBlockStatus =
  /** Extended the active chain. */
  | 'connected'
  /** Made a side branch the active chain: see `disconnected` / `connected`. */
  | 'reorganized'
  /** Valid so far and stored, but its branch has no more work than the active chain. */
  | 'side-branch'
  /** Already known. */
  | 'duplicate';

export interface ProcessBlockResult {
  readonly status: ProcessBlockStatus;
  readonly hash: Buffer;
  /** Blocks taken off the active chain, tip first (reorg only). */
  readonly disconnected: readonly Block[];
  /** Blocks put on the active chain, oldest first (includes this block when it became active). */
  readonly connected: readonly Block[];
}

/** Events a Chain emits after each LMDB commit, in chain order. */
export interface ChainEvents {
  /** A block joined the active chain. */
  'block:connected': [block: Block];
  /** A block left the active chain (reorg), tip first. */
  'block:disconnected': [block: Block];
  /** A commit could not be written (a full disk, an I/O error): the node cannot go on (Core's AbortNode). */
  'storage:failed': [error: StorageError];
}
