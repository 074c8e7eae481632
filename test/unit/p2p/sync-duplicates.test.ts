/** The records of blocks asked of two peers (sync-duplicates.ts): owed copies, bounded, and how each peer did as the second one. */
import test from 'ava';
import { HelperRecords, Hedges, OwedCopies } from '../../../src/p2p/sync-duplicates.js';

test('owed copies: each peer asked for a block owes its own copy, taken once; a peer that left owes nothing', (t) => {
  const owed = new OwedCopies<string>(10);
  owed.add('k1', 'a', 1);
  owed.add('k1', 'b', 2);
  owed.add('k2', 'a', 3);
  t.is(owed.size, 3);
  t.is(owed.take('k1', 'b'), 2);
  t.is(owed.take('k1', 'b'), undefined, 'once');
  t.is(owed.take('k1', 'c'), undefined, 'c was never asked');
  owed.forget('a');
  t.is(owed.take('k1', 'a'), undefined);
  t.is(owed.take('k2', 'a'), undefined);
  t.is(owed.size, 0);
});

test('owed copies are bounded: past the bound the oldest blocks are forgotten, with every peer owing them', (t) => {
  const owed = new OwedCopies<string>(4);
  owed.add('old', 'a', 1);
  owed.add('old', 'b', 2);
  for (let i = 0; i < 3; i++) owed.add(`k${i}`, 'a', 10 + i);
  t.is(owed.size, 3, '5 entries past a bound of 4: the oldest block (2 entries) went');
  t.is(owed.take('old', 'a'), undefined);
  t.is(owed.take('old', 'b'), undefined);
  t.is(owed.take('k2', 'a'), 12);
  for (let i = 0; i < 1_000; i++) owed.add(`m${i}`, i % 2 === 0 ? 'a' : 'b', i);
  t.true(owed.size <= 4, `never above the bound (${owed.size})`);
});

test('second requests: one per block, taken once', (t) => {
  const hedges = new Hedges<string>();
  hedges.add('k', 'a', 100);
  t.true(hedges.has('k'));
  t.deepEqual(hedges.get('k'), { peer: 'a', sinceMs: 100 });
  t.deepEqual(hedges.take('k'), { peer: 'a', sinceMs: 100 });
  t.is(hedges.take('k'), undefined);
  t.is(hedges.size, 0);
});

test('helper records: a peer that withheld more needed blocks than it sent is not preferred; a delivery earns it back; one credit is banked at most; a dropped peer is forgotten', (t) => {
  const records = new HelperRecords<string>();
  t.true(records.preferred('new'), 'a peer never asked is in good standing');
  records.lost('late');
  t.false(records.preferred('late'));
  records.sent('late');
  t.true(records.preferred('late'), 'one sent for one withheld');
  for (let i = 0; i < 3; i++) records.sent('banker');
  records.lost('banker');
  t.true(records.preferred('banker'), 'its one banked credit covers one withhold');
  records.lost('banker');
  t.false(records.preferred('banker'), 'three deliveries in a row do not buy three withholds');
  t.is(records.size, 2);
  records.forget('late');
  records.forget('banker');
  t.is(records.size, 0, 'one entry per connected peer only');
  t.true(records.preferred('late'));
});
