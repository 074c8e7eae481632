/** The indexer and the views over the real Chain (LMDB store, real undo data, a real reorg). */
import test from 'ava';
import { join } from 'node:path';
import { Chain } from '../../../src/chain/chain.js';
import { ChainIndexer, blockView, transactionView } from '../../../src/explorer/index.js';
import { silentLogger } from '../../../src/util/logger.js';
import { waitFor } from '../../integration/harness.js';
import { FakeMempool } from '../../helpers/explorer-fakes.js';
import { TEST_PARAMS, buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { checkIndex } from './indexer-check.js';

test('the real chain: indexed as it connects, rewound and re-indexed by a reorg; views agree', async (t) => {
  const dir = await tempDir(t);
  const chain = await Chain.open({ path: join(dir, 'chain'), params: TEST_PARAMS, logger: silentLogger(), verifyThreads: 0 });
  t.teardown(() => chain.close());
  const indexer = new ChainIndexer({ path: join(dir, 'indexes'), chain, logger: silentLogger() });
  t.teardown(() => indexer.stop());
  indexer.start();
  const sources = { chain, mempool: new FakeMempool(), index: indexer };
  const atTip = async (): Promise<boolean> => indexer.best !== undefined && indexer.best.hash.equals(chain.tip!.hash);

  const alice = makeKey();
  const bob = makeKey();
  const g = buildBlock({ miner: alice });
  const pay1 = spend(alice, [outpoint(g.transactions[0]!)], [pay(bob, 300n), pay(alice, 700n)]);
  const b1 = buildBlock({ parent: g, miner: bob, txs: [pay1] });
  const pay2 = spend(bob, [outpoint(b1.transactions[0]!)], [pay(alice, 400n), pay(bob, 600n)]);
  const b2 = buildBlock({ parent: b1, miner: bob, txs: [pay2] });
  for (const block of [g, b1, b2]) await chain.processBlock(block);
  await waitFor('the index at b2', atTip);
  checkIndex(t, indexer, [g, b1, b2]);
  t.like(transactionView(sources, pay2.txidHex), { height: 2, confirmations: 1, fee: 0n });
  t.deepEqual(transactionView(sources, pay2.txidHex).inputs.map((i) => [i.address, i.amount]), [[bob.address, 1000n]]);

  // A heavier branch from b1: c2 spends alice's change instead; b2 leaves the active chain.
  const pay3 = spend(alice, [outpoint(pay1, 1)], [pay(bob, 100n), pay(alice, 600n)]);
  const c2 = buildBlock({ parent: b1, miner: alice, txs: [pay3], extraData: Buffer.from('c') });
  const c3 = buildBlock({ parent: c2, miner: alice, extraData: Buffer.from('c') });
  await chain.processBlock(c2);
  const result = await chain.processBlock(c3);
  t.is(result.status, 'reorganized');
  await waitFor('the index at c3', atTip);
  checkIndex(t, indexer, [g, b1, c2, c3], [b2]);
  t.is(blockView(sources, b2.hashHex).confirmations, -1);
  t.like(transactionView(sources, pay3.txidHex), { height: 2, confirmations: 2, blockHash: c2.hashHex });
  t.throws(() => transactionView(sources, pay2.txidHex), { message: /^No such mempool or blockchain transaction/ });
});
