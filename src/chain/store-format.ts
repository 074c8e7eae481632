/**
 * The chain database's layout version (meta 'format'): written at the first open by a build that
 * knows it, and checked at every open, so a later layout change can be recognised (and an older
 * build refuses a newer database in one sentence instead of misreading it).
 */
import { STORE_FORMAT_VERSION } from './constants.js';
import type { Logger } from '../util/logger.js';
import { StorageError } from './errors.js';
import type { ChainStore } from './store/store.js';

export function checkStoreFormat(store: ChainStore, logger: Logger): void {
  const version = store.formatVersion();
  // Older layouts are upgraded once (store/upgrade.ts), in one transaction with the new version, so an older build refuses them afterwards.
  if (version === undefined || version < STORE_FORMAT_VERSION) {
    if (!store.hasAnyIndexEntry()) {
      store.transaction(() => store.setFormatVersion(STORE_FORMAT_VERSION));
      return;
    }
    logger.info({ path: store.path, from: version ?? 1, to: STORE_FORMAT_VERSION }, 'upgrading the chain database layout (once; an older kadchain cannot open it afterwards)');
    const startMs = Date.now();
    const summary = store.transaction(() => {
      const done = store.upgradeLayout();
      store.setFormatVersion(STORE_FORMAT_VERSION);
      return done;
    });
    logger.info({ path: store.path, ...summary, elapsedMs: Date.now() - startMs }, 'upgraded the chain database layout');
    return;
  }
  if (version > STORE_FORMAT_VERSION) {
    throw new StorageError(
      'storage-open-failed',
      `the chain database at ${store.path} has layout version ${version}, newer than this build reads (${STORE_FORMAT_VERSION}); run a newer kadchain or use another data dir`,
    );
  }
}
