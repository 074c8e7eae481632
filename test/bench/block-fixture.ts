/**
 * A chain of blocks for the block-connect bench: a genesis whose coinbase funds OUTPUTS_PER_BLOCK
 * outputs, then blocks whose transactions (2-in/2-out, no fee) each spend a pair of outputs made
 * by the block before, so every block exercises the UTXO set, undo data and signatures.
 */
import type { Chain } from '../../src/chain/chain.js';
import { Block, BlockHeader } from '../../src/primitives/block.js';
import { ZERO_HASH } from '../../src/primitives/hash.js';
import { merkleRoot } from '../../src/primitives/merkle.js';
import { type OutPoint, Transaction, type TxOutput } from '../../src/primitives/tx.js';
import { TEST_PARAMS, makeKey, mine, pay, spend, type TestKey } from '../helpers/fixtures.js';

/** Every output of the genesis coinbase and of later transactions carries this amount. */
const OUTPUT_AMOUNT = 25n;
const KEY_COUNT = 16;

export interface BlockFixture {
  /** Encoded genesis block (connect it before timing). */
  genesis: Buffer;
  /** Encoded blocks 1..n. */
  blocks: Buffer[];
  inputs: number;
}

function assemble(txs: readonly Transaction[], height: number, parent: BlockHeader | undefined, startSec: number): Block {
  const header = new BlockHeader({
    version: 1,
    prevHash: parent ? parent.hash : ZERO_HASH,
    merkleRoot: merkleRoot(txs.map((tx) => tx.txid)),
    timestamp: startSec + height,
    bits: TEST_PARAMS.powBits,
    height,
    nonce: 0,
  });
  return new Block(mine(header), txs);
}

/** Where a chain being built stands: its last header and, per pair, the two outputs the next block spends and their owner. */
interface ChainEnd {
  parent: BlockHeader;
  funding: Array<{ outs: OutPoint[]; owner: TestKey }>;
}

interface FixtureKeys {
  keys: TestKey[];
  startSec: number;
}

function fixtureKeys(blockCount: number): FixtureKeys {
  return { keys: Array.from({ length: KEY_COUNT }, makeKey), startSec: Math.floor(Date.now() / 1000) - 2 * blockCount - 3600 };
}

function fixtureGenesis({ keys, startSec }: FixtureKeys, txsPerBlock: number): { genesis: Block; end: ChainEnd } {
  const genesisOutputs: TxOutput[] = [];
  for (let pair = 0; pair < txsPerBlock; pair++) genesisOutputs.push(pay(keys[pair % KEY_COUNT]!, OUTPUT_AMOUNT), pay(keys[pair % KEY_COUNT]!, OUTPUT_AMOUNT));
  const genesis = assemble([Transaction.coinbase(0, genesisOutputs)], 0, undefined, startSec);
  const coinbase = genesis.transactions[0]!.txid;
  const funding = Array.from({ length: txsPerBlock }, (_, p) => ({ outs: [{ txid: coinbase, index: 2 * p }, { txid: coinbase, index: 2 * p + 1 }], owner: keys[p % KEY_COUNT]! }));
  return { genesis, end: { parent: genesis.header, funding } };
}

/**
 * `count` blocks on `end`. `shift` rotates who mines and who is paid (0 for a plain chain): a
 * competing branch built on the same end with another shift pays other keys, so its transactions
 * and balances differ from the other branch's from its first block on.
 */
function extendChain({ keys, startSec }: FixtureKeys, end: ChainEnd, count: number, shift: number): { blocks: Buffer[]; end: ChainEnd } {
  const miner = keys[shift % KEY_COUNT]!;
  let { parent, funding } = end;
  const blocks: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const height = parent.height + 1;
    const txs: Transaction[] = [Transaction.coinbase(height, [pay(miner, TEST_PARAMS.blockRewardAmount)])];
    const next: ChainEnd['funding'] = [];
    for (const [p, { outs, owner }] of funding.entries()) {
      const to = keys[(p + height + shift) % KEY_COUNT]!;
      const tx = spend(owner, outs, [pay(to, OUTPUT_AMOUNT), pay(to, OUTPUT_AMOUNT)]);
      txs.push(tx);
      next.push({ outs: [{ txid: tx.txid, index: 0 }, { txid: tx.txid, index: 1 }], owner: to });
    }
    const block = assemble(txs, height, parent, startSec);
    blocks.push(block.encode());
    parent = block.header;
    funding = next;
  }
  return { blocks, end: { parent, funding } };
}

