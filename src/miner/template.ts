import { randomBytes } from 'node:crypto';
import { MEDIAN_TIME_SPAN_BLOCKS } from '../chain/constants.js';
import type { ChainParams } from '../chain/params.js';
import type { ChainTip } from '../chain/types.js';
import { Block, BlockHeader } from '../primitives/block.js';
import { ZERO_HASH } from '../primitives/hash.js';
import { merkleRoot } from '../primitives/merkle.js';
import { compactToTarget } from '../primitives/pow.js';
import { Transaction } from '../primitives/tx.js';
import { BLOCK_VERSION, COINBASE_EXTRA_NONCE_BYTES } from './constants.js';
import { MinerError } from './errors.js';
import { PowSolver } from './pow-solver.js';

export interface BlockTemplate {
  /** Header with nonce 0; the worker fills in nonce (and may bump the timestamp). */
  readonly header: BlockHeader;
  readonly transactions: readonly Transaction[];
  readonly fees: bigint;
}

export interface TemplateInput {
  /** Parent header; undefined for a genesis block. */
  parent: BlockHeader | undefined;
  params: ChainParams;
  rewardPubKeyHash: Buffer;
  txs: readonly Transaction[];
  fees: bigint;
  timestampSec: number;
}

/** Coinbase (reward + fees, random extra data so templates never repeat) + txs, header ready to mine. */
export function buildTemplate(input: TemplateInput): BlockTemplate {
  const height = input.parent ? input.parent.height + 1 : 0;
  const coinbase = Transaction.coinbase(
    height,
    [{ amount: input.params.blockRewardAmount + input.fees, pubKeyHash: input.rewardPubKeyHash }],
    randomBytes(COINBASE_EXTRA_NONCE_BYTES),
  );
  const transactions = [coinbase, ...input.txs];
  const header = new BlockHeader({
    version: BLOCK_VERSION,
    prevHash: input.parent ? input.parent.hash : ZERO_HASH,
    merkleRoot: merkleRoot(transactions.map((tx) => tx.txid)),
    timestamp: input.timestampSec,
    bits: input.params.powBits,
    height,
    nonce: 0,
  });
  return { header, transactions, fees: input.fees };
}

/**
 * The earliest timestamp consensus allows after `tip` is median-time-past + 1; use the clock
 * when it is later (it normally is).
 */
export function nextBlockTimestamp(tip: ChainTip, headerAtHeight: (height: number) => BlockHeader | undefined, nowSec: number): number {
  const times: number[] = [];
  for (let h = tip.height; h >= 0 && times.length < MEDIAN_TIME_SPAN_BLOCKS; h--) {
    const header = h === tip.height ? tip.header : headerAtHeight(h);
    if (!header) break;
    times.push(header.timestamp);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? 0;
  return Math.max(nowSec, median + 1);
}

export interface GenesisOptions {
  rewardPubKeyHash: Buffer;
  params: ChainParams;
  timestampSec: number;
}

/** A mined genesis block paying the block reward to `rewardPubKeyHash` (not yet processed). */
export async function createGenesisBlock(options: GenesisOptions): Promise<Block> {
  const template = buildTemplate({ parent: undefined, params: options.params, rewardPubKeyHash: options.rewardPubKeyHash, txs: [], fees: 0n, timestampSec: options.timestampSec });
  const solver = new PowSolver();
  try {
    const { solution } = await solver.solve(template.header.encode(), compactToTarget(options.params.powBits));
    if (!solution) throw new MinerError('mining-stopped', 'the genesis block search was aborted');
    return new Block(template.header.withNonce(solution.nonce, solution.timestamp), template.transactions);
  } finally {
    await solver.terminate();
  }
}
