/** The byte bound: lowest fee-rate packages go first, the rolling minimum fee rises and decays. */
import test from 'ava';
import { MIN_FEE_HALF_LIFE_MS, MempoolError, entryUsage, feeRate } from '../../../src/mempool/index.js';
import type { Transaction } from '../../../src/primitives/tx.js';
import { outpoint, pay, spend } from '../../helpers/fixtures.js';
import { coinbaseOf, connectEmptyBlock, manualClock, setupPool } from './setup.js';

/** A 1-in-1-out payment of coinbase `i` with `fee`: every one has the same size. */
function payment(setup: ReturnType<typeof setupPool>, i: number, fee: bigint): Transaction {
  return spend(setup.alice, [coinbaseOf(setup.blocks[i]!)], [pay(setup.bob, 1000n - fee)]);
}

test('a full pool evicts the lowest fee-rate transaction for a better one, then requires more than it paid', (t) => {
  const clock = manualClock();
  const probe = setupPool(1);
  const unit = entryUsage(payment(probe, 0, 0n));
  // Room for exactly three such payments.
  const setup = setupPool(8, 100, { policy: { maxBytes: 3 * unit + Math.floor(unit / 2) }, nowMs: clock.nowMs });
  const { pool, removed } = setup;
  const cheap = payment(setup, 0, 0n);
  const mid = payment(setup, 1, 5n);
  const high = payment(setup, 2, 10n);
  for (const tx of [cheap, mid, high]) pool.addTransaction(tx);
  t.is(pool.usage, 3 * unit);
  t.is(pool.minFeeRate(), 0);

  const better = payment(setup, 3, 20n);
  pool.addTransaction(better);
  t.false(pool.has(cheap.txid), 'the zero-fee tx was evicted');
  t.deepEqual(removed, [{ txid: cheap.txidHex, reason: 'size-limit' }]);
  t.true(pool.has(mid.txid) && pool.has(high.txid) && pool.has(better.txid));
  t.true(pool.usage <= pool.policy.maxBytes);
  // The next tx must pay more than the evicted one did (0) plus the increment.
  t.is(pool.minFeeRate(), 1);

  const zero = payment(setup, 4, 0n);
  const errMin = t.throws(() => pool.addTransaction(zero), { instanceOf: MempoolError });
  t.is(errMin?.code, 'mempool-min-fee-not-met');
  // Above the minimum but not above the cheapest pooled tx (5 coins): refused, nothing evicted.
  const weak = payment(setup, 4, 5n);
  const errFull = t.throws(() => pool.addTransaction(weak), { instanceOf: MempoolError });
  t.is(errFull?.code, 'mempool-full');
  t.regex(errFull!.message, /does not beat/);
  t.is(pool.size, 3);
  t.is(removed.length, 1);
  // Beating it evicts the 5-coin tx, and the minimum rises above its fee rate.
  pool.addTransaction(payment(setup, 5, 6n));
  t.false(pool.has(mid.txid));
  t.is(pool.minFeeRate(), feeRate(5, mid.size) + 1);
});

test('the rolling minimum fee decays after a block and returns to zero', (t) => {
  const clock = manualClock();
  const probe = setupPool(1);
  const unit = entryUsage(payment(probe, 0, 0n));
  const setup = setupPool(6, 100, { policy: { maxBytes: 2 * unit + Math.floor(unit / 2) }, nowMs: clock.nowMs });
  const { pool } = setup;
  pool.addTransaction(payment(setup, 0, 100n));
  pool.addTransaction(payment(setup, 1, 100n));
  pool.addTransaction(payment(setup, 2, 200n)); // evicts a 100-coin tx
  const raised = pool.minFeeRate();
  t.true(raised > 100);
  // Time alone does not lower it: only after a block has made room.
  clock.advance(10 * MIN_FEE_HALF_LIFE_MS);
  t.is(pool.minFeeRate(), raised);
  // The block confirms what the pool holds: room again.
  connectEmptyBlock(setup, pool.entries().map((e) => e.tx));
  t.is(pool.size, 0);
  clock.advance(MIN_FEE_HALF_LIFE_MS / 8);
  const decayed = pool.minFeeRate();
  t.true(decayed < raised, `${decayed} < ${raised}`);
  t.true(decayed > 0);
  // A zero-fee tx is still refused while the minimum is above zero...
  const zero = spend(setup.alice, [coinbaseOf(setup.blocks[3]!)], [pay(setup.bob, 1000n)]);
  t.is(t.throws(() => pool.addTransaction(zero), { instanceOf: MempoolError })?.code, 'mempool-min-fee-not-met');
  // ...and welcome again once it has decayed to zero (an empty pool decays 4x faster).
  clock.advance(10 * MIN_FEE_HALF_LIFE_MS);
  t.is(pool.minFeeRate(), 0);
  t.notThrows(() => pool.addTransaction(zero));
});

