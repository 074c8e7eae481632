/**
 * The UTXO changes of an open write transaction, held in memory until it commits. During a sync
 * one commit holds several blocks (commit-group.ts), and most coins a block creates are spent a
 * block or two later: created and spent inside one commit, such a coin never reaches LMDB, where
 * its put and its delete (each with an address-index entry) would be B-tree work on the calling
 * thread. Bitcoin Core's coins cache drops its "fresh" coins the same way. Nothing is cached
 * across commits, so a commit still writes every change it makes and crash safety is unchanged.
 */
import { HASH_BYTES } from '../../primitives/hash.js';
import type { OutPoint } from '../../primitives/tx.js';
import type { Coin, CoinEntry } from '../types.js';

/** The committed UTXO set underneath (LMDB, inside the open transaction). */
export interface StoredCoins {
  read(outpoint: OutPoint): Coin | undefined;
  write(outpoint: OutPoint, coin: Coin): void;
  /** `coin` is the stored coin: its owner names the address-index entry to delete. */
  delete(outpoint: OutPoint, coin: Coin): void;
}

interface Entry {
  readonly outpoint: OutPoint;
  /** The coin at this outpoint now; undefined = spent. */
  readonly coin: Coin | undefined;
  /** The coin as StoredCoins holds it (undefined = none): what writing out must delete first. */
  readonly stored: Coin | undefined;
}

/** Journal length at a nested transaction's start; rollback() returns to it. */
export type PendingMark = number;

const KEY_BYTES = HASH_BYTES + 4;
/** Where a key is assembled: one thread, and entryKey returns before anything else can use it. */
const keyScratch = Buffer.allocUnsafe(KEY_BYTES);
const OUT_OF_RANGE_SUFFIX = '-'.repeat(KEY_BYTES);

/**
 * Map key of an outpoint: its 36 bytes (txid, u32 index) as 36 latin1 characters, one per byte.
 * Built in one string from a scratch buffer: a txid string plus the index concatenated made three
 * strings per lookup (the parts, then the flat copy the Map hashes), several per input connected.
 */
function entryKey(outpoint: OutPoint): string {
  // No coin has such an outpoint, but a lookup may name one: its key is longer than any real one, so it matches none.
  if (outpoint.txid.length !== HASH_BYTES || outpoint.index >>> 0 !== outpoint.index) return `${outpoint.txid.toString('hex')}:${outpoint.index}:${OUT_OF_RANGE_SUFFIX}`;
  outpoint.txid.copy(keyScratch, 0, 0, HASH_BYTES);
  keyScratch.writeUInt32LE(outpoint.index, HASH_BYTES);
  return keyScratch.toString('latin1', 0, KEY_BYTES);
}

export class PendingCoins {
  private readonly entries = new Map<string, Entry>();
  /** Every change as its key and the entry before it (two arrays: no pair per change), so a nested transaction that throws can be undone. */
  private readonly journalKeys: string[] = [];
  private readonly journalBefore: Array<Entry | undefined> = [];

  constructor(private readonly stored: StoredCoins) {}

  getCoin(outpoint: OutPoint): Coin | undefined {
    const entry = this.entries.get(entryKey(outpoint));
    return entry ? entry.coin : this.stored.read(outpoint);
  }

  /**
   * Adds an unspent coin at an outpoint that holds none in this view: a new output (connect), or
   * a spent coin restored (disconnect). An outpoint never touched here then has no stored coin
   * either, so there is nothing to read first.
   */
  putCoin(outpoint: OutPoint, coin: Coin): void {
    const key = entryKey(outpoint);
    const before = this.entries.get(key);
    this.set(key, before, { outpoint, coin, stored: before?.stored });
  }

  /** Spends `coin`, which the caller just read from this view at `outpoint`. */
  spendCoin(outpoint: OutPoint, coin: Coin): void {
    const key = entryKey(outpoint);
    this.spend(key, outpoint, this.entries.get(key), coin);
  }

  /**
   * Spends whatever coin is at `outpoint`; returns it, or undefined when there is none. One key
   * and one Map lookup: connectBlock checks and spends each input through this (getCoin then
   * spendCoin built the key and looked it up twice).
   */
  removeCoin(outpoint: OutPoint): Coin | undefined {
    const key = entryKey(outpoint);
    const before = this.entries.get(key);
    const coin = before ? before.coin : this.stored.read(outpoint);
    if (coin) this.spend(key, outpoint, before, coin);
    return coin;
  }

  /** Changes held (diagnostics and tests): a coin created and spent in this view holds none. */
  get size(): number {
    return this.entries.size;
  }

  /** Coins owned by `pubKeyHash` in this view, given the stored ones (in any order). */
  ownedBy(pubKeyHash: Buffer, stored: readonly CoinEntry[]): CoinEntry[] {
    const owned = stored.filter(({ outpoint }) => !this.entries.has(entryKey(outpoint)));
    for (const { outpoint, coin } of this.entries.values()) if (coin?.pubKeyHash.equals(pubKeyHash)) owned.push({ outpoint, coin });
    return owned;
  }

  mark(): PendingMark {
    return this.journalKeys.length;
  }

  /** Undoes every change made since `mark` (a nested transaction threw). */
  rollback(mark: PendingMark): void {
    while (this.journalKeys.length > mark) {
      const key = this.journalKeys.pop()!;
      const before = this.journalBefore.pop();
      if (before) this.entries.set(key, before);
      else this.entries.delete(key);
    }
  }

  /** Applies the net changes to StoredCoins (inside the transaction, just before it commits). */
  writeOut(): void {
    for (const { outpoint, coin, stored } of this.entries.values()) {
      if (coin === stored) continue;
      if (stored) this.stored.delete(outpoint, stored);
      if (coin) this.stored.write(outpoint, coin);
    }
  }

  /**
   * Spends the unspent `coin` at `key`, whose entry is `before` (undefined: not touched yet, so
   * the coin came from StoredCoins). A coin StoredCoins does not hold (created in this view: the
   * "fresh" coin of Bitcoin Core's cache) leaves no entry at all: there is nothing to write out,
   * and a Map that keeps only the live changes stays about half the size during a sync, where
   * most coins a group creates are spent in it.
   */
  private spend(key: string, outpoint: OutPoint, before: Entry | undefined, coin: Coin): void {
    const stored = before ? before.stored : coin;
    if (stored) {
      this.set(key, before, { outpoint, coin: undefined, stored });
      return;
    }
    this.journalKeys.push(key);
    this.journalBefore.push(before);
    this.entries.delete(key);
  }

  private set(key: string, before: Entry | undefined, after: Entry): void {
    this.journalKeys.push(key);
    this.journalBefore.push(before);
    this.entries.set(key, after);
  }
}
