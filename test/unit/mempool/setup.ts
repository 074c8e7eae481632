import type { MempoolPolicy } from '../../../src/mempool/constants.js';
import { Mempool } from '../../../src/mempool/mempool.js';
import type { Block } from '../../../src/primitives/block.js';
import { silentLogger } from '../../../src/util/logger.js';
import { type TestKey, buildBlock, makeKey } from '../../helpers/fixtures.js';
import { MemoryChain } from './memory-chain.js';

export interface PoolSetup {
  chain: MemoryChain;
  pool: Mempool;
  /** Owns one 1000-coin coinbase output per block. */
  alice: TestKey;
  bob: TestKey;
  blocks: Block[];
  removed: { txid: string; reason: string }[];
}

/** A fake chain of `blockCount` blocks, each paying its coinbase to alice, and an empty pool. */
export interface PoolSetupOptions {
  policy?: Partial<MempoolPolicy>;
  nowMs?: () => number;
}

export function setupPool(blockCount = 3, maxTxs = 100, { policy, nowMs }: PoolSetupOptions = {}): PoolSetup {
  const chain = new MemoryChain();
  const alice = makeKey();
  const bob = makeKey();
  const blocks: Block[] = [];
  for (let i = 0; i < blockCount; i++) {
    const block = buildBlock({ parent: blocks[i - 1], miner: alice });
    chain.connect(block);
    blocks.push(block);
  }
  const pool = new Mempool({ chain, logger: silentLogger(), maxTxs, coinbaseMaturity: 1, ...(policy ? { policy } : {}), ...(nowMs ? { nowMs } : {}) });
  const removed: { txid: string; reason: string }[] = [];
  pool.on('tx:removed', (txid, reason) => removed.push({ txid: txid.toString('hex'), reason }));
  return { chain, pool, alice, bob, blocks, removed };
}

/** The coinbase of `block` (output 0 pays the miner). */
export function coinbaseOf(block: Block): { txid: Buffer; index: number } {
  return { txid: block.transactions[0]!.txid, index: 0 };
}
