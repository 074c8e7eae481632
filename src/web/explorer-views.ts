/**
 * The page's detail views from the explorer module, so a block, a tx or an address looks the
 * same on the page as in `getblock`/`gettransaction`/`getaddress`. Blocks come verbose (the
 * page lists each transaction with its amounts); index-backed views first let the index reach
 * the tip, as the RPC methods do.
 */
import { addressView, blockSummary, blockView, blocksView, transactionView } from '../explorer/index.js';
import type { RpcExplorer } from '../rpc/context.js';
import type { WebExplorerViews } from './node-source.js';

export function explorerViews(explorer: RpcExplorer): WebExplorerViews {
  return {
    blockSummary,
    blocks: (start, count) => blocksView(explorer, start, count),
    block: (ref) => blockView(explorer, 'hash' in ref ? ref.hash : ref.height, true),
    tx: async (txid) => {
      await explorer.indexSettled();
      return transactionView(explorer, txid);
    },
    address: async (address) => {
      await explorer.indexSettled();
      return addressView(explorer, { address });
    },
  };
}
