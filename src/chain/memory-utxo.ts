/**
 * A UTXO set in memory, written by connectBlock (a ConnectTarget): verifychain replays the stored
 * active chain from genesis into it, under the same rules as a real connect, and compares the
 * result with the stored set. Coins are kept as their stored record bytes, so the comparison and
 * the digest see exactly what the store would hold.
 */
import { type OutPoint, outPointKey } from '../primitives/tx.js';
import type { ConnectTarget } from './connect.js';
import { decodeCoin, encodeCoin } from './store/codecs.js';
import { SortedCursor } from './sorted-cursor.js';
import type { Coin } from './types.js';

/** Map key: the outPointKey as latin1 (one character per byte), so string order is byte order. */
const mapKey = (outpoint: OutPoint): string => outPointKey(outpoint).toString('latin1');

export class MemoryUtxo implements ConnectTarget {
  private readonly coins = new Map<string, Buffer>();

  get size(): number {
    return this.coins.size;
  }

  /** The coin record at an outPointKey, as the store would hold it. */
  recordAt(key: Buffer): Buffer | undefined {
    return this.coins.get(key.toString('latin1'));
  }

  getCoin(outpoint: OutPoint): Coin | undefined {
    const bytes = this.coins.get(mapKey(outpoint));
    return bytes ? decodeCoin(bytes) : undefined;
  }

  putCoin(outpoint: OutPoint, coin: Coin): void {
    this.coins.set(mapKey(outpoint), encodeCoin(coin));
  }

  removeCoin(outpoint: OutPoint): Coin | undefined {
    const key = mapKey(outpoint);
    const bytes = this.coins.get(key);
    if (!bytes) return undefined;
    this.coins.delete(key);
    return decodeCoin(bytes);
  }

  // Undo data, heights and the tip are the store's business; the replay compares undo data itself.
  putUndo(): void {}
  putHeight(): void {}
  putTipHash(): void {}

  /**
   * The coins' keys in increasing order (the store's), sorted in runs with `pause` after each
   * (sorted-cursor.ts), so a large set never blocks the event loop in one sort. Read each coin
   * with recordAt(Buffer.from(key, 'latin1')).
   */
  sortedKeys(pause: () => Promise<void>): Promise<SortedCursor> {
    return SortedCursor.sort(this.coins.keys(), pause);
  }

  /** The coin record under a key from sortedKeys(). */
  recordAtKey(key: string): Buffer | undefined {
    return this.coins.get(key);
  }

  /** Every coin as [outPointKey, coin record], in increasing key order, in one synchronous sort (tests, small sets). */
  sortedEntries(): Array<[Buffer, Buffer]> {
    return [...this.coins.keys()].sort().map((key) => [Buffer.from(key, 'latin1'), this.coins.get(key)!]);
  }
}
