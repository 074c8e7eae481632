/**
 * The chain database (its layout: layout.ts): reads of blocks and the block index (block-records.ts),
 * the active chain, undo data and candidate tips (chain-state.ts) and the UTXO set, and the writes a
 * transaction makes to them. The transactions and their pending state (tip, coins) are in
 * transactions.ts; every mutating method must run inside `transaction()`.
 */
import type { RootDatabase } from 'lmdb';
import { Block } from '../../primitives/block.js';
import { PUBKEY_HASH_BYTES } from '../../primitives/hash.js';
import type { OutPoint } from '../../primitives/tx.js';
import { StorageError } from '../errors.js';
import type { Coin, CoinEntry, CoinView } from '../types.js';
import { BlockRecords, lastStoredSeq } from './block-records.js';
import { BlockSequence } from './block-seq.js';
import { ChainStateRecords } from './chain-state.js';
import type { IndexEntry } from './codecs.js';
import { type BinaryDb, type StoreDbName, openStoreDbs } from './layout.js';
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
  /** Height index, undo data and candidate tips (chain-state.ts). */
  private readonly chainState: ChainStateRecords;

  private constructor(
    readonly path: string,
    private readonly env: RootDatabase,
    private readonly dbs: Record<StoreDbName, BinaryDb>,
  ) {
    this.storedCoins = new LmdbStoredCoins(dbs.coins, dbs.addrs);
    this.txns = new StoreTransactions(path, env, dbs.meta, this.storedCoins, () => this.assertOpen(), this.blockSeq);
    this.records = new BlockRecords(dbs, this.blockSeq);
    this.markers = new StoreMarkers(dbs.meta);
    this.chainState = new ChainStateRecords(dbs);
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
    this.txns.writer('upgradeLayout');
    return upgradeToLayout3(this.dbs, this.blockSeq);
  }

  /**
   * Empties the chain state (chain-state.ts: UTXO set, address index, undo data, height index,
   * candidate tips; `keepGenesis` keeps height 0), the tip and the reindex progress, keeping the
   * blocks and the block index. Inside a transaction.
   */
  clearChainState(keepGenesis = false): void {
    this.txns.writer('clearChainState');
    this.chainState.clear(keepGenesis);
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

  // --- candidate tips (candidates.ts; chain-state.ts) -------------------------------------

  putTip(entry: IndexEntry): void {
    this.chainState.putTip(entry);
  }

  removeTip(entry: IndexEntry): void {
    this.chainState.removeTip(entry);
  }

  /** Hashes of the candidate tips with more chain work than `chainWork`, most work first. */
  tipsAbove(chainWork: bigint): Buffer[] {
    return this.chainState.tipsAbove(chainWork);
  }

  /** False for a database written before the tips set existed (candidates.ts builds it once). */
  tipIndexBuilt(): boolean {
    return this.markers.tipIndexBuilt();
  }

  setTipIndexBuilt(built: boolean): void {
    this.markers.setTipIndexBuilt(built);
  }

  // --- active chain (chain-state.ts) -------------------------------------------------------

  getHashAtHeight(height: number): Buffer | undefined {
    return this.chainState.getHashAtHeight(height);
  }

  putHeight(height: number, hash: Buffer): void {
    this.chainState.putHeight(height, hash);
  }

  removeHeight(height: number): void {
    this.chainState.removeHeight(height);
  }

  getTipHash(): Buffer | undefined {
    return this.txns.tipHash();
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
    return this.chainState.getUndo(hash);
  }

  /** A block that spent nothing (coinbase only) gets no record (chain-state.ts). */
  putUndo(hash: Buffer, spent: readonly Coin[]): void {
    this.chainState.putUndo(hash, spent);
  }

  removeUndo(hash: Buffer): void {
    this.chainState.removeUndo(hash);
  }

  // --- UTXO set ---------------------------------------------------------------------------
  // Writes go through the open transaction's PendingCoins; reads see them.

  getCoin(outpoint: OutPoint): Coin | undefined {
    const pending = this.txns.coins;
    return pending ? pending.getCoin(outpoint) : this.storedCoins.read(outpoint);
  }

  /** A new unspent coin at an outpoint that holds none (a new output, or a spent coin restored by a disconnect). */
  putCoin(outpoint: OutPoint, coin: Coin): void {
    this.txns.writer('putCoin').putCoin(outpoint, coin);
  }

  /** Spends a coin the caller just read at `outpoint`, without reading it again. */
  spendCoin(outpoint: OutPoint, coin: Coin): void {
    this.txns.writer('spendCoin').spendCoin(outpoint, coin);
  }

  /** Spends whatever coin is at `outpoint`; returns it, or undefined if there was none (connectBlock checks and spends each input with this: one lookup). */
  removeCoin(outpoint: OutPoint): Coin | undefined {
    return this.txns.writer('removeCoin').removeCoin(outpoint);
  }

  coinsByPubKeyHash(pubKeyHash: Buffer): CoinEntry[] {
    if (pubKeyHash.length !== PUBKEY_HASH_BYTES) return [];
    const entries = this.storedCoins.ownedBy(pubKeyHash, this.path);
    const pending = this.txns.coins;
    return pending ? pending.ownedBy(pubKeyHash, entries) : entries;
  }

  /** Every committed raw key/value of one sub-database, in key order (diagnostics and tests: byte-exact state comparison). */
  rawEntries(name: StoreDbName): Array<[Buffer, Buffer]> {
    const out: Array<[Buffer, Buffer]> = [];
    for (const { key, value } of this.dbs[name].getRange({})) out.push([Buffer.from(key), Buffer.from(value)]);
    return out;
  }
}
