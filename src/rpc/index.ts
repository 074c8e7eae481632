import type { MethodTable, RpcContext } from './context.js';
import { chainMethods } from './methods/chain.js';
import { controlMethods } from './methods/control.js';
import { explorerMethods } from './methods/explorer.js';
import { mempoolMethods } from './methods/mempool.js';
import { natMethods } from './methods/nat.js';
import { networkMethods } from './methods/network.js';
import { miningMethods } from './methods/mining.js';
import { walletMethods } from './methods/wallet.js';
import { verifyMethods } from './methods/verify.js';
import { walletKeyMethods } from './methods/wallet-keys.js';
import { unspentMethods } from './methods/unspent.js';
import { helpMethods } from './methods/help.js';
import { rawTransactionMethods } from './methods/rawtx.js';
import { LISTUNSPENT_MAX_COINS } from './constants.js';
import { METHOD_DOCS } from './method-docs.js';

export * from './constants.js';
export * from './context.js';
export * from './cookie.js';
export * from './errors.js';
export { METHOD_DOCS, type MethodDoc, type ParamDoc, methodUsage } from './method-docs.js';
export { type PublicHttpHandler, RpcServer, type RpcServerOptions } from './server.js';

/** Every RPC method of a node, by the name the CLI uses; each one has its entry in METHOD_DOCS (method-docs.ts), which `help` answers from. */
export function allMethods(ctx: RpcContext): MethodTable {
  return {
    ...chainMethods(ctx),
    ...verifyMethods(ctx),
    ...walletMethods(ctx),
    ...walletKeyMethods(ctx),
    ...unspentMethods(ctx, LISTUNSPENT_MAX_COINS),
    ...miningMethods(ctx),
    ...mempoolMethods(ctx),
    ...rawTransactionMethods(ctx),
    ...networkMethods(ctx),
    ...natMethods(ctx),
    ...controlMethods(ctx),
    ...explorerMethods(ctx),
    ...helpMethods(METHOD_DOCS),
  };
}
