/**
 * The chain database (its layout: layout.ts): reads of blocks, the block index, the active chain,
 * undo data, candidate tips and the UTXO set, and the writes a transaction makes to them. The
 * transactions and their pending state (tip, coins) are in transactions.ts; every mutating method
 * must run inside `transaction()`.
 */
import type { RootDatabase } from 'lmdb';
import { Block } from '../../primitives/block.js';
import { HASH_BYTES, PUBKEY_HASH_BYTES } from '../../primitives/hash.js';
import type { OutPoint } from '../../primitives/tx.js';
import { StorageError } from '../errors.js';
import type { Coin, CoinEntry, CoinView } from '../types.js';
import { BlockRecords, lastStoredSeq } from './block-records.js';
import { BlockSequence } from './block-seq.js';
import { type IndexEntry, decodeUndo, encodeUndo, heightKey, tipKey } from './codecs.js';
import {
  type BinaryDb,
  CHAIN_STATE_DBS,
  EMPTY,
  type StoreDbName,
  TIP_KEY,
  openStoreDbs,
} from './layout.js';
import type { PendingCoins } from './pending-coins.js';
import { StoreMarkers } from './markers.js';
import { ChainSnapshot } from './snapshot.js';
import { LmdbStoredCoins } from './stored-coins.js';
import { StoreTransactions } from './transactions.js';
import { type UpgradeSummary, upgradeToLayout3 } from './upgrade.js';

export { type BinaryDb, STORE_DB_NAMES, type StoreDbName } from './layout.js';

export class ChainStore implements CoinView {
  private closed = false;
  /** The coins and addrs databases as the pending coins' backing store (stored-coins.ts). */
  private readonly storedCoins: LmdbStoredCoins;

  /** Keys of blocks' entries and data (block-seq.ts). */
  private readonly blockSeq = new BlockSequence(() => lastStoredSeq(this.dbs));

  /** The write transactions and their pending tip and coins (transactions.ts). */
  private readonly txns: StoreTransactions;
  /** The block index and the blocks' data (block-records.ts). */
  private readonly records: BlockRecords;
  /** The reindex, layout-version and tips-index markers (markers.ts). */
  private readonly markers: StoreMarkers;

  private constructor(
    readonly path: string,
    private readonly env: RootDatabase,
    private readonly dbs: Record<StoreDbName, BinaryDb>,
  ) {
    this.storedCoins = new LmdbStoredCoins(dbs.coins, dbs.addrs);
    this.txns = new StoreTransactions(path, env, dbs.meta, this.storedCoins, () => this.assertOpen(), this.blockSeq);
    this.records = new BlockRecords(dbs, this.blockSeq);
    this.markers = new StoreMarkers(dbs.meta);
  }

