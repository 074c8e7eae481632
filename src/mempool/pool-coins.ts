/**
 * What an address can spend given the pool: confirmed coins the pool does not spend, plus pool
 * outputs the pool does not spend, and the balances the wallet shows from them.
 */
import type { CoinEntry } from '../chain/types.js';
import { isImmatureCoinbase } from '../chain/validate-tx.js';
import type { MempoolChain } from './mempool.js';
import { type PoolIndex, bytesKey, outKey } from './pool-index.js';

/** What `balance` reports for an address. */
export interface AddressBalance {
  /** Confirmed coins spendable in the next block. */
  readonly confirmed: bigint;
  /** Confirmed block rewards still short of chain.coinbaseMaturity confirmations. */
  readonly immature: bigint;
  /** What the wallet can spend now: mature confirmed coins and pool outputs not spent in the pool. */
  readonly unconfirmed: bigint;
}

/**
 * Confirmed coins not spent in the pool, plus pool outputs to `pubKeyHash` not spent in the
 * pool. Block rewards a block at `height` could not spend yet are left out. Each outpoint is
 * listed once: between a block's commit and the pool hearing of it, a pool tx the block confirmed
 * has its outputs in the chain too (the soak test caught a payment spending one coin twice).
 */
export function spendableCoins(index: PoolIndex, chain: MempoolChain, height: number, coinbaseMaturity: number, pubKeyHash: Buffer): CoinEntry[] {
  const coins: CoinEntry[] = [];
  const confirmed = new Set<string>();
  for (const c of chain.getCoinsByPubKeyHash(pubKeyHash)) {
    const key = outKey(c.outpoint.txid, c.outpoint.index);
    confirmed.add(key);
    if (isImmatureCoinbase(c.coin, height, coinbaseMaturity)) continue;
    if (!index.spentBy.has(key)) coins.push(c);
  }
  for (const node of index.byPubKeyHash.get(bytesKey(pubKeyHash)) ?? []) {
    const { tx } = node.entry;
    tx.outputs.forEach((out, i) => {
      if (!out.pubKeyHash.equals(pubKeyHash)) return;
      const key = outKey(tx.txid, i);
      if (index.spentBy.has(key) || confirmed.has(key)) return;
      coins.push({ outpoint: { txid: tx.txid, index: i }, coin: { amount: out.amount, pubKeyHash: out.pubKeyHash, height, isCoinbase: false } });
    });
  }
  return coins;
}

/** The address's confirmed coins split into mature and immature, and what it can spend now. */
export function addressBalance(index: PoolIndex, chain: MempoolChain, height: number, coinbaseMaturity: number, pubKeyHash: Buffer): AddressBalance {
  let confirmed = 0n;
  let immature = 0n;
  for (const { coin } of chain.getCoinsByPubKeyHash(pubKeyHash)) {
    if (isImmatureCoinbase(coin, height, coinbaseMaturity)) immature += coin.amount;
    else confirmed += coin.amount;
  }
  let unconfirmed = 0n;
  for (const { coin } of spendableCoins(index, chain, height, coinbaseMaturity, pubKeyHash)) unconfirmed += coin.amount;
  return { confirmed, immature, unconfirmed };
}