test('the rolling minimum fee decays while blocks keep coming every few seconds', (t) => {
  const clock = manualClock();
  const probe = setupPool(1);
  const unit = entryUsage(payment(probe, 0, 0n));
  const setup = setupPool(6, 100, { policy: { maxBytes: 2 * unit + Math.floor(unit / 2) }, nowMs: clock.nowMs });
  const { pool } = setup;
  pool.addTransaction(payment(setup, 0, 100n));
  pool.addTransaction(payment(setup, 1, 100n));
  pool.addTransaction(payment(setup, 2, 200n)); // evicts a 100-coin tx
  t.true(pool.minFeeRate() > 100);
  connectEmptyBlock(setup, pool.entries().map((e) => e.tx));
  // Blocks every 5 s for 10 half-lives (as here, where mining is cheap): each must not restart the decay.
  const blockIntervalMs = 5_000;
  for (let elapsed = 0; elapsed < 10 * MIN_FEE_HALF_LIFE_MS; elapsed += blockIntervalMs) {
    clock.advance(blockIntervalMs);
    connectEmptyBlock(setup, []);
  }
  t.is(pool.minFeeRate(), 0, 'back to zero: zero-fee payments are welcome again');
});

test('eviction takes a transaction with its descendants (the package), lowest package fee rate first', (t) => {
  const probe = setupPool(1);
  const unit = entryUsage(payment(probe, 0, 0n));
  const setup = setupPool(8, 100, { policy: { maxBytes: 4 * unit } });
  const { pool, alice, bob, blocks, removed } = setup;
  const parent = spend(alice, [coinbaseOf(blocks[0]!)], [pay(bob, 1000n)]);
  // The child pays 1: on its own it would outrank the parent, but the parent's package (fee 1 for
  // both) is the cheapest, and the child goes with it.
  const child = spend(bob, [outpoint(parent)], [pay(alice, 999n)]);
  const other = payment(setup, 1, 3n);
  for (const tx of [parent, child, other]) pool.addTransaction(tx);
  const big = spend(alice, [coinbaseOf(blocks[2]!), coinbaseOf(blocks[3]!)], [pay(bob, 1990n)]);
  pool.addTransaction(big);
  t.deepEqual(removed.map((r) => r.reason), ['size-limit', 'size-limit']);
  t.deepEqual(new Set(removed.map((r) => r.txid)), new Set([parent.txidHex, child.txidHex]));
  t.true(pool.has(other.txid) && pool.has(big.txid));
});

test('a child paying for its parent protects the package (descendant score)', (t) => {
  const probe = setupPool(1);
  const unit = entryUsage(payment(probe, 0, 0n));
  const setup = setupPool(8, 100, { policy: { maxBytes: 3 * unit + Math.floor(unit / 2) } });
  const { pool, alice, bob, blocks } = setup;
  const parent = spend(alice, [coinbaseOf(blocks[0]!)], [pay(bob, 1000n)]);
  const child = spend(bob, [outpoint(parent)], [pay(alice, 900n)]); // pays 100 for both
  const other = payment(setup, 1, 10n);
  for (const tx of [parent, child, other]) pool.addTransaction(tx);
  pool.addTransaction(payment(setup, 2, 20n));
  t.true(pool.has(parent.txid) && pool.has(child.txid), 'the 0-fee parent stays: its child pays 100');
  t.false(pool.has(other.txid));
});

test('a transaction depending on the cheapest package is refused rather than evicting its own parent', (t) => {
  const probe = setupPool(1);
  const unit = entryUsage(payment(probe, 0, 0n));
  const setup = setupPool(8, 100, { policy: { maxBytes: 2 * unit + Math.floor(unit / 2) } });
  const { pool, alice, bob, blocks } = setup;
  const parent = spend(alice, [coinbaseOf(blocks[0]!)], [pay(bob, 1000n)]);
  pool.addTransaction(parent);
  pool.addTransaction(payment(setup, 1, 50n));
  // Its own rate is low, so the parent's package score stays the lowest even counting it.
  const child = spend(bob, [outpoint(parent)], [pay(alice, 999n)]);
  t.is(t.throws(() => pool.addTransaction(child), { instanceOf: MempoolError })?.code, 'mempool-full');
  t.true(pool.has(parent.txid));
  t.is(pool.size, 2);
});

test('maxTxs still bounds the count, with the same eviction rule', (t) => {
  const setup = setupPool(5, 2);
  const { pool } = setup;
  const a = payment(setup, 0, 0n);
  pool.addTransaction(a);
  pool.addTransaction(payment(setup, 1, 4n));
  pool.addTransaction(payment(setup, 2, 8n));
  t.is(pool.size, 2);
  t.false(pool.has(a.txid));
});
