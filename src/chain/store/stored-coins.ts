/**
 * The committed UTXO set in LMDB (the coins and addrs databases), as the open transaction's
 * pending coins read and write it (pending-coins.ts). A class, not an object of arrow functions
 * made per ChainStore: each store then made new closures, and the optimised code of the hot
 * callers (the coin lookups of connectBlock) was thrown away ("wrong call target") for every
 * chain a process opened after its first (the benches, a reindex then the chain).
 */
import { type OutPoint, outPointKey } from '../../primitives/tx.js';
import type { Coin } from '../types.js';
import { decodeCoin, encodeCoin } from './codecs.js';
import { type BinaryDb, EMPTY, addrKey } from './layout.js';
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
}
