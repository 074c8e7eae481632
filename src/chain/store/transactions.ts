/**
 * The chain store's write transactions and their per-transaction pending state: the UTXO changes
 * (pending-coins.ts) and the tip, both held in memory and written out just before the top-level
 * transaction commits, plus batch()'s flattened child transactions. Every write still commits
 * with the transaction that made it, so crash safety is unchanged (layout.ts).
 */
import type { RootDatabase } from 'lmdb';
import { StorageError } from '../errors.js';
import type { BlockSequence } from './block-seq.js';
import { throwCommitFailure } from './commit-failure.js';
import { type BinaryDb, TIP_KEY } from './layout.js';
import { PendingCoins, type StoredCoins } from './pending-coins.js';

export class StoreTransactions {
  /** UTXO changes of the open transaction (pending-coins.ts); undefined outside transaction(). */
  private pending: PendingCoins | undefined;
  /**
   * The tip the open transaction set (null: removed; undefined: untouched), written once just
   * before it commits: a commit group connects many blocks, and each moved the tip (an LMDB put
   * per block). The same commit still holds it, so crash safety is unchanged.
   */
  private pendingTip: Buffer | null | undefined;
  /** Set while batch() runs: nested transaction() calls then run in its child transaction, without one of their own. */
  private batching = false;
  /** A nested transaction() inside the running batch() threw (even if its caller caught it): the batch must not commit. */
  private batchBroken = false;

  constructor(
    private readonly path: string,
    private readonly env: RootDatabase,
    private readonly meta: BinaryDb,
    /** The coins and addrs databases as the pending coins' backing store. */
    private readonly storedCoins: StoredCoins,
    /** Throws once the store is closed. */
    private readonly assertOpen: () => void,
    /** Keys of stored blocks' data: the numbers an aborted transaction took are given back. */
    private readonly blockSeq: BlockSequence,
  ) {}

  /** The open transaction's UTXO changes; undefined outside a transaction. */
  get coins(): PendingCoins | undefined {
    return this.pending;
  }

  /** The active tip's hash as reads see it: the one the open transaction set (or removed), else the committed one. */
  tipHash(): Buffer | undefined {
    const pendingTip = this.pendingTip;
    if (pendingTip !== undefined) return pendingTip ?? undefined;
    return this.meta.get(TIP_KEY);
  }

  /** Inside a transaction; written once at its end (see pendingTip). `method` names the caller in a misuse error. */
  setTip(method: string, hash: Buffer | null): void {
    this.writer(method);
    this.pendingTip = hash;
  }

  /**
   * Runs `fn` in one synchronous LMDB write transaction; a throw aborts every write it made. Reads
   * inside see its writes. A nested call is a child transaction: its throw undoes its own writes
   * (coins included) and leaves the parent's.
   */
  transaction<T>(fn: () => T): T {
    this.assertOpen();
    const parent = this.pending;
    if (parent && this.batching) {
      try {
        return fn();
      } catch (err) {
        // Its writes cannot be undone alone here: the whole batch is (see batch()).
        this.batchBroken = true;
        throw new StorageError('storage-batch-aborted', `a write inside a batch of the chain database at ${this.path} failed; the batch is undone`, { cause: err });
      }
    }
    if (parent) {
      const mark = parent.mark();
      const tipMark = this.pendingTip;
      const seqMark = this.blockSeq.mark();
      try {
        return this.env.transactionSync(fn);
      } catch (err) {
        parent.rollback(mark);
        this.pendingTip = tipMark;
        this.blockSeq.rollback(seqMark);
        throw err;
      }
    }
    return this.env.transactionSync(() => this.withPendingCoins(fn));
  }

  /**
   * Runs `fn` as one child transaction in which nested transaction() calls get no child of their
   * own: an LMDB child transaction costs this thread ~25 µs (mdb_txn_begin allocates a 3 MB dirty
   * list and free list, commit frees them; measured with perf), as much as the rest of connecting
   * a coinbase-only block. The price: a nested transaction that throws no longer undoes only its
   * own writes, so any throw inside (even one its caller caught) undoes the whole batch, which
   * throws StorageError 'storage-batch-aborted' or the original error; the caller then redoes the
   * work one child transaction per part (BlockProcessor.connectChained). Only inside a transaction.
   */
  batch<T>(fn: () => T): T {
    this.writer('batch');
    if (this.batching) throw new StorageError('storage-misuse', 'ChainStore.batch cannot nest inside another batch');
    return this.transaction(() => {
      this.batching = true;
      this.batchBroken = false;
      try {
        const result = fn();
        if (this.batchBroken) throw new StorageError('storage-batch-aborted', `a write inside a batch of the chain database at ${this.path} failed and was caught; the batch is undone`);
        return result;
      } finally {
        this.batching = false;
      }
    });
  }

  /**
   * transaction(), except that the commit and its fsync run on lmdb-js's writer thread: the
   * calling thread goes on (network, signature dispatch) meanwhile. `fn` still runs on the calling
   * thread, later, when the writer thread holds the transaction; a throw aborts every write it
   * made (an abortable child of lmdb-js's batch: a plain async callback that throws would commit
   * its earlier writes). Resolves with fn's result once the commit is durable.
   */
  transactionAsync<T>(fn: () => T): Promise<T> {
    this.assertOpen();
    if (this.pending) throw new StorageError('storage-misuse', 'ChainStore.transactionAsync cannot nest inside another transaction');
    return this.env.childTransaction(() => this.withPendingCoins(fn)).catch((err: unknown) => throwCommitFailure(this.path, err));
  }

  /** The open transaction's pending coins; throws when called outside one. */
  writer(method: string): PendingCoins {
    if (!this.pending) throw new StorageError('storage-misuse', `ChainStore.${method} must run inside transaction()`);
    return this.pending;
  }

  /** Runs a top-level transaction's body with its PendingCoins, written out at its end. */
  private withPendingCoins<T>(fn: () => T): T {
    const pending = new PendingCoins(this.storedCoins);
    this.pending = pending;
    this.pendingTip = undefined;
    const seqMark = this.blockSeq.mark();
    try {
      const result = fn();
      pending.writeOut();
      if (this.pendingTip === null) this.meta.removeSync(TIP_KEY);
      else if (this.pendingTip) this.meta.putSync(TIP_KEY, this.pendingTip);
      return result;
    } catch (err) {
      this.blockSeq.rollback(seqMark);
      throw err;
    } finally {
      this.pending = undefined;
      this.pendingTip = undefined;
    }
  }
}
