/**
 * The chain's LMDB layout. Every mutating method must run inside `transaction()`, so a block
 * connect/disconnect (or a whole reorg) commits atomically: LMDB's copy-on-write B-tree means a
 * kill -9 leaves either the old or the new state, never a mix.
 *
 *   blocks   hash → encoded block
 *   index    hash → IndexEntry (header, chain work, status)
 *   heights  u32BE height → hash, active chain only
 *   coins    outPointKey → Coin (the UTXO set)
 *   addrs    pubKeyHash ‖ outPointKey → empty (so per-address coins are one range read)
 *   undo     hash → coins the block spent, in order (active chain only)
 *   meta     'tip' → hash of the active tip; 'tips-index' → 1 once `tips` is maintained;
 *            'reindex' → while a reindex (reindex.ts) has not finished: the tip it started from (or 1);
 *            'reindex-tip' → that reindex's progress (the last block it connected): 'tip' is only
 *            written by its final commit, so a build that knows no marker sees "blocks but no tip";
 *            'format' → u32BE layout version (STORE_FORMAT_VERSION), for later layout changes
 *   tips     chainWork u256BE ‖ hash → empty: side-branch candidate tips (candidates.ts), in work order
 */
import { type Database, type RootDatabase, open } from 'lmdb';
import { Block } from '../../primitives/block.js';
import { HASH_BYTES, PUBKEY_HASH_BYTES } from '../../primitives/hash.js';
import { type OutPoint, outPointFromKey, outPointKey } from '../../primitives/tx.js';
import { errorMessage } from '../../util/errors.js';
import { LMDB_MAX_DBS } from '../constants.js';
import { StorageError } from '../errors.js';
import type { Coin, CoinEntry, CoinView } from '../types.js';
import { type IndexEntry, decodeCoin, decodeIndexEntry, decodeUndo, encodeCoin, encodeIndexEntry, encodeUndo, heightKey, tipKey } from './codecs.js';
import { throwCommitFailure } from './commit-failure.js';
import { PendingCoins, type StoredCoins } from './pending-coins.js';
import { ChainSnapshot } from './snapshot.js';

const TIP_KEY = Buffer.from('tip');
const TIPS_INDEX_KEY = Buffer.from('tips-index');
const REINDEX_KEY = Buffer.from('reindex');
const REINDEX_TIP_KEY = Buffer.from('reindex-tip');
const FORMAT_KEY = Buffer.from('format');
const EMPTY = Buffer.alloc(0);
/** Past every outPointKey (36 bytes) under a pubKeyHash prefix: the exclusive end of a range read. */
const ADDR_RANGE_END_SUFFIX = Buffer.alloc(37, 0xff);

export const STORE_DB_NAMES = ['blocks', 'index', 'heights', 'coins', 'addrs', 'undo', 'meta', 'tips'] as const;
export type StoreDbName = (typeof STORE_DB_NAMES)[number];
export type BinaryDb = Database<Buffer, Buffer>;
/** The chain state a reindex rebuilds from the stored blocks and block index. */
const CHAIN_STATE_DBS: readonly StoreDbName[] = ['coins', 'addrs', 'undo', 'heights', 'tips'];

export class ChainStore implements CoinView {
  private closed = false;
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
  /** The coins and addrs databases as the pending coins' backing store. */
  private readonly storedCoins: StoredCoins = {
    read: (outpoint) => this.readStoredCoin(outpoint),
    write: (outpoint, coin) => {
      this.dbs.coins.putSync(outPointKey(outpoint), encodeCoin(coin));
      this.dbs.addrs.putSync(addrKey(coin.pubKeyHash, outpoint), EMPTY);
    },
    delete: (outpoint, coin) => {
      this.dbs.coins.removeSync(outPointKey(outpoint));
      this.dbs.addrs.removeSync(addrKey(coin.pubKeyHash, outpoint));
    },
  };

  private constructor(
    readonly path: string,
    private readonly env: RootDatabase,
    private readonly dbs: Record<StoreDbName, BinaryDb>,
  ) {}

