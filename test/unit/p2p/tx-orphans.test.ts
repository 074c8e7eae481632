import test from 'ava';
import { randomBytes } from 'node:crypto';
import type { OutPoint } from '../../../src/primitives/tx.js';
import { TxOrphanPool, type TxOrphanPoolOptions } from '../../../src/p2p/tx-orphans.js';
import { makeKey, pay, spend } from '../../helpers/fixtures.js';

const key = makeKey();
const prevout = (txid: Buffer = randomBytes(32), index = 0): OutPoint => ({ txid, index });
const orphanTx = (prevouts: OutPoint[] = [prevout()]) => spend(key, prevouts, [pay(makeKey(), 1n)]);

function pool(overrides: Partial<TxOrphanPoolOptions> & { clock?: { now: number } } = {}): TxOrphanPool<string> {
  const clock = overrides.clock ?? { now: 1_000 };
  return new TxOrphanPool<string>({ maxCount: 10, maxTotalBytes: 1_000_000, maxTxBytes: 100_000, expiryMs: 60_000, nowMs: () => clock.now, random: () => 0, ...overrides });
}

test('indexes orphans by every parent txid and reports them oldest first', (t) => {
  const clock = { now: 1_000 };
  const p = pool({ clock });
  const parent = randomBytes(32);
  const other = randomBytes(32);
  const a = orphanTx([prevout(parent, 0)]);
  clock.now += 1;
  const b = orphanTx([prevout(other, 3), prevout(parent, 1)]);
  t.is(p.add(a, 'peer1'), 'added');
  t.is(p.add(b, 'peer2'), 'added');
  t.is(p.add(a, 'peer2'), 'duplicate');
  t.deepEqual(p.childrenOf(parent).map((o) => o.tx.txidHex), [a.txidHex, b.txidHex]);
  t.deepEqual(p.childrenOf(other).map((o) => o.tx.txidHex), [b.txidHex]);
  t.deepEqual(p.childrenOf(randomBytes(32)), []);
  t.is(p.get(b.txid)?.from, 'peer2');
  t.is(p.totalBytes, a.size + b.size);
  t.true(p.remove(a.txid));
  t.false(p.remove(a.txid));
  t.deepEqual(p.childrenOf(parent).map((o) => o.tx.txidHex), [b.txidHex]);
  t.true(p.remove(b.txid));
  t.is(p.totalBytes, 0);
  t.deepEqual(p.childrenOf(other), []);
});

test('the count limit evicts the orphan the random source picks', (t) => {
  let pick = 0;
  const p = pool({ maxCount: 3, random: () => pick });
  const txs = [orphanTx(), orphanTx(), orphanTx()];
  for (const tx of txs) p.add(tx, 'peer');
  pick = 0.5; // index 1 of 3
  const fourth = orphanTx();
  t.is(p.add(fourth, 'peer'), 'added');
  t.is(p.size, 3);
  t.true(p.has(txs[0].txid));
  t.false(p.has(txs[1].txid));
  t.true(p.has(txs[2].txid));
  t.true(p.has(fourth.txid));
  t.is(p.totalBytes, txs[0].size + txs[2].size + fourth.size);
});

test('the byte limit evicts until the new orphan fits, and an oversized tx is refused', (t) => {
  const one = orphanTx();
  const size = one.size;
  const p = pool({ maxCount: 100, maxTotalBytes: size * 2, maxTxBytes: size });
  const txs = [one, orphanTx(), orphanTx()];
  t.is(p.add(txs[0], 'peer'), 'added');
  t.is(p.add(txs[1], 'peer'), 'added');
  t.is(p.add(txs[2], 'peer'), 'added');
  t.is(p.size, 2);
  t.true(p.totalBytes <= size * 2);
  t.false(p.has(txs[0].txid), 'random() = 0 evicts the first in age order');
  const big = orphanTx([prevout(), prevout()]);
  t.true(big.size > size);
  t.is(p.add(big, 'peer'), 'too-large');
  t.false(p.has(big.txid));
  t.is(p.size, 2);
});

