/**
 * The read-only checks a Chain offers the node operator (gettxoutsetinfo, verifychain), each on
 * its own snapshot of the store: they write nothing and yield between slices of work, so block
 * processing goes on meanwhile. The Chain's close() stops them (stop()) before the store closes.
 */
import { StorageError } from './errors.js';
import type { ChainParams } from './params.js';
import type { ChainSnapshot } from './store/snapshot.js';
import type { ChainStore } from './store/store.js';
import { type UtxoSetInfo, utxoSetInfo } from './utxo-digest.js';
import { type VerifyChainResult, verifyChain } from './verify-chain.js';
import type { VerifyPool } from './verify-pool/pool.js';

export class SnapshotChecks {
  private readonly running = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly store: ChainStore,
    private readonly params: ChainParams,
    private readonly pool: VerifyPool,
  ) {}

  utxoSetInfo(): Promise<UtxoSetInfo> {
    return this.onSnapshot((snapshot) => utxoSetInfo(snapshot, () => this.stopped));
  }

  /** `depth` 0 re-validates every block in full. */
  verifyChain(depth: number, onProgress?: (height: number, tipHeight: number) => void): Promise<VerifyChainResult> {
    return this.onSnapshot((snapshot) =>
      verifyChain(snapshot, { params: this.params, depth, pool: this.pool, shouldStop: () => this.stopped, ...(onProgress ? { onProgress } : {}) }),
    );
  }

  /** Running checks end at their next slice (rejecting with 'storage-closed'); resolves once they have. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.running]);
  }

  private onSnapshot<T>(check: (snapshot: ChainSnapshot) => Promise<T>): Promise<T> {
    if (this.stopped) return Promise.reject(new StorageError('storage-closed', `the chain database at ${this.store.path} is closed`));
    const snapshot = this.store.snapshot();
    const running = check(snapshot).finally(() => {
      snapshot.done();
      this.running.delete(running);
    });
    this.running.add(running);
    return running;
  }
}
