/**
 * What Chain.open does to the database before it builds the chain on it: the layout check (and
 * upgrade: store-format.ts), the genesis pin (genesis-pin.ts), and a reindex when one was asked
 * for or is unfinished (reindex.ts).
 */
import type { ChainOptions } from './chain.js';
import { checkGenesisPin } from './genesis-pin.js';
import { reindexChain } from './reindex.js';
import type { ChainStore } from './store/store.js';
import { checkStoreFormat } from './store-format.js';

export async function prepareStore(store: ChainStore, options: ChainOptions): Promise<void> {
  checkStoreFormat(store, options.logger.child({ component: 'chain' }));
  // Before any reindex: a wrong --genesis must not wipe and rebuild the state only to fail
  // then. Height 0 stays indexed through a reindex (reindex.ts), so this holds mid-reindex too.
  checkGenesisPin(options.path, store.getHashAtHeight(0), options.params.genesisHash);
  if (options.reindex === true || store.reindexPending()) {
    await reindexChain({
      store,
      params: options.params,
      logger: options.logger.child({ component: 'reindex' }),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.verifyThreads !== undefined ? { verifyThreads: options.verifyThreads } : {}),
    });
  }
}
