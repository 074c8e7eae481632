import test from 'ava';
import { buildBlock, pay, spend } from '../../helpers/fixtures.js';
import { coinbaseOf, setupPool } from './setup.js';

test('newest: the last transactions to enter, newest first, at most `limit`; a removed one is gone', (t) => {
  const { chain, pool, alice, bob, blocks } = setupPool(8);
  const txs = blocks.slice(0, 7).map((b, i) => spend(alice, [coinbaseOf(b)], [pay(bob, 100n + BigInt(i)), pay(alice, 800n)]));
  for (const tx of txs) pool.addTransaction(tx);
  const ids = (limit: number): string[] => pool.newest(limit).map((e) => e.tx.txidHex);
  t.deepEqual(ids(3), [txs[6]!, txs[5]!, txs[4]!].map((tx) => tx.txidHex));
  t.deepEqual(ids(20), [...txs].reverse().map((tx) => tx.txidHex), 'fewer than the limit: all of them');
  t.deepEqual(ids(7), ids(20));
  t.deepEqual(ids(0), []);
  // A block confirming the newest takes it out of the list.
  const block = buildBlock({ parent: blocks[7]!, miner: alice, txs: [txs[0]!, txs[6]!] });
  chain.connect(block);
  pool.blockConnected(block);
  t.deepEqual(ids(2), [txs[5]!, txs[4]!].map((tx) => tx.txidHex));
});
