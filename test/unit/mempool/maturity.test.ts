/** The pool and coinbase maturity: premature spends refused (not as invalid), immature coins not spendable, reorgs. */
import test from 'ava';
import { ValidationError } from '../../../src/chain/errors.js';
import { MempoolError } from '../../../src/mempool/index.js';
import { pay, spend } from '../../helpers/fixtures.js';
import { coinbaseOf, connectEmptyBlock, setupPool } from './setup.js';

test('a premature spend of a block reward is a policy refusal; it is accepted once mature', (t) => {
  // Blocks 0..2 pay alice; the next block is height 3.
  const setup = setupPool(3, 100, { coinbaseMaturity: 3 });
  const { pool, alice, bob, blocks } = setup;
  const early = spend(alice, [coinbaseOf(blocks[1]!)], [pay(bob, 1000n)]);
  const err = t.throws(() => pool.addTransaction(early));
  t.true(err instanceof MempoolError && !(err instanceof ValidationError), 'not a ValidationError: the sender is not punished');
  t.is((err as MempoolError).code, 'bad-txns-premature-spend-of-coinbase');
  t.notThrows(() => pool.addTransaction(spend(alice, [coinbaseOf(blocks[0]!)], [pay(bob, 1000n)])), 'genesis reward is exempt');

  connectEmptyBlock(setup);
  t.notThrows(() => pool.addTransaction(early));
});

test('spendableCoins leaves immature rewards out and balance shows them apart', (t) => {
  const { pool, alice } = setupPool(4, 100, { coinbaseMaturity: 3 });
  // Tip 3, next block 4: rewards of heights 0 (genesis) and 1 are spendable, 2 and 3 are not.
  const heights = pool.spendableCoins(alice.pubKeyHash).map((c) => c.coin.height).sort();
  t.deepEqual(heights, [0, 1]);
  t.deepEqual(pool.balance(alice.pubKeyHash), { confirmed: 2000n, immature: 2000n, unconfirmed: 2000n });
});

test('a reorg that makes a pooled spend of a reward immature again drops it with its descendants', async (t) => {
  const setup = setupPool(4, 100, { coinbaseMaturity: 3 });
  const { pool, alice, bob, blocks, chain, removed } = setup;
  const tx = spend(alice, [coinbaseOf(blocks[1]!)], [pay(bob, 1000n)]); // mature at height 4
  pool.addTransaction(tx);
  const child = spend(bob, [{ txid: tx.txid, index: 0 }], [pay(alice, 1000n)]);
  pool.addTransaction(child);
  // The tip block goes (a shorter chain wins, or it is invalidated): height 3 is next again.
  const tip = blocks.at(-1)!;
  chain.disconnect(tip, blocks.at(-2));
  pool.blockDisconnected(tip);
  await new Promise((resolve) => setImmediate(resolve));
  t.false(pool.has(tx.txid));
  t.false(pool.has(child.txid));
  t.deepEqual(removed.map((r) => r.reason), ['immature-coinbase', 'immature-coinbase']);
});
