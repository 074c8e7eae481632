/**
 * The page's detail views from the explorer module, so a block, a tx or an address looks the
 * same on the page as in `getblock`/`gettransaction`/`getaddress`. Blocks come verbose (the
 * page lists each transaction with its amounts); index-backed views first let the index reach
 * the tip, as the RPC methods do.
 */
import { addressView, blockSummary, blockView, blocksView, isSummaryCached, storedSummary, transactionView } from '../explorer/index.js';
import type { RpcExplorer } from '../rpc/context.js';
import type { WebExplorerViews } from './node-source.js';

export function explorerViews(explorer: RpcExplorer): WebExplorerViews {
  const { chain } = explorer;
  return {
    blockSummary,
    blocks: (start, count) => blocksView(explorer, start, count),
    uncachedSummaries: (start, count) => {
      const tip = chain.tip;
      let uncached = 0;
      for (let h = start; tip !== undefined && h <= tip.height && h < start + count; h++) {
        const hash = chain.getHashAtHeight(h);
        if (hash !== undefined && !isSummaryCached(hash)) uncached++;
      }
      return uncached;
    },
    blockBytes: (ref) => {
      let hash: Buffer | undefined;
      if ('txid' in ref) {
        const txid = Buffer.from(ref.txid, 'hex');
        // A pooled tx's view reads no block.
        hash = explorer.mempool.entry(txid) === undefined ? explorer.index.findTx(txid)?.blockHash : undefined;
      } else {
        hash = 'hash' in ref ? Buffer.from(ref.hash, 'hex') : chain.getHashAtHeight(ref.height);
      }
      return hash === undefined ? 0 : (storedSummary(chain, hash)?.size ?? 0);
    },
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
