/**
 * Candidate tips: what Bitcoin Core's setBlockIndexCandidates is for, kept bounded. The store's
 * `tips` set holds stored valid side-branch blocks such that every stored valid block is on the
 * active chain or an ancestor of (or is) one of them: a stored side block enters it and takes its
 * parent out; a block found invalid leaves it with its stored descendants and hands its place
 * back to its parent; a switch of branch puts the old tip in and takes the new branch out. The
 * active tip itself is never in it, so extending the chain (the common case) writes nothing here.
 * The best branch to switch to is then found among a few entries ordered by work, and the stored
 * descendants of a failed block among the tips above its work, never by a scan of every block.
 */
import type { Block } from '../primitives/block.js';
import { StorageError } from './errors.js';
import type { IndexEntry } from './store/codecs.js';
import type { ChainStore } from './store/store.js';

/** Writes a side-branch block that passed every context-free check, with its index entry, and keeps the tips covering it. Inside a transaction. */
export function storeSideBlock(store: ChainStore, block: Block, entry: IndexEntry, parent: IndexEntry | undefined): void {
  store.putBlock(block, entry);
  store.putTip(entry);
  if (parent) store.removeTip(parent);
}

/**
 * After the active chain switched branch (inside the same transaction): the old tip is now a
 * side tip, and the blocks just connected are no longer candidates.
 */
export function branchSwitched(store: ChainStore, oldTip: IndexEntry | undefined, connected: readonly Buffer[]): void {
  if (oldTip && !isActive(store, oldTip)) store.putTip(oldTip);
  for (const hash of connected) {
    const entry = store.getIndex(hash);
    if (entry) store.removeTip(entry);
  }
}

function isActive(store: ChainStore, entry: IndexEntry): boolean {
  return store.getHashAtHeight(entry.header.height)?.equals(entry.header.hash) ?? false;
}

function indexOf(store: ChainStore, hash: Buffer): IndexEntry {
  const entry = store.getIndex(hash);
  if (!entry) throw new StorageError('storage-corrupt', `the chain database at ${store.path} is inconsistent: block ${hash.toString('hex')} is missing from the block index`);
  return entry;
}

function markInvalid(store: ChainStore, entries: readonly IndexEntry[]): void {
  for (const entry of entries) {
    store.putIndex({ ...entry, status: 'invalid' });
    store.removeTip(entry);
  }
}

/**
 * Marks the stored block `failed` invalid together with every stored descendant (Core's
 * BLOCK_FAILED_VALID and BLOCK_FAILED_CHILD), so none of them is connected or built on again.
 * Inside a transaction. Returns the descendants marked. `failed` must not be on the active chain.
 */
export function invalidateStored(store: ChainStore, failed: IndexEntry): IndexEntry[] {
  const descendants: IndexEntry[] = [];
  // Each stored descendant lies below a tip with more work; walk each such tip down to failed's
  // work: a descendant's path meets `failed` there. The active chain cannot descend from it.
  for (const hash of store.tipsAbove(failed.chainWork)) {
    const path: IndexEntry[] = [];
    let cursor = indexOf(store, hash);
    while (cursor.chainWork > failed.chainWork && !isActive(store, cursor)) {
      path.push(cursor);
      cursor = indexOf(store, cursor.header.prevHash);
    }
    if (cursor.header.hash.equals(failed.header.hash)) descendants.push(...path.filter((e) => e.status === 'valid'));
  }
  markInvalid(store, [failed, ...descendants]);
  if (failed.header.height > 0) {
    const parent = store.getIndex(failed.header.prevHash);
    if (parent?.status === 'valid' && !isActive(store, parent) && store.hasBlock(parent.header.hash)) store.putTip(parent);
  }
  return descendants;
}

/**
 * The stored block with the most work above `chainWork` whose branch back to the active chain
 * holds no invalid block: Core's FindMostWorkChain. Tips found to descend from an invalid block
 * are marked invalid on the way (BLOCK_FAILED_CHILD). Inside a transaction.
 */
export function findBestCandidate(store: ChainStore, chainWork: bigint): IndexEntry | undefined {
  for (const hash of store.tipsAbove(chainWork)) {
    const candidate = indexOf(store, hash);
    const path: IndexEntry[] = [];
    let invalidAt = -1;
    let missingData = false;
    for (let cursor = candidate; !isActive(store, cursor); cursor = indexOf(store, cursor.header.prevHash)) {
      if (cursor.status === 'invalid') invalidAt = path.length;
      else if (!store.hasBlock(cursor.header.hash)) missingData = true;
      path.push(cursor);
      if (cursor.header.height === 0) break; // a different genesis: planBranch reports it
    }
    if (invalidAt >= 0) {
      markInvalid(store, path.slice(0, invalidAt).filter((e) => e.status === 'valid'));
      store.removeTip(candidate);
      continue;
    }
    if (!missingData) return candidate;
  }
  return undefined;
}

/**
 * Databases written before the tips set existed: build it once from the block index (the only
 * full scan, at first open by this version). Returns true when it did.
 */
export function ensureTipIndex(store: ChainStore): boolean {
  if (store.tipIndexBuilt()) return false;
  const hadBlocks = store.getTipHash() !== undefined;
  store.transaction(() => {
    const leaves = new Map<string, IndexEntry>();
    const parents = new Set<string>();
    for (const entry of store.indexEntries()) {
      if (entry.status !== 'valid' || !store.hasBlock(entry.header.hash) || isActive(store, entry)) continue;
      leaves.set(entry.header.hashHex, entry);
      parents.add(entry.header.prevHash.toString('hex'));
    }
    for (const [hash, entry] of leaves) if (!parents.has(hash)) store.putTip(entry);
    store.setTipIndexBuilt(true);
  });
  return hadBlocks;
}
