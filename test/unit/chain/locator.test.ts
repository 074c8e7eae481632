import test from 'ava';
import { locatorHeights } from '../../../src/chain/locator.js';
import type { Block } from '../../../src/primitives/block.js';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { openChain } from './setup.js';

test('locator heights: 10 consecutive from the tip, then doubling steps, genesis last', (t) => {
  t.deepEqual(locatorHeights(0), [0]);
  t.deepEqual(locatorHeights(5), [5, 4, 3, 2, 1, 0]);
  t.deepEqual(locatorHeights(9), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  t.deepEqual(locatorHeights(30), [30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 19, 15, 7, 0]);
  const big = locatorHeights(1_000_000);
  t.is(big.at(-1), 0);
  t.true(big.length < 35);
  for (let i = 1; i < big.length; i++) t.true(big[i]! < big[i - 1]!);
});

test('getLocator returns active-chain hashes at those heights', async (t) => {
  const chain = await openChain(t);
  const miner = makeKey();
  const blocks: Block[] = [buildBlock({ miner })];
  for (let i = 1; i <= 30; i++) blocks.push(buildBlock({ parent: blocks[i - 1]!, miner }));
  for (const b of blocks) await chain.processBlock(b);
  const locator = chain.getLocator();
  t.deepEqual(
    locator.map((h) => h.toString('hex')),
    locatorHeights(30).map((h) => blocks[h]!.hashHex),
  );
  t.deepEqual(locator[0], chain.tip?.hash);
  t.deepEqual(locator.at(-1), chain.genesisHash);
});
