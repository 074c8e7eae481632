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

export function buildBlockFixture(blockCount: number, txsPerBlock: number): BlockFixture {
  const keys: TestKey[] = Array.from({ length: KEY_COUNT }, makeKey);
  const miner = keys[0]!;
  const owner = (pair: number, height: number): TestKey => keys[(pair + height) % KEY_COUNT]!;
  const startSec = Math.floor(Date.now() / 1000) - 2 * blockCount - 3600;
  const genesisOutputs: TxOutput[] = [];
  for (let pair = 0; pair < txsPerBlock; pair++) genesisOutputs.push(pay(owner(pair, 0), OUTPUT_AMOUNT), pay(owner(pair, 0), OUTPUT_AMOUNT));
  const genesis = assemble([Transaction.coinbase(0, genesisOutputs)], 0, undefined, startSec);

  // Pair p of the previous block: outputs (funding.txid, index) owned by owner(p, height - 1).
  let funding: OutPoint[][] = Array.from({ length: txsPerBlock }, (_, p) => [
    { txid: genesis.transactions[0]!.txid, index: 2 * p },
    { txid: genesis.transactions[0]!.txid, index: 2 * p + 1 },
  ]);
  let parent = genesis.header;
  const blocks: Buffer[] = [];
  for (let height = 1; height <= blockCount; height++) {
    const txs: Transaction[] = [Transaction.coinbase(height, [pay(miner, TEST_PARAMS.blockRewardAmount)])];
    const next: OutPoint[][] = [];
    for (let p = 0; p < txsPerBlock; p++) {
      const to = owner(p, height);
      const tx = spend(owner(p, height - 1), funding[p]!, [pay(to, OUTPUT_AMOUNT), pay(to, OUTPUT_AMOUNT)]);
      txs.push(tx);
      next.push([
        { txid: tx.txid, index: 0 },
        { txid: tx.txid, index: 1 },
      ]);
    }
    const block = assemble(txs, height, parent, startSec);
    blocks.push(block.encode());
    parent = block.header;
    funding = next;
  }
  return { genesis: genesis.encode(), blocks, inputs: blockCount * txsPerBlock * 2 };
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
