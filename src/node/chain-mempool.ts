/**
 * Keeps the mempool in step with the chain: a connected block's txs and conflicts leave the pool,
 * a disconnected block's txs come back. The chain logs each block itself.
 */
import type { Chain } from '../chain/chain.js';
import type { Mempool } from '../mempool/index.js';
import type { Block } from '../primitives/block.js';
import type { Logger } from '../util/logger.js';

/** A throw here would surface inside the chain's emit after its commit, so it is logged instead. */
export function followChain(chain: Chain, mempool: Mempool, logger: Logger): void {
  const guarded = (what: string, fn: (block: Block) => void) => (block: Block) => {
    try {
      fn(block);
    } catch (err) {
      logger.error({ err, height: block.height, hash: block.header.hashHex }, `mempool update after a block was ${what} failed`);
    }
  };
  chain.on('block:connected', guarded('connected', (block) => mempool.blockConnected(block)));
  chain.on('block:disconnected', guarded('disconnected', (block) => mempool.blockDisconnected(block)));
}
