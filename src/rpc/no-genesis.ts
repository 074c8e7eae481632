/**
 * The error every RPC method that needs a chain gives on an empty one, with the next step for
 * THIS node: its exact CLI flags, and "waiting for peers" rather than "create a genesis block"
 * when it has peers to learn the chain from (a second genesis there would fork it off the network).
 */
import { emptyChainHint } from '../util/suggest.js';
import { RpcCode } from './constants.js';
import type { RpcContext } from './context.js';
import { RpcError } from './errors.js';

/**
 * Bootstrap nodes configured, peers added by hand, or a connected peer that has a chain (work > 0):
 * the chain can come from them. A connected peer with an empty chain does not count: the first
 * node of a new network, with its second node already connected, still needs its genesis_block.
 */
export function hasPeerSources(ctx: Pick<RpcContext, 'config' | 'network'>): boolean {
  return ctx.config.bootstrap.length > 0 || ctx.network.manualPeers().length > 0 || ctx.network.peers().some((p) => p.ready && p.bestWork !== '0');
}

export function noGenesisError(ctx: Pick<RpcContext, 'config' | 'network'>): RpcError {
  return new RpcError(RpcCode.NotReady, 'no-genesis', `this node has no chain yet; ${emptyChainHint(ctx.config, hasPeerSources(ctx))}`);
}