  /** `readOnly`: for a check beside (or without) the node; a path without a database is an error then, not created (layout.ts). */
  static open(path: string, options: { readOnly?: boolean } = {}): ChainStore {
    const { env, dbs } = openStoreDbs(path, options);
    return new ChainStore(path, env, dbs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.env.close();
  }

  /** One synchronous write transaction; a nested call is a child transaction (transactions.ts). */
  transaction<T>(fn: () => T): T {
    return this.txns.transaction(fn);
  }

  /** One child transaction whose nested transactions get no child of their own; any throw undoes all of it (transactions.ts). */
  batch<T>(fn: () => T): T {
    return this.txns.batch(fn);
  }

  /** transaction() with its commit and fsync on lmdb-js's writer thread; resolves once durable (transactions.ts). */
  transactionAsync<T>(fn: () => T): Promise<T> {
    return this.txns.transactionAsync(fn);
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageError('storage-closed', `the chain database at ${this.path} is closed`);
  }

  /** A consistent read-only view as of the last commit (snapshot.ts); the caller must call done(). */
  snapshot(): ChainSnapshot {
    this.assertOpen();
    return new ChainSnapshot(this.path, this.dbs, this.env.useReadTransaction());
  }

  // --- reindex and layout markers (markers.ts; reindex.ts) --------------------------------

  /** True while a reindex has started and not finished: the chain state is partial until it does. */
  reindexPending(): boolean {
    return this.markers.reindexPending();
  }

  /** The tip before the pending reindex started, kept in its marker (equal-work ties go to it). */
  reindexPreviousTip(): Buffer | undefined {
    return this.markers.reindexPreviousTip();
  }

  setReindexPending(pending: boolean, previousTip?: Buffer): void {
    this.markers.setReindexPending(pending, previousTip);
  }

  /** The last block a pending reindex connected (its progress; 'tip' stays unwritten until it finishes). */
  getReindexTip(): Buffer | undefined {
    return this.markers.getReindexTip();
  }

  setReindexTip(hash: Buffer | undefined): void {
    this.markers.setReindexTip(hash);
  }

  /** The layout version the database was written with; undefined for one older than the key. */
  formatVersion(): number | undefined {
    return this.markers.formatVersion();
  }

  setFormatVersion(version: number): void {
    this.markers.setFormatVersion(version);
  }

  /** Rewrites a database of layout 1 or 2 as layout 3 (upgrade.ts). Inside a transaction; the caller then sets the format version. */
  upgradeLayout(): UpgradeSummary {
    this.writer('upgradeLayout');
    return upgradeToLayout3(this.dbs, this.blockSeq);
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
    this.txns.setTip('clearChainState', null);
    this.markers.setTipIndexBuilt(false);
    this.markers.setReindexTip(undefined);
  }

  // --- blocks and index (block-records.ts) -----------------------------------------------

  getBlock(hash: Buffer): Block | undefined {
    const bytes = this.records.getBlockBytes(hash);
    return bytes ? Block.decode(bytes) : undefined;
  }

  /** The stored encoding (Block.encode()) of a block, without decoding it. */
  getBlockBytes(hash: Buffer): Buffer | undefined {
    return this.records.getBlockBytes(hash);
  }

  /** The first `bytes` of a block's stored encoding and its length, without reading the rest. */
  getBlockPrefix(hash: Buffer, bytes: number): { prefix: Buffer; length: number } | undefined {
    return this.records.getBlockPrefix(hash, bytes);
  }

  hasBlock(hash: Buffer): boolean {
    return this.records.hasBlock(hash);
  }

  /** Stores a block's index entry and its data; data already stored for it stays. */
  putBlock(block: Block, entry: IndexEntry): void {
    this.records.putBlock(block, entry);
  }

  /** Drops a block's stored data (a reindex found it damaged or unconnectable); its index entry stays. */
  removeBlock(hash: Buffer): void {
    this.records.removeBlock(hash);
  }

  getIndex(hash: Buffer): IndexEntry | undefined {
    return this.records.getIndex(hash);
  }

  putIndex(entry: IndexEntry): void {
    this.records.putIndex(entry);
  }

  /** Forgets a block's index entry and its data (a reindex found it unconnectable: reindex-prune.ts). */
  removeIndex(hash: Buffer): void {
    this.records.removeIndex(hash);
  }

  /** Every indexed hash with its encoded entry (undefined when missing), undecoded (reindex-prune.ts). */
  rawIndexEntries(): Array<[Buffer, Buffer | undefined]> {
    return this.records.rawIndexEntries();
  }

  /** True when the block index holds any entry (a header, with or without its block). */
  hasAnyIndexEntry(): boolean {
    return this.records.hasAnyIndexEntry();
  }

  /** Every block index entry (a full scan: only for rebuilding the candidate tips of an older database). */
  indexEntries(): Generator<IndexEntry> {
    return this.records.indexEntries();
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
    return this.markers.tipIndexBuilt();
  }

  setTipIndexBuilt(built: boolean): void {
    this.markers.setTipIndexBuilt(built);
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
    const pendingTip = this.txns.tip;
    if (pendingTip !== undefined) return pendingTip ?? undefined;
    return this.dbs.meta.get(TIP_KEY);
  }

  /** Inside a transaction; written once at its end (transactions.ts). */
  putTipHash(hash: Buffer): void {
    this.txns.setTip('putTipHash', hash);
  }

  /** While a reindex runs, 'tip' is not written until its final commit (reindex.ts). */
  removeTipHash(): void {
    this.txns.setTip('removeTipHash', null);
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
    const pending = this.txns.coins;
    return pending ? pending.getCoin(outpoint) : this.readStoredCoin(outpoint);
  }

  /** A new unspent coin at an outpoint that holds none (a new output, or a spent coin restored by a disconnect). */
  putCoin(outpoint: OutPoint, coin: Coin): void {
    this.writer('putCoin').putCoin(outpoint, coin);
  }

  /** Spends a coin the caller just read at `outpoint`, without reading it again. */
  spendCoin(outpoint: OutPoint, coin: Coin): void {
    this.writer('spendCoin').spendCoin(outpoint, coin);
  }

  /** Spends whatever coin is at `outpoint`; returns it, or undefined if there was none (connectBlock checks and spends each input with this: one lookup). */
  removeCoin(outpoint: OutPoint): Coin | undefined {
    return this.writer('removeCoin').removeCoin(outpoint);
  }

  coinsByPubKeyHash(pubKeyHash: Buffer): CoinEntry[] {
    if (pubKeyHash.length !== PUBKEY_HASH_BYTES) return [];
    const entries = this.storedCoins.ownedBy(pubKeyHash, this.path);
    const pending = this.txns.coins;
    return pending ? pending.ownedBy(pubKeyHash, entries) : entries;
  }

  private readStoredCoin(outpoint: OutPoint): Coin | undefined {
    return this.storedCoins.read(outpoint);
  }

  private writer(method: string): PendingCoins {
    return this.txns.writer(method);
  }

  /** Every committed raw key/value of one sub-database, in key order (diagnostics and tests: byte-exact state comparison). */
  rawEntries(name: StoreDbName): Array<[Buffer, Buffer]> {
    const out: Array<[Buffer, Buffer]> = [];
    for (const { key, value } of this.dbs[name].getRange({})) out.push([Buffer.from(key), Buffer.from(value)]);
    return out;
  }
}
