/**
 * The committed UTXO set in LMDB (the coins and addrs databases), as the open transaction's
 * pending coins read and write it (pending-coins.ts). A class, not an object of arrow functions
 * made per ChainStore: each store then made new closures, and the optimised code of the hot
 * callers (the coin lookups of connectBlock) was thrown away ("wrong call target") for every
 * chain a process opened after its first (the benches, a reindex then the chain).
 */
import { type OutPoint, outPointFromKey, outPointKey } from '../../primitives/tx.js';
import { StorageError } from '../errors.js';
import type { Coin, CoinEntry } from '../types.js';
import { decodeCoin, encodeCoin } from './codecs.js';
import { ADDR_KEY_OUTPOINT_OFFSET, ADDR_RANGE_END_SUFFIX, type BinaryDb, EMPTY, addrKey } from './layout.js';
import type { StoredCoins } from './pending-coins.js';

export class LmdbStoredCoins implements StoredCoins {
  constructor(
    private readonly coins: BinaryDb,
    private readonly addrs: BinaryDb,
  ) {}

  read(outpoint: OutPoint): Coin | undefined {
    // getBinaryFast: no copy of the value; it is only valid until the next read, and decodeCoin copies what it keeps.
    const bytes = this.coins.getBinaryFast(outPointKey(outpoint));
    return bytes ? decodeCoin(bytes) : undefined;
  }

  write(outpoint: OutPoint, coin: Coin): void {
    this.coins.putSync(outPointKey(outpoint), encodeCoin(coin));
    this.addrs.putSync(addrKey(coin, outpoint), EMPTY);
  }

  delete(outpoint: OutPoint, coin: Coin): void {
    this.coins.removeSync(outPointKey(outpoint));
    this.addrs.removeSync(addrKey(coin, outpoint));
  }

  /** The committed coins of one 20-byte pubKeyHash, through the addrs index; `path` names the database in the error. */
  ownedBy(pubKeyHash: Buffer, path: string): CoinEntry[] {
    const entries: CoinEntry[] = [];
    const range = this.addrs.getKeys({ start: pubKeyHash, end: Buffer.concat([pubKeyHash, ADDR_RANGE_END_SUFFIX]) });
    for (const key of range) {
      const outpoint = outPointFromKey(Buffer.from(key.subarray(ADDR_KEY_OUTPOINT_OFFSET)));
      const coin = this.read(outpoint);
      if (!coin) throw new StorageError('storage-corrupt', `the address index at ${path} lists ${outpoint.txid.toString('hex')}:${outpoint.index}, which is not in the UTXO set`);
      entries.push({ outpoint, coin });
    }
    return entries;
  }
}
