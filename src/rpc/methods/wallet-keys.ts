/** dumpprivkey / importprivkey: a wallet key in and out as Bitcoin's WIF. */
import { addressToPubKeyHash } from '../../primitives/address.js';
import { WalletError, decodeWalletWif, encodeWif } from '../../wallet/index.js';
import type { MethodTable, RpcContext } from '../context.js';
import { param, parseParams } from '../params.js';

export function walletKeyMethods(ctx: Pick<RpcContext, 'wallet' | 'logger'>): MethodTable {
  return {
    dumpprivkey: (params) => {
      const { address } = parseParams(params, { address: param.address() });
      const privateKey = ctx.wallet.privateKeyFor(addressToPubKeyHash(address));
      if (privateKey === undefined) throw new WalletError('unknown-key', `this wallet holds no key for ${address}; see its addresses with the printwallet method`);
      // An audit trail of key exports (the address only, never the key).
      ctx.logger.warn({ address }, 'private key exported over rpc');
      return { address, privateKey: encodeWif(privateKey) };
    },

    importprivkey: async (params) => {
      const { privateKey: wif } = parseParams(params, { privateKey: param.string() });
      const { address, added } = await ctx.wallet.importKey(decodeWalletWif(wif));
      return { address, added };
    },
  };
}