test('orphans expire after expiryMs', (t) => {
  const clock = { now: 1_000 };
  const p = pool({ clock, expiryMs: 60_000 });
  const parent = randomBytes(32);
  const old = orphanTx([prevout(parent)]);
  p.add(old, 'peer');
  clock.now += 30_000;
  const young = orphanTx([prevout(parent)]);
  p.add(young, 'peer');
  clock.now += 30_000; // old is exactly expiryMs old
  t.deepEqual(p.childrenOf(parent).map((o) => o.tx.txidHex), [young.txidHex]);
  t.false(p.has(old.txid));
  clock.now += 30_001;
  t.is(p.expire(), 1);
  t.is(p.size, 0);
  t.is(p.totalBytes, 0);
});

test('removeForPeer drops exactly what that peer sent', (t) => {
  const p = pool();
  const mine = [orphanTx(), orphanTx()];
  const theirs = orphanTx();
  for (const tx of mine) p.add(tx, 'gone');
  p.add(theirs, 'staying');
  t.is(p.removeForPeer('gone'), 2);
  t.is(p.removeForPeer('gone'), 0);
  t.is(p.size, 1);
  t.true(p.has(theirs.txid));
  t.is(p.totalBytes, theirs.size);
});

test('removeForBlock drops orphans the block confirmed or double-spent', (t) => {
  const p = pool();
  const contested = prevout();
  const confirmed = orphanTx();
  const conflicting = orphanTx([contested]);
  const unrelated = orphanTx();
  for (const tx of [confirmed, conflicting, unrelated]) p.add(tx, 'peer');
  const blockSpend = spend(key, [contested], [pay(makeKey(), 2n)]);
  t.is(p.removeForBlock([confirmed, blockSpend]), 2);
  t.deepEqual([p.has(confirmed.txid), p.has(conflicting.txid), p.has(unrelated.txid)], [false, false, true]);
});

test('a full pool evicts from the peer holding the most orphans: a flood churns only its own', (t) => {
  // random () => 0 picks the first candidate: over the whole pool that is the honest peer's oldest.
  const p = pool({ maxCount: 10 });
  const honest = [orphanTx(), orphanTx()];
  for (const tx of honest) t.is(p.add(tx, 'honest'), 'added');
  for (let i = 0; i < 200; i++) t.is(p.add(orphanTx(), 'flooder'), 'added');
  t.is(p.size, 10);
  t.true(honest.every((tx) => p.has(tx.txid)), "the honest peer's orphans survive 200 of the flooder's");
  t.is(p.countFrom('flooder'), 8);
  t.is(p.countFrom('honest'), 2);
});

test('the share counts bytes too: a sender of few large orphans gives way, not one of many small ones', (t) => {
  const large = (): ReturnType<typeof orphanTx> => spend(key, [prevout()], Array.from({ length: 60 }, () => pay(makeKey(), 1n)));
  const first = large();
  const p = pool({ maxCount: 100, maxTotalBytes: first.size * 2 + 100 });
  for (let i = 0; i < 3; i++) p.add(orphanTx(), 'honest');
  p.add(first, 'large-sender');
  t.true(first.size > 3 * orphanTx().size, 'the fixture: one large orphan outweighs the three small ones');
  // Over the byte limit: the large sender holds 1 of 100 slots but ~half the bytes, the honest 3 slots and ~1/7.
  t.is(p.add(large(), 'large-sender'), 'added');
  t.is(p.countFrom('honest'), 3, 'nothing of the honest peer evicted');
  t.is(p.countFrom('large-sender'), 1);
  t.false(p.has(first.txid));
  t.true(p.totalBytes <= first.size * 2 + 100);
});

test('with one sender the pool still evicts (its own orphans)', (t) => {
  const p = pool({ maxCount: 3 });
  for (let i = 0; i < 5; i++) p.add(orphanTx(), 'only');
  t.is(p.size, 3);
  t.is(p.countFrom('only'), 3);
  t.true(p.removeForPeer('only') === 3 && p.totalBytes === 0);
});
