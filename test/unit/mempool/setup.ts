import type { MempoolPolicy } from '../../../src/mempool/constants.js';
import { Mempool } from '../../../src/mempool/mempool.js';
import type { Block } from '../../../src/primitives/block.js';
import type { Transaction } from '../../../src/primitives/tx.js';
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
  /** Default 1: a reward is spendable in the next block. */
  coinbaseMaturity?: number;
  maxBlockBytes?: number;
}

export function setupPool(blockCount = 3, maxTxs = 100, { policy, nowMs, coinbaseMaturity = 1, maxBlockBytes }: PoolSetupOptions = {}): PoolSetup {
  const chain = new MemoryChain();
  const alice = makeKey();
  const bob = makeKey();
  const blocks: Block[] = [];
  for (let i = 0; i < blockCount; i++) {
    const block = buildBlock({ parent: blocks[i - 1], miner: alice });
    chain.connect(block);
    blocks.push(block);
  }
  const pool = new Mempool({
    chain,
    logger: silentLogger(),
    maxTxs,
    coinbaseMaturity,
    ...(maxBlockBytes ? { maxBlockBytes } : {}),
    ...(policy ? { policy } : {}),
    ...(nowMs ? { nowMs } : {}),
  });
  const removed: { txid: string; reason: string }[] = [];
  pool.on('tx:removed', (txid, reason) => removed.push({ txid: txid.toString('hex'), reason }));
  return { chain, pool, alice, bob, blocks, removed };
}

/** The coinbase of `block` (output 0 pays the miner). */
export function coinbaseOf(block: Block): { txid: Buffer; index: number } {
  return { txid: block.transactions[0]!.txid, index: 0 };
}

/** A clock tests move by hand. */
export function manualClock(startMs = 1_700_000_000_000): { nowMs: () => number; advance: (ms: number) => void } {
  let now = startMs;
  return { nowMs: () => now, advance: (ms) => void (now += ms) };
}

/** Mines a block (holding `txs`) on the fake chain's tip and tells the pool (a block connected). */
export function connectEmptyBlock(setup: PoolSetup, txs: readonly Transaction[] = []): Block {
  const block = buildBlock({ parent: setup.blocks.at(-1), miner: setup.bob, txs });
  setup.chain.connect(block);
  setup.blocks.push(block);
  setup.pool.blockConnected(block);
  return block;
}

/** Connects a block whose coinbase pays alice `amount` (the fake chain checks no reward rule); returns that coin. */
export function richCoin(setup: PoolSetup, amount: bigint): { txid: Buffer; index: number } {
  const block = buildBlock({ parent: setup.blocks.at(-1), miner: setup.alice, coinbaseAmount: amount });
  setup.chain.connect(block);
  setup.blocks.push(block);
  setup.pool.blockConnected(block);
  return coinbaseOf(block);
}
