/** What a VerifyPool (pool.ts) is made with, and what it reports. */
import type { Logger } from '../../util/logger.js';

export interface VerifyPoolOptions {
  /** Threads that verify, the calling thread included (threads - 1 workers); default os.availableParallelism(). 0 or 1 verifies on the calling thread alone. */
  threads?: number;
  /** Batches with fewer items verify inline (worker round trips would cost more than they save). */
  inlineMaxItems?: number;
  /** Worker script (tests substitute a failing one). */
  workerUrl?: URL;
  /** Cost units (about signatures, constants.ts) one worker may hold at once; tests pass a smaller bound. */
  maxItemsPerWorker?: number;
  /** A worker with nothing to do for this long stops (default VERIFY_WORKER_IDLE_MS). */
  idleMs?: number;
  logger?: Logger;
}

/** What the workers did since the pool started (summed over workers, replaced ones included). */
export interface VerifyPoolStats {
  /** Time the workers spent verifying. */
  readonly busyMs: number;
  /** Time a worker sat with no chunk between two chunks: the pipeline starved it. */
  readonly idleMs: number;
  /** Signatures waiting in the pool: for a worker with room, or the caller's share. */
  readonly queuedItems: number;
  /** Signatures each live worker holds now. */
  readonly itemsPerWorker: readonly number[];
  /** Signatures handed to verify() so far, inline or to the workers (what peers made us check). */
  readonly itemsVerified: number;
  /** Time the calling thread spent verifying chunks (its share of split batches, and chunks no worker had room for). */
  readonly callerMs: number;
  /** Signatures in those chunks (batches under inlineMaxItems, verified inline, are counted in itemsVerified only). */
  readonly callerItems: number;
  /** Workers started (each retired after idleMs, or failed, and started again counts anew). */
  readonly workersStarted: number;
  /** Workers that failed: their code did not load, they crashed, or broke the protocol. */
  readonly workerFailures: number;
}
