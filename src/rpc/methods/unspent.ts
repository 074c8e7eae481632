/** listunspent: the coins of an address (or of every wallet address), confirmed and in the mempool. */
import { isImmatureCoinbase } from '../../chain/validate-tx.js';
import type { CoinEntry } from '../../chain/types.js';
import { addressToPubKeyHash } from '../../primitives/address.js';
import { RpcCode } from '../constants.js';
import type { MethodTable, RpcContext } from '../context.js';
import { RpcError } from '../errors.js';
import { param, parseParams } from '../params.js';

/** One unspent output as listunspent shows it (before toJsonSafe). */
export interface UnspentView {
  txid: Buffer;
  vout: number;
  address: string;
  /** The wallet's label of the address (importprivkey --label), or null. */
  label: string | null;
  amount: bigint;
  /** 0 for an output of a mempool transaction. */
  confirmations: number;
  coinbase: boolean;
  /** False for a block reward short of chain.coinbaseMaturity confirmations. */
  mature: boolean;
  /** Mature and its key is in this node's wallet: a send may pick it now. */
  spendable: boolean;
}

/**
 * `maxCoins` bounds one answer (default LISTUNSPENT_MAX_COINS): past it the method says so
 * instead of building a reply of unbounded size.
 */
export function unspentMethods(ctx: Pick<RpcContext, 'chain' | 'mempool' | 'wallet'>, maxCoins: number): MethodTable {
  return {
    listunspent: async (params) => {
      const { address } = parseParams(params, { address: param.optional(param.address(), undefined) });
      const addresses = address === undefined ? ctx.wallet.addresses() : [address];
      const pubKeyHashes = addresses.map((a) => addressToPubKeyHash(a));
      const own = new Set(ctx.wallet.addresses());
      // Not between a block commit and its events: chain coins and the pool must agree (as in send).
      await ctx.chain.settled();
      const tipHeight = ctx.chain.tip?.height ?? -1;
      const maturity = ctx.chain.params.coinbaseMaturity;
      const out: UnspentView[] = [];
      const add = (addr: string, pubKeyHash: Buffer, entry: CoinEntry, confirmed: boolean): void => {
        if (out.length >= maxCoins) {
          throw new RpcError(RpcCode.Misc, 'too-many-coins', `${address ?? 'the wallet'} has more than ${maxCoins} unspent outputs, more than one listunspent answer holds; list one address at a time, or consolidate by sending coins to the same address`);
        }
        const { coin, outpoint } = entry;
        const mature = !confirmed || !isImmatureCoinbase(coin, tipHeight + 1, maturity);
        out.push({
          txid: outpoint.txid,
          vout: outpoint.index,
          address: addr,
          label: ctx.wallet.labelFor(pubKeyHash) ?? null,
          amount: coin.amount,
          confirmations: confirmed ? tipHeight - coin.height + 1 : 0,
          coinbase: coin.isCoinbase,
          mature,
          spendable: mature && own.has(addr),
        });
      };
      addresses.forEach((addr, i) => {
        const pubKeyHash = pubKeyHashes[i]!;
        // Mature confirmed coins the pool does not spend, and pool outputs the pool does not spend
        // (those carry the next block's height); immature rewards come from the chain's index.
        for (const entry of ctx.mempool.spendableCoins(pubKeyHash)) add(addr, pubKeyHash, entry, entry.coin.height <= tipHeight);
        for (const entry of ctx.chain.getCoinsByPubKeyHash(pubKeyHash)) {
          if (isImmatureCoinbase(entry.coin, tipHeight + 1, maturity)) add(addr, pubKeyHash, entry, true);
        }
      });
      // Oldest first, as a send picks them.
      return out.sort((a, b) => b.confirmations - a.confirmations || Buffer.compare(a.txid, b.txid) || a.vout - b.vout);
    },
  };
}
