/**
 * The read-only checks a Chain offers the node operator (gettxoutsetinfo, verifychain), each on
 * its own snapshot of the store: they write nothing and yield between slices of work, so block
 * processing goes on meanwhile. The Chain's close() stops them (stop()) before the store closes.
 *
 * One run of each kind at a time (a second call is refused with CheckError 'check-busy'): a
 * verifychain holds a full in-memory copy of the UTXO set, and each run an LMDB read transaction
 * that keeps the file from reusing pages, for minutes on a long chain. A caller's AbortSignal
 * (the RPC request's connection closed) stops its run at the next slice.
 */
import { CheckError, StorageError } from './errors.js';
import type { ChainParams } from './params.js';
import type { ChainSnapshot } from './store/snapshot.js';
import type { ChainStore } from './store/store.js';
import { type UtxoSetInfo, utxoSetInfo } from './utxo-digest.js';
import { type VerifyChainResult, verifyChain } from './verify-chain.js';
import type { VerifyPool } from './verify-pool/index.js';

type CheckKind = 'verifychain' | 'gettxoutsetinfo';

export class SnapshotChecks {
  private readonly running = new Set<Promise<unknown>>();
  /** When the running check of each kind started (ms since the epoch). */
  private readonly startedAtMs = new Map<CheckKind, number>();
  private stopped = false;

  constructor(
    private readonly store: ChainStore,
    private readonly params: ChainParams,
    private readonly pool: VerifyPool,
  ) {}

  utxoSetInfo(signal?: AbortSignal): Promise<UtxoSetInfo> {
    return this.onSnapshot('gettxoutsetinfo', signal, (snapshot, shouldStop) => utxoSetInfo(snapshot, shouldStop));
  }

  /** `depth` 0 re-validates every block in full. */
  verifyChain(depth: number, onProgress?: (height: number, tipHeight: number) => void, signal?: AbortSignal): Promise<VerifyChainResult> {
    return this.onSnapshot('verifychain', signal, (snapshot, shouldStop) =>
      verifyChain(snapshot, { params: this.params, depth, pool: this.pool, shouldStop, ...(onProgress ? { onProgress } : {}) }),
    );
  }

  /** Running checks end at their next slice (rejecting with 'storage-closed'); resolves once they have. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.running]);
  }

  private onSnapshot<T>(kind: CheckKind, signal: AbortSignal | undefined, check: (snapshot: ChainSnapshot, shouldStop: () => boolean) => Promise<T>): Promise<T> {
    if (this.stopped) return Promise.reject(new StorageError('storage-closed', `the chain database at ${this.store.path} is closed`));
    const startedAtMs = this.startedAtMs.get(kind);
    if (startedAtMs !== undefined) {
      const agoSec = Math.round((Date.now() - startedAtMs) / 1000);
      return Promise.reject(new CheckError('check-busy', `${kind} is already running (started ${new Date(startedAtMs).toISOString()}, ${agoSec} s ago); wait for it to finish`));
    }
    if (signal?.aborted) return Promise.reject(aborted(kind));
    this.startedAtMs.set(kind, Date.now());
    const snapshot = this.store.snapshot();
    const shouldStop = (): boolean => this.stopped || signal?.aborted === true;
    const running = check(snapshot, shouldStop)
      .catch((err: unknown) => {
        // Stopped because the caller went away, not because the chain is closing: say so.
        if (signal?.aborted && !this.stopped && err instanceof StorageError && err.code === 'storage-closed') throw aborted(kind);
        throw err;
      })
      .finally(() => {
        snapshot.done();
        this.startedAtMs.delete(kind);
        this.running.delete(running);
      });
    this.running.add(running);
    return running;
  }
}

function aborted(kind: CheckKind): CheckError {
  return new CheckError('check-aborted', `${kind} stopped: whoever asked for it went away (the RPC connection closed)`);
}