  /** `readOnly`: for a check beside (or without) the node; a path without a database is an error then, not created. */
  static open(path: string, options: { readOnly?: boolean } = {}): ChainStore {
    try {
      // Durability (see docs/architecture.md, "Storage and crash safety"). overlappingSync is off:
      // a transactionSync commit would still flush on the calling thread, and transactionAsync
      // already moves the commit and its flush to lmdb-js's writer thread. noMetaSync: each
      // commit still fsyncs the data pages, but the meta page that points at them is left to the
      // next commit / OS writeback. kill -9: nothing lost (the page cache survives the process).
      // OS crash or power loss: the last committed block(s) may be undone, never a torn state —
      // LMDB's "ACI without D". ~6x cheaper per block than the default double flush.
      const env = open({ path, maxDbs: LMDB_MAX_DBS, overlappingSync: false, noMetaSync: true, eventTurnBatching: false, ...(options.readOnly === true ? { readOnly: true } : {}) });
      const dbs = {} as Record<StoreDbName, BinaryDb>;
      for (const name of STORE_DB_NAMES) dbs[name] = env.openDB<Buffer, Buffer>({ name, keyEncoding: 'binary', encoding: 'binary' });
      return new ChainStore(path, env, dbs);
    } catch (err) {
      throw new StorageError('storage-open-failed', `cannot open the chain database at ${path}: ${errorMessage(err)}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.env.close();
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
      try {
        return this.env.transactionSync(fn);
      } catch (err) {
        parent.rollback(mark);
        this.pendingTip = tipMark;
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
   * work one child transaction per part (Chain.connectChained). Only inside a transaction.
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

  /** Runs a top-level transaction's body with its PendingCoins, written out at its end. */
  private withPendingCoins<T>(fn: () => T): T {
    const pending = new PendingCoins(this.storedCoins);
    this.pending = pending;
    this.pendingTip = undefined;
    try {
      const result = fn();
      pending.writeOut();
      if (this.pendingTip === null) this.dbs.meta.removeSync(TIP_KEY);
      else if (this.pendingTip) this.dbs.meta.putSync(TIP_KEY, this.pendingTip);
      return result;
    } finally {
      this.pending = undefined;
      this.pendingTip = undefined;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageError('storage-closed', `the chain database at ${this.path} is closed`);
  }

  /** A consistent read-only view as of the last commit (snapshot.ts); the caller must call done(). */
  snapshot(): ChainSnapshot {
    this.assertOpen();
    return new ChainSnapshot(this.path, this.dbs, this.env.useReadTransaction());
  }

  // --- reindex (reindex.ts) ----------------------------------------------------------------

  /** True while a reindex has started and not finished: the chain state is partial until it does. */
  reindexPending(): boolean {
    return this.dbs.meta.doesExist(REINDEX_KEY);
  }

  /** The tip before the pending reindex started, kept in its marker (equal-work ties go to it). */
  reindexPreviousTip(): Buffer | undefined {
    const value = this.dbs.meta.get(REINDEX_KEY);
    return value?.length === HASH_BYTES ? Buffer.from(value) : undefined;
  }

  setReindexPending(pending: boolean, previousTip?: Buffer): void {
    if (pending) this.dbs.meta.putSync(REINDEX_KEY, previousTip ?? Buffer.from([1]));
    else this.dbs.meta.removeSync(REINDEX_KEY);
  }

  /** The last block a pending reindex connected (its progress; 'tip' stays unwritten until it finishes). */
  getReindexTip(): Buffer | undefined {
    return this.dbs.meta.get(REINDEX_TIP_KEY);
  }

  setReindexTip(hash: Buffer | undefined): void {
    if (hash) this.dbs.meta.putSync(REINDEX_TIP_KEY, hash);
    else this.dbs.meta.removeSync(REINDEX_TIP_KEY);
  }

  /** The layout version the database was written with; undefined for one older than the key. */
  formatVersion(): number | undefined {
    const value = this.dbs.meta.get(FORMAT_KEY);
    return value?.length === 4 ? value.readUInt32BE(0) : undefined;
  }

  setFormatVersion(version: number): void {
    const value = Buffer.alloc(4);
    value.writeUInt32BE(version, 0);
    this.dbs.meta.putSync(FORMAT_KEY, value);
  }

  /**
   * Empties the chain state (UTXO set, address index, undo data, height index, candidate tips,
   * tip, reindex progress), keeping the blocks and the block index. Inside a transaction.
   * `keepGenesis`: height 0 stays indexed, so a build that knows no reindex marker refuses the
   * database ("blocks but no tip") instead of taking it for an empty chain.
   */
  clearChainState(keepGenesis = false): void {
    this.writer('clearChainState');
    const genesis = keepGenesis ? this.getHashAtHeight(0) : undefined;
    for (const name of CHAIN_STATE_DBS) this.dbs[name].clearSync();
    if (genesis) this.putHeight(0, Buffer.from(genesis));
    this.pendingTip = null;
    this.dbs.meta.removeSync(TIPS_INDEX_KEY);
    this.dbs.meta.removeSync(REINDEX_TIP_KEY);
  }

  // --- blocks and index -------------------------------------------------------------------

  getBlock(hash: Buffer): Block | undefined {
    const bytes = this.dbs.blocks.get(hash);
    return bytes ? Block.decode(bytes) : undefined;
  }

  /** The stored encoding (Block.encode()) of a block, without decoding it. */
  getBlockBytes(hash: Buffer): Buffer | undefined {
    return this.dbs.blocks.get(hash);
  }

  hasBlock(hash: Buffer): boolean {
    return this.dbs.blocks.doesExist(hash);
  }

  putBlock(block: Block): void {
    this.dbs.blocks.putSync(block.hash, block.encode());
  }

  /** Drops a block's stored data (a reindex found it damaged or unconnectable). */
  removeBlock(hash: Buffer): void {
    this.dbs.blocks.removeSync(hash);
  }

  getIndex(hash: Buffer): IndexEntry | undefined {
    const bytes = this.dbs.index.getBinaryFast(hash); // decodeIndexEntry copies what it keeps (see getCoin)
    return bytes ? decodeIndexEntry(bytes) : undefined;
  }

  putIndex(entry: IndexEntry): void {
    this.dbs.index.putSync(entry.header.hash, encodeIndexEntry(entry));
  }

  /** Forgets a block's index entry (a reindex found it unconnectable: reindex-prune.ts). */
  removeIndex(hash: Buffer): void {
    this.dbs.index.removeSync(hash);
  }

  /** Every block index entry, in hash order (a full scan: only for rebuilding the candidate tips of an older database). */
  *indexEntries(): Generator<IndexEntry> {
    for (const { value } of this.dbs.index.getRange({})) yield decodeIndexEntry(Buffer.from(value));
  }

  // --- candidate tips (candidates.ts) -----------------------------------------------------

  putTip(entry: IndexEntry): void {
    this.dbs.tips.putSync(tipKey(entry.chainWork, entry.header.hash), EMPTY);
  }

  removeTip(entry: IndexEntry): void {
    this.dbs.tips.removeSync(tipKey(entry.chainWork, entry.header.hash));
  }

  /** Hashes of the candidate tips with more chain work than `chainWork`, most work first. */
  tipsAbove(chainWork: bigint): Buffer[] {
    const hashes: Buffer[] = [];
    for (const key of this.dbs.tips.getKeys({ start: tipKey(chainWork + 1n, Buffer.alloc(HASH_BYTES)) })) hashes.push(Buffer.from(key.subarray(key.length - HASH_BYTES)));
    return hashes.reverse();
  }

  /** False for a database written before the tips set existed (candidates.ts builds it once). */
  tipIndexBuilt(): boolean {
    return this.dbs.meta.doesExist(TIPS_INDEX_KEY);
  }

  setTipIndexBuilt(built: boolean): void {
    if (built) this.dbs.meta.putSync(TIPS_INDEX_KEY, Buffer.from([1]));
    else this.dbs.meta.removeSync(TIPS_INDEX_KEY);
  }

  // --- active chain -----------------------------------------------------------------------

  getHashAtHeight(height: number): Buffer | undefined {
    if (!Number.isInteger(height) || height < 0 || height > 0xffff_ffff) return undefined;
    return this.dbs.heights.get(heightKey(height));
  }

  putHeight(height: number, hash: Buffer): void {
    this.dbs.heights.putSync(heightKey(height), hash);
  }

  removeHeight(height: number): void {
    this.dbs.heights.removeSync(heightKey(height));
  }

  getTipHash(): Buffer | undefined {
    if (this.pendingTip !== undefined) return this.pendingTip ?? undefined;
    return this.dbs.meta.get(TIP_KEY);
  }

  /** Inside a transaction; written once at its end (see pendingTip). */
  putTipHash(hash: Buffer): void {
    this.writer('putTipHash');
    this.pendingTip = hash;
  }

  /** While a reindex runs, 'tip' is not written until its final commit (reindex.ts). */
  removeTipHash(): void {
    this.writer('removeTipHash');
    this.pendingTip = null;
  }

  getUndo(hash: Buffer): Coin[] | undefined {
    const bytes = this.dbs.undo.get(hash);
    return bytes ? decodeUndo(bytes) : undefined;
  }

  /**
   * A block that spent nothing (coinbase only) gets no record: it would be an empty one, and one
   * more random-key B-tree insert per block in every commit; readers take a missing record of
   * such a block for an empty one (databases of format 1 still hold empty records).
   */
  putUndo(hash: Buffer, spent: readonly Coin[]): void {
    if (spent.length > 0) this.dbs.undo.putSync(hash, encodeUndo(spent));
  }

  removeUndo(hash: Buffer): void {
    this.dbs.undo.removeSync(hash);
  }

  // --- UTXO set ---------------------------------------------------------------------------
  // Writes go through the open transaction's PendingCoins; reads see them.

  getCoin(outpoint: OutPoint): Coin | undefined {
    return this.pending ? this.pending.getCoin(outpoint) : this.readStoredCoin(outpoint);
  }

  /** A new unspent coin at an outpoint that holds none (a new output, or a spent coin restored by a disconnect). */
  putCoin(outpoint: OutPoint, coin: Coin): void {
    this.writer('putCoin').putCoin(outpoint, coin);
  }

  /** Spends a coin the caller just read (connectBlock has it from checkTransactionInputs), without reading it again. */
  spendCoin(outpoint: OutPoint, coin: Coin): void {
    this.writer('spendCoin').spendCoin(outpoint, coin);
  }

  /** Spends whatever coin is at `outpoint`; returns it, or undefined if there was none. */
  removeCoin(outpoint: OutPoint): Coin | undefined {
    return this.writer('removeCoin').removeCoin(outpoint);
  }

  coinsByPubKeyHash(pubKeyHash: Buffer): CoinEntry[] {
    if (pubKeyHash.length !== PUBKEY_HASH_BYTES) return [];
    const entries: CoinEntry[] = [];
    const range = this.dbs.addrs.getKeys({ start: pubKeyHash, end: Buffer.concat([pubKeyHash, ADDR_RANGE_END_SUFFIX]) });
    for (const key of range) {
      const outpoint = outPointFromKey(Buffer.from(key.subarray(PUBKEY_HASH_BYTES)));
      const coin = this.readStoredCoin(outpoint);
      if (!coin) throw new StorageError('storage-corrupt', `the address index at ${this.path} lists ${outpoint.txid.toString('hex')}:${outpoint.index}, which is not in the UTXO set`);
      entries.push({ outpoint, coin });
    }
    return this.pending ? this.pending.ownedBy(pubKeyHash, entries) : entries;
  }

  private readStoredCoin(outpoint: OutPoint): Coin | undefined {
    // getBinaryFast: no copy of the value; it is only valid until the next read, and decodeCoin copies what it keeps.
    const bytes = this.dbs.coins.getBinaryFast(outPointKey(outpoint));
    return bytes ? decodeCoin(bytes) : undefined;
  }

  private writer(method: string): PendingCoins {
    if (!this.pending) throw new StorageError('storage-misuse', `ChainStore.${method} must run inside transaction()`);
    return this.pending;
  }

  /** Every committed raw key/value of one sub-database, in key order (diagnostics and tests: byte-exact state comparison). */
  rawEntries(name: StoreDbName): Array<[Buffer, Buffer]> {
    const out: Array<[Buffer, Buffer]> = [];
    for (const { key, value } of this.dbs[name].getRange({})) out.push([Buffer.from(key), Buffer.from(value)]);
    return out;
  }
}

/** addrs key: pubKeyHash ‖ outPointKey, written in one allocation (no concat of a temporary key). */
function addrKey(pubKeyHash: Buffer, outpoint: OutPoint): Buffer {
  const key = Buffer.allocUnsafe(PUBKEY_HASH_BYTES + HASH_BYTES + 4);
  pubKeyHash.copy(key, 0);
  outpoint.txid.copy(key, PUBKEY_HASH_BYTES);
  key.writeUInt32BE(outpoint.index, PUBKEY_HASH_BYTES + HASH_BYTES);
  return key;
}
