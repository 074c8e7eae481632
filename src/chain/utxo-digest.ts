/**
 * The UTXO-set digest of gettxoutsetinfo and verifychain (Bitcoin Core's hash_serialized): SHA-256
 * over every coin as outPointKey ‖ stored coin record, in increasing key order. LMDB keeps the
 * coins in that order, so the digest depends on the set alone, never on the order coins were
 * written in, and an in-memory set gives the same digest once sorted.
 */
import { createHash } from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { HASH_BYTES } from '../primitives/hash.js';
import { CHECK_SLICE_MS, UTXO_SCAN_CHUNK_COINS } from './constants.js';
import { StorageError } from './errors.js';
import { decodeCoin } from './store/codecs.js';
import type { ChainSnapshot } from './store/snapshot.js';
import type { StoreDbName } from './store/store.js';

export interface UtxoSetStats {
  /** Unspent outputs. */
  readonly txouts: number;
  /** Distinct transactions with at least one unspent output. */
  readonly transactions: number;
  readonly totalAmount: bigint;
  /** SHA-256 of the set in key order. */
  readonly hash: Buffer;
}

/** What gettxoutsetinfo answers: the stats with the tip they describe (read in one snapshot). */
export interface UtxoSetInfo extends UtxoSetStats {
  /** -1 (and bestBlock undefined) on an empty chain. */
  readonly height: number;
  readonly bestBlock: Buffer | undefined;
}

/** Folds coins into the digest; they must come in strictly increasing key order. */
export class UtxoHasher {
  private readonly sha = createHash('sha256');
  private lastKey: Buffer | undefined;
  private txouts = 0;
  private transactions = 0;
  private totalAmount = 0n;

  /** `key` is an outPointKey, `value` a stored coin record. Throws DecodeError for a record that does not decode. */
  add(key: Buffer, value: Buffer): void {
    const last = this.lastKey;
    if (last && Buffer.compare(key, last) <= 0) throw new RangeError('UtxoHasher takes coins in strictly increasing key order');
    const amount = decodeCoin(value).amount;
    if (!last || key.compare(last, 0, HASH_BYTES, 0, HASH_BYTES) !== 0) this.transactions++;
    this.lastKey = key;
    this.sha.update(key);
    this.sha.update(value);
    this.txouts++;
    this.totalAmount += amount;
  }

  finish(): UtxoSetStats {
    return { txouts: this.txouts, transactions: this.transactions, totalAmount: this.totalAmount, hash: this.sha.digest() };
  }
}

/** Stats of a list of coins already in key order. */
export function utxoStatsOf(entries: Iterable<readonly [Buffer, Buffer]>): UtxoSetStats {
  const hasher = new UtxoHasher();
  for (const [key, value] of entries) hasher.add(key, value);
  return hasher.finish();
}

/**
 * Reads the snapshot's coins in chunks, yielding to the event loop between them when a slice of
 * work is used up. `each` sees every coin in key order. `shouldStop` aborts between chunks.
 */
export function scanCoins(snapshot: ChainSnapshot, each: (key: Buffer, value: Buffer) => void, shouldStop?: () => boolean): Promise<void> {
  return scanEntries(snapshot, 'coins', each, shouldStop);
}

/** scanCoins for any sub-database (verifychain reads the address index the same way). */
export async function scanEntries(snapshot: ChainSnapshot, name: StoreDbName, each: (key: Buffer, value: Buffer) => void, shouldStop: () => boolean = () => false): Promise<void> {
  let after: Buffer | undefined;
  let sliceStart = Date.now();
  for (;;) {
    const chunk = snapshot.range(name, after, UTXO_SCAN_CHUNK_COINS);
    for (const [key, value] of chunk) each(key, value);
    if (chunk.length < UTXO_SCAN_CHUNK_COINS) return;
    after = chunk[chunk.length - 1]![0];
    if (Date.now() - sliceStart >= CHECK_SLICE_MS) {
      await yieldToLoop();
      if (shouldStop()) throw new StorageError('storage-closed', `the chain database at ${snapshot.path} is closing; the scan stopped`);
      sliceStart = Date.now();
    }
  }
}

/** gettxoutsetinfo: the UTXO set's stats and the tip it belongs to, from one snapshot. */
export async function utxoSetInfo(snapshot: ChainSnapshot, shouldStop?: () => boolean): Promise<UtxoSetInfo> {
  if (snapshot.reindexPending()) throw new StorageError('reindex-pending', `the chain database at ${snapshot.path}: a reindex has not finished; start the node to complete it`);
  const bestBlock = snapshot.getTipHash();
  const height = bestBlock ? (snapshot.getIndex(bestBlock)?.header.height ?? -1) : -1;
  const hasher = new UtxoHasher();
  await scanCoins(snapshot, (key, value) => hasher.add(key, value), shouldStop);
  return { height, bestBlock, ...hasher.finish() };
}
