import { StorageError } from './errors.js';
import type { ChainStore } from './store/store.js';
import type { ChainTip } from './types.js';

/** Reads the stored tip and checks the records that must agree with it. */
export function loadTip(store: ChainStore): ChainTip | undefined {
  const hash = store.getTipHash();
  if (!hash) {
    if (store.getHashAtHeight(0)) throw new StorageError('storage-corrupt', `the chain database at ${store.path} has blocks but no tip; rebuild the chain state with: cli start --reindex`);
    return undefined;
  }
  const entry = store.getIndex(hash);
  const problem = !entry
    ? 'its block index entry is missing'
    : !store.hasBlock(hash)
      ? 'its block data is missing'
      : !store.getHashAtHeight(entry.header.height)?.equals(hash)
        ? 'the height index disagrees'
        : entry.status !== 'valid'
          ? 'it is marked invalid'
          : undefined;
  if (problem || !entry) {
    throw new StorageError('storage-corrupt', `the chain database at ${store.path} is inconsistent: tip ${hash.toString('hex')} is unusable (${problem}); rebuild the chain state from the stored blocks with: cli start --reindex`);
  }
  return { hash, height: entry.header.height, chainWork: entry.chainWork, header: entry.header };
}
