/**
 * Block explorer methods (src/explorer/ computes the views): getblock, getblocks, gettransaction,
 * getaddress. Index-backed ones first let the index reach the tip (bounded wait, explorer.indexSettled).
 */
import { ExplorerError, addressView, blockView, blocksView, transactionView } from '../../explorer/index.js';
import type { MethodTable, RpcContext } from '../context.js';
import { RpcParamError } from '../errors.js';
import { noGenesisError } from '../no-genesis.js';
import { param, parseParams } from '../params.js';

/** Present as-is (a hash, a height, a cursor): the explorer parses it and answers -8 on a bad one. */
const raw =
  (required: boolean) =>
  (value: unknown, name: string): unknown => {
    if (required && (value === undefined || value === null)) throw new RpcParamError(`missing parameter "${name}"`);
    return value;
  };

export function explorerMethods(ctx: Pick<RpcContext, 'explorer'> & Partial<Pick<RpcContext, 'config' | 'network'>>): MethodTable {
  // Read per call, after the parameters are checked: a bad call never touches the node.
  const explorer = (): RpcContext['explorer'] => ctx.explorer;
  /** An empty chain gets the same answer as every other method: the next step with this node's flags. */
  const onChain = <T>(view: () => T): T => {
    try {
      return view();
    } catch (err) {
      const { config, network } = ctx;
      if (err instanceof ExplorerError && err.code === 'no-genesis' && config !== undefined && network !== undefined) throw noGenesisError({ config, network });
      throw err;
    }
  };
  return {
    getblock: (params) => {
      const { ref, verbose } = parseParams(params, { ref: raw(true), verbose: param.optional(param.boolean(), false) });
      return onChain(() => blockView(explorer(), ref, verbose));
    },

    getblocks: (params) => {
      const { start, count } = parseParams(params, { start: raw(true), count: raw(false) });
      return onChain(() => blocksView(explorer(), start, count));
    },

    gettransaction: async (params) => {
      const { txid } = parseParams(params, { txid: raw(true) });
      await explorer().indexSettled();
      return transactionView(explorer(), txid);
    },

    /** Bitcoin Core's getindexinfo: each index, whether it has reached the tip, and the last block it holds. */
    getindexinfo: (params) => {
      parseParams(params, {});
      const info = { synced: explorer().indexSynced(), bestBlockHeight: explorer().index.best?.height ?? null };
      return { txindex: info, addressindex: info };
    },

    getaddress: async (params) => {
      const { address, limit, before } = parseParams(params, { address: param.address(), limit: raw(false), before: raw(false) });
      await explorer().indexSettled();
      return addressView(explorer(), { address, limit, before });
    },
  };
}
