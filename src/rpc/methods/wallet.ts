import { addressToPubKeyHash } from '../../primitives/address.js';
import type { MethodTable, RpcContext } from '../context.js';
import { param, parseParams } from '../params.js';

export function walletMethods(ctx: RpcContext): MethodTable {
  return {
    createwallet: async (params) => {
      parseParams(params, {});
      return { address: await ctx.wallet.createKey() };
    },

    printwallet: (params) => {
      parseParams(params, {});
      return { addresses: ctx.wallet.addresses() };
    },

    send: async (params) => {
      const { from, to, amount, fee } = parseParams(params, {
        from: param.address(),
        to: param.address(),
        amount: param.amount(),
        fee: param.optional(param.fee(), 0n),
      });
      // Decode both addresses before touching coins: a typo is answered as such (-5), not as a wallet error.
      const toPubKeyHash = addressToPubKeyHash(to);
      const fromPubKeyHash = addressToPubKeyHash(from);
      // Not in the window between a block commit and its events: the coins read there may not
      // match the pool (a reorg's txs not back yet), and the payment could evict our own.
      await ctx.chain.settled();
      const tx = ctx.createPayment({ from, to, amount, fee, coins: ctx.walletCoins(fromPubKeyHash), ordered: true, pubKeyHashes: { from: fromPubKeyHash, to: toPubKeyHash } });
      const entry = ctx.mempool.addTransaction(tx);
      ctx.logger.info({ txid: tx.txidHex, from, to, amount: amount.toString(), fee: entry.fee.toString() }, 'payment sent');
      return { txid: tx.txidHex, from, to, amount, fee: entry.fee };
    },
  };
}
