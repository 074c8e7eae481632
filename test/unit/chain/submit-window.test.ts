import test from 'ava';
import { DEFAULT_SUBMIT_LIMITS, SubmitWindow, blockInputs, type SubmitLimits } from '../../../src/chain/submit-window.js';
import { COMMIT_GROUP_MAX_BLOCKS, COMMIT_GROUP_MAX_BYTES, COMMIT_GROUP_MAX_INPUTS } from '../../../src/chain/constants.js';
import type { Block } from '../../../src/primitives/block.js';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';

const alice = makeKey();

/** A block at height 1 with `txs` one-input transactions (inputs need not exist: the window reads only sizes). */
function blockWithInputs(txs: number): Block {
  const funding = buildBlock({ miner: alice });
  const spends = Array.from({ length: txs }, (_, i) => spend(alice, [{ ...outpoint(funding.transactions[0]!), index: i }], [pay(alice, 1n)]));
  return buildBlock({ parent: funding, miner: alice, txs: spends });
}

const ample: SubmitLimits = { maxInputs: 1_000, maxBytes: 10_000_000, maxBlocks: 1_000 };

/** Adds `block` until the window is full; how many went in. */
function fill(window: SubmitWindow, block: Block): number {
  let n = 0;
  while (window.hasRoom && n < 100_000) {
    window.add(block);
    n++;
  }
  return n;
}

test('blockInputs counts the inputs of the non-coinbase transactions', (t) => {
  t.is(blockInputs(blockWithInputs(3)), 3);
  t.is(blockInputs(buildBlock({ miner: alice })), 0);
});

test('the window fills by inputs: the block that reaches the limit is the last one in', (t) => {
  const window = new SubmitWindow({ ...ample, maxInputs: 10 });
  t.is(fill(window, blockWithInputs(4)), 3, '4 + 4 < 10, so a third goes in (12): at most one block over');
  t.is(window.blocks, 3);
  t.false(window.hasRoom);
});

test('the window fills by bytes and by blocks too; coinbase-only blocks are bounded by the count alone', (t) => {
  const block = blockWithInputs(2);
  t.is(fill(new SubmitWindow({ ...ample, maxBytes: block.size * 3 }), block), 3);
  t.is(fill(new SubmitWindow({ ...ample, maxBytes: block.size * 3 + 1 }), block), 4, 'one block over the byte bound at most');
  t.is(fill(new SubmitWindow({ ...ample, maxBlocks: 7 }), blockWithInputs(0)), 7);
  t.is(fill(new SubmitWindow({ ...ample, maxInputs: 1 }), buildBlock({ miner: alice })), ample.maxBlocks, 'no inputs: only the block count stops them');
});

test('a block larger than every limit still goes when the window is empty, alone', (t) => {
  const window = new SubmitWindow({ maxInputs: 1, maxBytes: 1, maxBlocks: 1_000 });
  const big = blockWithInputs(5);
  t.true(window.hasRoom);
  window.add(big);
  t.false(window.hasRoom);
  window.remove(big);
  t.true(window.hasRoom);
  t.is(window.blocks, 0);
});

test('settled blocks free their room', (t) => {
  const window = new SubmitWindow({ ...ample, maxInputs: 8 });
  const block = blockWithInputs(4);
  window.add(block);
  window.add(block);
  t.false(window.hasRoom);
  window.remove(block);
  t.true(window.hasRoom);
  t.is(window.blocks, 1);
});

test('the default window holds more than one commit group, so the workers verify the next group while one commits', (t) => {
  t.true(DEFAULT_SUBMIT_LIMITS.maxInputs >= 2 * COMMIT_GROUP_MAX_INPUTS);
  t.true(DEFAULT_SUBMIT_LIMITS.maxBytes >= 2 * COMMIT_GROUP_MAX_BYTES);
  t.true(DEFAULT_SUBMIT_LIMITS.maxBlocks >= 2 * COMMIT_GROUP_MAX_BLOCKS);
  t.log(`default submit window: ${DEFAULT_SUBMIT_LIMITS.maxInputs} inputs, ${DEFAULT_SUBMIT_LIMITS.maxBytes} bytes, ${DEFAULT_SUBMIT_LIMITS.maxBlocks} blocks`);
});
