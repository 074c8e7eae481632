/** dumpprivkey / importprivkey: a wallet key in and out as Bitcoin's WIF. */
import { addressToPubKeyHash } from '../../primitives/address.js';
import { WalletError, decodeWalletWif, encodeWif } from '../../wallet/index.js';
import type { MethodTable, RpcContext } from '../context.js';
import { RpcParamError } from '../errors.js';
import { param, parseParams } from '../params.js';

/** Any string (Bitcoin Core allows an empty label); the wallet checks its length and characters. */
function labelParam(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new RpcParamError(`parameter "${name}" must be a string, got ${JSON.stringify(value)}`);
  return value;
}

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
      const { privateKey: wif, label } = parseParams(params, { privateKey: param.string(), label: param.optional(labelParam, undefined) });
      const { address, added } = await ctx.wallet.importKey(decodeWalletWif(wif), label);
      return { address, added, label: label ?? null };
    },
  };
}
