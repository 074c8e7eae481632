/**
 * Planning and applying a switch of the active chain to the branch ending at a new block:
 * disconnect down to the fork point, connect the branch. applyBranch runs inside one LMDB
 * transaction, so a block failing halfway leaves the old chain untouched.
 */
import type { Block } from '../primitives/block.js';
import { connectBlock, disconnectBlock } from './connect.js';
import { ValidationCode as Code, StorageError, ValidationError } from './errors.js';
import type { ChainParams } from './params.js';
import type { IndexEntry } from './store/codecs.js';
import type { ChainStore } from './store/store.js';

export interface BranchPlan {
  /** Active-chain block hashes to take off, tip first. */
  readonly disconnect: readonly Buffer[];
  /** Block hashes to put on, oldest first; the last one is the new block. */
  readonly connect: readonly Buffer[];
  /** Height of the last block both chains share (-1 when there is no active chain yet). */
  readonly forkHeight: number;
}

/** A block of the new branch failed contextual validation; the transaction was aborted. */
export class BranchConnectError extends Error {
  constructor(
    /** Index into BranchPlan.connect of the block that failed. */
    readonly failedIndex: number,
    readonly failedHash: Buffer,
    readonly validationError: ValidationError,
  ) {
    super(validationError.message);
  }
}

/**
 * Walks from the new block's parent back to the active chain. Throws ValidationError
 * 'bad-prevblk' if an ancestor on the way is known invalid.
 */
export function planBranch(store: ChainStore, newEntry: IndexEntry, tipHeight: number | undefined, tipHash?: Buffer): BranchPlan {
  const connect: Buffer[] = [newEntry.header.hash];
  // The common case, every block of a sync: the new block extends the tip. The caller's tip is
  // the store's (same transaction), so the walk below would only re-read what it already knows.
  if (tipHeight !== undefined && tipHash && newEntry.header.height === tipHeight + 1 && newEntry.header.prevHash.equals(tipHash)) {
    return { disconnect: [], connect, forkHeight: tipHeight };
  }
  const corrupt = (what: string): StorageError => new StorageError('storage-corrupt', `the chain database at ${store.path} is inconsistent: ${what}`);
  let forkHeight = -1;
  if (newEntry.header.height > 0) {
    let cursor = store.getIndex(newEntry.header.prevHash);
    for (;;) {
      if (!cursor) throw corrupt(`an ancestor of block ${newEntry.header.hashHex} is missing from the block index`);
      const { header } = cursor;
      if (store.getHashAtHeight(header.height)?.equals(header.hash)) break;
      if (cursor.status === 'invalid') {
        throw new ValidationError(Code.InvalidAncestor, `block ${newEntry.header.hashHex} descends from block ${header.hashHex}, which is invalid`);
      }
      connect.unshift(header.hash);
      if (header.height === 0) throw corrupt(`block ${newEntry.header.hashHex} descends from a different genesis block`);
      cursor = store.getIndex(header.prevHash);
    }
    forkHeight = cursor.header.height;
  }
  const disconnect: Buffer[] = [];
  for (let height = tipHeight ?? -1; height > forkHeight; height--) {
    const hash = store.getHashAtHeight(height);
    if (!hash) throw corrupt(`the active chain has no block at height ${height}`);
    disconnect.push(hash);
  }
  return { disconnect, connect, forkHeight };
}

export interface BranchResult {
  readonly disconnected: Block[];
  readonly connected: Block[];
}

/**
 * Must run inside store.transaction(). `newBlock` is the plan's last block (not read from disk,
 * as the caller may not have stored it yet). Throws BranchConnectError on a ValidationError.
 */
export function applyBranch(store: ChainStore, plan: BranchPlan, newBlock: Block, params: ChainParams): BranchResult {
  const load = (hash: Buffer): Block => {
    if (hash.equals(newBlock.hash)) return newBlock;
    const block = store.getBlock(hash);
    if (!block) throw new StorageError('storage-corrupt', `the chain database at ${store.path} is missing the data of block ${hash.toString('hex')}`);
    return block;
  };
  const disconnected: Block[] = [];
  for (const hash of plan.disconnect) {
    const block = load(hash);
    disconnectBlock(store, block);
    disconnected.push(block);
  }
  const connected: Block[] = [];
  for (const [i, hash] of plan.connect.entries()) {
    const block = load(hash);
    try {
      connectBlock(store, block, params);
    } catch (err) {
      if (err instanceof ValidationError) throw new BranchConnectError(i, hash, err);
      throw err;
    }
    connected.push(block);
  }
  return { disconnected, connected };
}
