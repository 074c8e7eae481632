/**
 * Recording blocks found invalid, so they and anything building on them are refused without
 * re-validation. Each runs in its own (child) LMDB transaction; a failure to record is logged,
 * not thrown, as the caller is already reporting the block's own error.
 */
import type { BlockHeader } from '../primitives/block.js';
import { compactToTarget, workForTarget } from '../primitives/pow.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { invalidateStored } from './candidates.js';
import type { IndexEntry } from './store/codecs.js';
import type { ChainStore } from './store/store.js';

/** A stored block broke a rule: it and its stored descendants are invalid (candidates.ts). */
export function invalidateWithDescendants(store: ChainStore, logger: Logger, failed: IndexEntry): void {
  try {
    const descendants = store.transaction(() => invalidateStored(store, failed));
    logger.warn({ hash: failed.header.hashHex, height: failed.header.height, descendants: descendants.length }, 'marked a stored block and its descendants invalid');
  } catch (err) {
    logger.error({ err: errorMessage(err) }, 'could not record an invalid block');
  }
}

/**
 * Marks a new block's header invalid in the block index (no block data is kept for it), so the
 * block and anything building on it are refused without re-validation.
 */
export function recordInvalid(store: ChainStore, logger: Logger, header: BlockHeader, parent: IndexEntry | undefined): void {
  try {
    store.transaction(() => {
      const chainWork = (parent?.chainWork ?? 0n) + workForTarget(compactToTarget(header.bits));
      store.putIndex({ header, chainWork, status: 'invalid' });
    });
  } catch (err) {
    logger.error({ err: errorMessage(err) }, 'could not record an invalid block');
  }
}
