/** Coinbase maturity (consensus): a block spending a reward too early is invalid; the genesis reward is exempt. */
import test from 'ava';
import { ValidationError } from '../../../src/chain/errors.js';
import type { ChainParams } from '../../../src/chain/params.js';
import { isImmatureCoinbase } from '../../../src/chain/validate-tx.js';
import type { Block } from '../../../src/primitives/block.js';
import { TEST_PARAMS, buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { openChain } from './setup.js';

const PARAMS: ChainParams = { ...TEST_PARAMS, coinbaseMaturity: 3 };

/** genesis + `count` blocks, every reward to `miner`. */
function chainOf(miner: ReturnType<typeof makeKey>, count: number): Block[] {
  const blocks = [buildBlock({ miner, params: PARAMS })];
  for (let i = 0; i < count; i++) blocks.push(buildBlock({ parent: blocks.at(-1), miner, params: PARAMS }));
  return blocks;
}

test('a block spending a reward before it has coinbaseMaturity confirmations is invalid (consensus)', async (t) => {
  const chain = await openChain(t, { params: PARAMS });
  const miner = makeKey();
  const blocks = chainOf(miner, 2); // heights 0..2
  for (const b of blocks) await chain.processBlock(b);
  // Reward of height 1 spent at height 3: 2 confirmations counting the spending block, 3 needed.
  const early = spend(miner, [outpoint(blocks[1]!.transactions[0]!)], [pay(miner, 1000n)]);
  const bad = buildBlock({ parent: blocks[2], miner, params: PARAMS, txs: [early] });
  const err = await t.throwsAsync(chain.processBlock(bad), { instanceOf: ValidationError });
  t.is(err?.code, 'bad-txns-premature-spend-of-coinbase');
  t.true(err!.consensus, 'a peer sending this block broke the rules');
  t.regex(err!.message, /need 3 confirmations \(spendable from height 4\)/);
  t.is(chain.tip?.height, 2);

  // One block later (height 4) the same spend is valid.
  const b3 = buildBlock({ parent: blocks[2], miner, params: PARAMS, extraData: Buffer.from('b3') });
  await chain.processBlock(b3);
  const ok = buildBlock({ parent: b3, miner, params: PARAMS, txs: [early] });
  t.is((await chain.processBlock(ok)).status, 'connected');
});

test('the genesis reward is spendable at once (the tutorial sends it in block 1)', async (t) => {
  const chain = await openChain(t, { params: PARAMS });
  const miner = makeKey();
  const genesis = buildBlock({ miner, params: PARAMS });
  await chain.processBlock(genesis);
  const tx = spend(miner, [outpoint(genesis.transactions[0]!)], [pay(makeKey(), 1000n)]);
  const b1 = buildBlock({ parent: genesis, miner, params: PARAMS, txs: [tx] });
  t.is((await chain.processBlock(b1)).status, 'connected');
});

test('isImmatureCoinbase counts the spending block as a confirmation and ignores ordinary outputs', (t) => {
  const coin = { amount: 1n, pubKeyHash: Buffer.alloc(20), height: 10, isCoinbase: true };
  t.true(isImmatureCoinbase(coin, 12, 3));
  t.false(isImmatureCoinbase(coin, 13, 3));
  t.false(isImmatureCoinbase({ ...coin, isCoinbase: false }, 11, 3));
  t.false(isImmatureCoinbase({ ...coin, height: 0 }, 1, 3), 'genesis reward');
});
