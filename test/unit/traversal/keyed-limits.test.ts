import test from 'ava';
import { KeyedLimits } from '../../../src/p2p/traversal/keyed-limits.js';

function setup(maxKeys = 3) {
  const clock = { now: 1_000_000 };
  const limits = new KeyedLimits({ ratePerSec: 1, burst: 2, maxKeys, now: () => clock.now });
  return { clock, limits };
}

test('a key gets its burst, then one token per 1/rate; other keys are independent', (t) => {
  const { clock, limits } = setup();
  t.true(limits.take('a'));
  t.true(limits.take('a'));
  t.false(limits.take('a'), 'burst 2 spent');
  t.true(limits.take('b'), 'another key has its own bucket');
  clock.now += 999;
  t.false(limits.take('a'), 'not yet a whole token');
  clock.now += 1;
  t.true(limits.take('a'), 'one token after 1 s');
  t.false(limits.take('a'));
});

test('the table holds at most maxKeys; a stranger rotating keys evicts the stalest, not the one in use', (t) => {
  const { limits } = setup(3);
  for (let i = 0; i < 1_000; i++) {
    limits.take('busy'); // in use all along: never the stalest
    limits.take(`stranger-${i}`);
  }
  t.log(`size after 1000 rotating keys: ${limits.size}`);
  t.is(limits.size, 3);
  t.false(limits.take('busy'), 'the busy key kept its (empty) bucket: not evicted and refilled');
});

test('LRU: using a key moves it to the back; the least recently used one goes first', (t) => {
  const { limits } = setup(2);
  limits.take('a');
  limits.take('a'); // a empty
  limits.take('b');
  limits.take('a'); // a used last (refused, still a use)
  limits.take('c'); // evicts b, the stalest
  t.is(limits.size, 2);
  t.false(limits.take('a'), 'a kept its empty bucket');
  limits.take('d'); // evicts c
  t.true(limits.take('b'), 'b was evicted: it starts again with a full burst');
});

test('a bucket that has refilled to its burst is forgotten (a fresh one would be the same): the table holds only the keys used within burst ÷ rate seconds, not every key seen', (t) => {
  const { clock, limits } = setup(10_000); // rate 1/s, burst 2: an emptied bucket is full again 2 s after
  for (let i = 0; i < 1_000; i++) {
    limits.take(`sender-${i}`);
    limits.take(`sender-${i}`);
  }
  t.is(limits.size, 1_000);
  clock.now += 1_999;
  limits.take('fresh');
  t.is(limits.size, 1_001, 'not yet full again: kept');
  clock.now += 1;
  limits.take('fresh');
  t.log(`size 2 s after 1000 keys' last use: ${limits.size}`);
  t.is(limits.size, 1, 'all refilled: only the key in use is left');
});

test('forgetting refilled buckets changes no verdict: a key that comes back part-refilled keeps its level', (t) => {
  const { clock, limits } = setup(10);
  t.true(limits.take('a'));
  t.true(limits.take('a'));
  t.false(limits.take('a'), 'burst spent');
  clock.now += 1_000; // one token back, not full
  limits.take('b'); // a take of another key runs the sweep
  t.true(limits.take('a'), 'the refilled token');
  t.false(limits.take('a'), 'still the old, part-empty bucket, not a fresh burst');
  clock.now += 5_000; // full again long since
  limits.take('b');
  t.true(limits.take('a'));
  t.true(limits.take('a'), 'a full burst, as its own bucket would have had');
  t.false(limits.take('a'));
});
