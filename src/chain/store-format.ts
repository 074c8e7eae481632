/**
 * The chain database's layout version (meta 'format'): written at the first open by a build that
 * knows it, and checked at every open, so a later layout change can be recognised (and an older
 * build refuses a newer database in one sentence instead of misreading it).
 */
import { STORE_FORMAT_VERSION } from './constants.js';
import { StorageError } from './errors.js';
import type { ChainStore } from './store/store.js';

export function checkStoreFormat(store: ChainStore): void {
  const version = store.formatVersion();
  // Older layouts this build reads as they are (constants.ts): marked current, so an older build refuses them once this one wrote.
  if (version === undefined || version < STORE_FORMAT_VERSION) {
    store.transaction(() => store.setFormatVersion(STORE_FORMAT_VERSION));
    return;
  }
  if (version > STORE_FORMAT_VERSION) {
    throw new StorageError(
      'storage-open-failed',
      `the chain database at ${store.path} has layout version ${version}, newer than this build reads (${STORE_FORMAT_VERSION}); run a newer kadchain or use another data dir`,
    );
  }
}
