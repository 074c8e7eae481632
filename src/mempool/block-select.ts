/**
 * Choosing pool transactions for a block template: highest fee rate first among those whose
 * pool parents are already in, so parents precede children, within the block's byte budget.
 */
import type { Transaction } from '../primitives/tx.js';
import { COINBASE_RESERVE_BYTES } from './constants.js';
import type { PoolTx } from './pool-tx.js';
import { topoOrder } from './topo.js';

/** Higher fee rate first (exact, in bigints), then arrival order. */
function byFeeRate(a: PoolTx, b: PoolTx): number {
  const lhs = a.entry.fee * BigInt(b.entry.size);
  const rhs = b.entry.fee * BigInt(a.entry.size);
  return lhs === rhs ? a.seq - b.seq : lhs > rhs ? -1 : 1;
}

/**
 * Transactions of `pool` for a block of at most `maxBytes` (room for header and coinbase is kept),
 * at most `limit` of them, with their total fee.
 */
export function selectForBlock(pool: Iterable<PoolTx>, maxBytes: number, limit: number): { txs: Transaction[]; fees: bigint } {
  let budget = maxBytes - COINBASE_RESERVE_BYTES;
  let taken = 0;
  const chosen = topoOrder(pool, byFeeRate, (node) => {
    if (taken >= limit || node.entry.size > budget) return false;
    budget -= node.entry.size;
    taken++;
    return true;
  });
  let fees = 0n;
  for (const node of chosen) fees += node.entry.fee;
  return { txs: chosen.map((n) => n.entry.tx), fees };
}

/**
 * How many txs a template of `maxBytes` would take, counting at most `limit`, for a pool holding
 * `poolBytes` in `poolSize` txs. The miner asks on every accepted tx: when the whole pool fits
 * the block (the usual case) the answer needs no selection at all.
 */
export function countForBlock(pool: Iterable<PoolTx>, poolSize: number, poolBytes: number, maxBytes: number, limit: number): number {
  if (poolBytes <= maxBytes - COINBASE_RESERVE_BYTES) return Math.min(poolSize, limit);
  return selectForBlock(pool, maxBytes, limit).txs.length;
}
