/** Standardness: size, input and output counts, never-fits-a-block; zero-fee txs while there is room. */
import test from 'ava';
import { COINBASE_RESERVE_BYTES, DEFAULT_MEMPOOL_POLICY, MempoolError } from '../../../src/mempool/index.js';
import type { TxOutput } from '../../../src/primitives/tx.js';
import { type TestKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { coinbaseOf, richCoin, setupPool } from './setup.js';

/** `count` outputs of one coin each to `to`. */
function ones(to: TestKey, count: number): TxOutput[] {
  return Array.from({ length: count }, () => pay(to, 1n));
}

test('a ~1 MB transaction is refused as tx-size; one just under the limit is accepted', (t) => {
  const setup = setupPool(3, 100, { policy: { maxTxOutputs: 1_000_000 } });
  const { pool, alice, bob } = setup;
  const coin = richCoin(setup, 100_000n);
  const oneMb = spend(alice, [coin], ones(bob, 35_000));
  t.true(oneMb.size > 950_000 && oneMb.size < 1_000_000, `${oneMb.size} bytes`);
  const err = t.throws(() => pool.addTransaction(oneMb), { instanceOf: MempoolError });
  t.is(err?.code, 'tx-size');
  t.regex(err!.message, /more than the 100000 a standard transaction may have/);
  t.is(pool.size, 0);

  // Largest output count that stays within 100,000 bytes: accepted.
  const fits = Math.floor((DEFAULT_MEMPOOL_POLICY.maxTxBytes - 200) / 28);
  const standard = spend(alice, [coin], ones(bob, fits));
  t.true(standard.size <= DEFAULT_MEMPOOL_POLICY.maxTxBytes);
  t.notThrows(() => pool.addTransaction(standard));
});

test('a transaction that could never fit a block is refused even under a larger size limit', (t) => {
  const maxBlockBytes = 5000;
  const setup = setupPool(3, 100, { maxBlockBytes });
  const { pool, alice, bob, blocks } = setup;
  const tooBig = spend(alice, [coinbaseOf(blocks[0]!)], ones(bob, 160)); // ~4.5 kB > 5000 - reserve
  t.true(tooBig.size > maxBlockBytes - COINBASE_RESERVE_BYTES && tooBig.size < DEFAULT_MEMPOOL_POLICY.maxTxBytes);
  const err = t.throws(() => pool.addTransaction(tooBig), { instanceOf: MempoolError });
  t.is(err?.code, 'tx-exceeds-block-size');
  t.regex(err!.message, /could never be mined/);
  t.is(pool.maxStandardTxBytes, maxBlockBytes - COINBASE_RESERVE_BYTES);
  t.notThrows(() => pool.addTransaction(spend(alice, [coinbaseOf(blocks[0]!)], ones(bob, 100))));
});

test('input and output counts are bounded', (t) => {
  const setup = setupPool(5, 100, { policy: { maxTxInputs: 2, maxTxOutputs: 3 } });
  const { pool, alice, bob, blocks } = setup;
  const threeIn = spend(alice, blocks.slice(0, 3).map(coinbaseOf), [pay(bob, 3000n)]);
  t.is(t.throws(() => pool.addTransaction(threeIn), { instanceOf: MempoolError })?.code, 'too-many-inputs');
  const fourOut = spend(alice, [coinbaseOf(blocks[0]!)], ones(bob, 4));
  t.is(t.throws(() => pool.addTransaction(fourOut), { instanceOf: MempoolError })?.code, 'too-many-outputs');
  t.is(pool.size, 0);
  t.notThrows(() => pool.addTransaction(spend(alice, blocks.slice(0, 2).map(coinbaseOf), ones(bob, 3))));
});

test('zero-fee transactions are accepted while the pool has room', (t) => {
  const { pool, alice, bob, blocks } = setupPool(4);
  for (const block of blocks) t.is(pool.addTransaction(spend(alice, [coinbaseOf(block)], [pay(bob, 1000n)])).fee, 0n);
  t.is(pool.size, 4);
  t.is(pool.minFeeRate(), 0);
});

test('a standard child of a big parent is fine: limits are per transaction', (t) => {
  const { pool, alice, bob, blocks } = setupPool();
  const parent = spend(alice, [coinbaseOf(blocks[0]!)], ones(bob, 1000));
  pool.addTransaction(parent);
  t.notThrows(() => pool.addTransaction(spend(bob, [outpoint(parent, 0), outpoint(parent, 1)], [pay(alice, 2n)])));
});
