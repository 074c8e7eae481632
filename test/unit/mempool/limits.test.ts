/** Expiry and the ancestor/descendant limits of unconfirmed chains. */
import test from 'ava';
import { MempoolError } from '../../../src/mempool/index.js';
import type { Transaction } from '../../../src/primitives/tx.js';
import { outpoint, pay, spend } from '../../helpers/fixtures.js';
import { coinbaseOf, connectEmptyBlock, manualClock, setupPool } from './setup.js';

const HOUR_MS = 3_600_000;

test('entries older than the expiry leave with their descendants, on admission and on a block', (t) => {
  const clock = manualClock();
  const setup = setupPool(5, 100, { policy: { expiryMs: 72 * HOUR_MS }, nowMs: clock.nowMs });
  const { pool, alice, bob, blocks, removed } = setup;
  const old = spend(alice, [coinbaseOf(blocks[0]!)], [pay(bob, 1000n)]);
  pool.addTransaction(old);
  clock.advance(10 * HOUR_MS);
  const child = spend(bob, [outpoint(old)], [pay(alice, 1000n)]); // young, but its parent expires
  pool.addTransaction(child);
  clock.advance(40 * HOUR_MS);
  const young = spend(alice, [coinbaseOf(blocks[1]!)], [pay(bob, 1000n)]);
  pool.addTransaction(young);
  clock.advance(22 * HOUR_MS + 1); // `old` is now 72 h + 1 ms old
  pool.addTransaction(spend(alice, [coinbaseOf(blocks[2]!)], [pay(bob, 1000n)]));
  t.false(pool.has(old.txid));
  t.false(pool.has(child.txid));
  t.true(pool.has(young.txid));
  t.deepEqual(removed.map((r) => r.reason), ['expired', 'expired']);
  // A block runs the same check.
  clock.advance(72 * HOUR_MS + 1);
  connectEmptyBlock(setup);
  t.is(pool.size, 0);
});

test('a chain of unconfirmed transactions is limited to maxAncestors', (t) => {
  const { pool, alice, blocks } = setupPool(3, 100, { policy: { maxAncestors: 3 } });
  let prev: Transaction = spend(alice, [coinbaseOf(blocks[0]!)], [pay(alice, 1000n)]);
  pool.addTransaction(prev);
  for (let i = 0; i < 2; i++) {
    prev = spend(alice, [outpoint(prev)], [pay(alice, 1000n)]);
    pool.addTransaction(prev);
  }
  const fourth = spend(alice, [outpoint(prev)], [pay(alice, 1000n)]);
  const err = t.throws(() => pool.addTransaction(fourth), { instanceOf: MempoolError });
  t.is(err?.code, 'too-many-ancestors');
  t.regex(err!.message, /3 unconfirmed ancestors.*more than the 2 allowed/);
  t.is(pool.size, 3);
});

test('no pooled transaction may get more than maxDescendants', (t) => {
  const clock = manualClock();
  const { pool, alice, bob, blocks } = setupPool(3, 100, { policy: { maxDescendants: 3, expiryMs: HOUR_MS }, nowMs: clock.nowMs });
  const parent = spend(alice, [coinbaseOf(blocks[0]!)], [pay(bob, 250n), pay(bob, 250n), pay(bob, 250n), pay(bob, 250n)]);
  pool.addTransaction(parent);
  clock.advance(1);
  const c1 = spend(bob, [outpoint(parent, 0)], [pay(alice, 250n)]);
  pool.addTransaction(c1);
  clock.advance(1);
  const c2 = spend(bob, [outpoint(parent, 1)], [pay(alice, 250n)]);
  pool.addTransaction(c2);
  const c3 = spend(bob, [outpoint(parent, 2)], [pay(alice, 250n)]);
  const err = t.throws(() => pool.addTransaction(c3), { instanceOf: MempoolError });
  t.is(err?.code, 'too-many-descendants');
  t.true(err!.message.includes(parent.txidHex));
  // A grandchild counts against the parent too.
  t.is(t.throws(() => pool.addTransaction(spend(alice, [outpoint(c1)], [pay(bob, 250n)])), { instanceOf: MempoolError })?.code, 'too-many-descendants');
  t.is(pool.size, 3);
});

test('a confirmed parent no longer counts: its children may grow again', (t) => {
  const setup = setupPool(3, 100, { policy: { maxAncestors: 2 } });
  const { pool, alice, blocks } = setup;
  const a = spend(alice, [coinbaseOf(blocks[0]!)], [pay(alice, 1000n)]);
  const b = spend(alice, [outpoint(a)], [pay(alice, 1000n)]);
  pool.addTransaction(a);
  pool.addTransaction(b);
  const c = spend(alice, [outpoint(b)], [pay(alice, 1000n)]);
  t.is(t.throws(() => pool.addTransaction(c), { instanceOf: MempoolError })?.code, 'too-many-ancestors');
  connectEmptyBlock(setup, [a]);
  t.notThrows(() => pool.addTransaction(c));
});

test('removing a shared descendant gives its other ancestor room again (descendant totals stay exact)', (t) => {
  const clock = manualClock();
  const { pool, alice, bob, blocks } = setupPool(3, 100, { policy: { maxDescendants: 2, expiryMs: 12 * HOUR_MS }, nowMs: clock.nowMs });
  const p = spend(alice, [coinbaseOf(blocks[0]!)], [pay(bob, 1000n)]);
  pool.addTransaction(p);
  clock.advance(10 * HOUR_MS);
  const q = spend(alice, [coinbaseOf(blocks[1]!)], [pay(bob, 500n), pay(bob, 500n)]);
  pool.addTransaction(q);
  const x = spend(bob, [outpoint(p), outpoint(q, 0)], [pay(alice, 1500n)]); // a descendant of both
  pool.addTransaction(x);
  const y = spend(bob, [outpoint(q, 1)], [pay(alice, 500n)]);
  t.is(t.throws(() => pool.addTransaction(y), { instanceOf: MempoolError })?.code, 'too-many-descendants');
  clock.advance(2 * HOUR_MS + 1); // p expires, taking x with it; q stays
  t.notThrows(() => pool.addTransaction(y));
  t.false(pool.has(p.txid) || pool.has(x.txid));
  t.true(pool.has(q.txid));
});