export function buildBlockFixture(blockCount: number, txsPerBlock: number): BlockFixture {
  const ctx = fixtureKeys(blockCount);
  const { genesis, end } = fixtureGenesis(ctx, txsPerBlock);
  const { blocks } = extendChain(ctx, end, blockCount, 0);
  return { genesis: genesis.encode(), blocks, inputs: blockCount * txsPerBlock * 2 };
}

/** Two chains sharing genesis and `common` (blocks 1..forkHeight), then each its own branch. */
export interface ForkFixture {
  genesis: Buffer;
  /** Blocks 1..forkHeight, on both chains. */
  common: Buffer[];
  /** Blocks forkHeight+1.. of each branch. */
  branchA: Buffer[];
  branchB: Buffer[];
}

/**
 * A fork `lengthA` / `lengthB` blocks deep on each side of height `forkHeight`: both branches
 * spend the same outputs of the fork block (so they conflict, as competing branches do) and pay
 * different keys. At equal targets the longer branch has the more work.
 */
export function buildForkFixture(forkHeight: number, lengthA: number, lengthB: number, txsPerBlock: number): ForkFixture {
  const ctx = fixtureKeys(forkHeight + Math.max(lengthA, lengthB));
  const { genesis, end } = fixtureGenesis(ctx, txsPerBlock);
  const common = extendChain(ctx, end, forkHeight, 0);
  return {
    genesis: genesis.encode(),
    common: common.blocks,
    branchA: extendChain(ctx, common.end, lengthA, 1).blocks,
    branchB: extendChain(ctx, common.end, lengthB, 2).blocks,
  };
}

/** Loading a chain: blocks handed to processBlock before awaiting the oldest (as block-connect does). */
const LOAD_WINDOW_BLOCKS = 8;

/** Connects the genesis and then every block of a fixture to `chain`; throws unless the tip ends at the last one. */
export async function loadBlockFixture(chain: Chain, genesis: Buffer, blocks: readonly Buffer[]): Promise<void> {
  await chain.processBlock(Block.decode(genesis));
  const inFlight: Promise<unknown>[] = [];
  for (const bytes of blocks) {
    inFlight.push(chain.processBlock(Block.decode(bytes)));
    if (inFlight.length >= LOAD_WINDOW_BLOCKS) await inFlight.shift();
  }
  await Promise.all(inFlight);
  if (chain.tip?.height !== blocks.length) throw new Error(`chain loaded up to height ${chain.tip?.height}, expected ${blocks.length}`);
}

/**
 * `count` coinbase-only blocks after a genesis (the empty-blocks bench): each block's only
 * transaction pays the reward to one of a few keys, so every block still adds a coin (and its
 * address-index entry) to the UTXO set, a height and moves the tip (no undo record: it spends nothing).
 */
export function buildEmptyFixture(count: number): { genesis: Buffer; blocks: Buffer[] } {
  const { keys, startSec } = fixtureKeys(count);
  const genesis = assemble([Transaction.coinbase(0, [pay(keys[0]!, OUTPUT_AMOUNT)])], 0, undefined, startSec);
  const blocks: Buffer[] = [];
  let parent = genesis.header;
  for (let height = 1; height <= count; height++) {
    const block = assemble([Transaction.coinbase(height, [pay(keys[height % KEY_COUNT]!, TEST_PARAMS.blockRewardAmount)])], height, parent, startSec);
    blocks.push(block.encode());
    parent = block.header;
  }
  return { genesis: genesis.encode(), blocks };
}
