import test from 'ava';
import { HashFilter } from '../../../src/p2p/hash-filter.js';
import { BoundedHashSet } from '../../../src/util/bounded-hash-set.js';

const h = (n: number): Buffer => {
  const hash = Buffer.alloc(32);
  hash.writeUInt32BE(n, 0);
  return hash;
};

// Both bounded hash sets: the exact one and the fingerprint filter (hash-filter.test.ts has the rest of its tests).
for (const [name, make] of [['BoundedHashSet', (capacity: number) => new BoundedHashSet(capacity)], ['HashFilter', (capacity: number) => new HashFilter(capacity)]] as const) {
  test(`${name} holds at most its capacity and always the newest half`, (t) => {
    const set = make(100);
    for (let i = 0; i < 1_000; i++) {
      set.add(h(i));
      t.true(set.size <= 100, `size ${set.size} after ${i + 1} adds`);
    }
    for (let i = 950; i < 1_000; i++) t.true(set.has(h(i)), `newest ${i} kept`);
    t.false(set.has(h(0)));
    t.false(set.has(h(800)));
  });
}

test('re-adding an old entry makes it new again; delete and clear forget', (t) => {
  const set = new BoundedHashSet(4);
  set.add(h(1));
  set.add(h(2)); // generation of 2 full: 1, 2 become the previous one
  set.add(h(1)); // refreshed into the current generation
  set.add(h(3)); // 1, 3 become previous; 2 dropped
  t.true(set.has(h(1)));
  t.true(set.has(h(3)));
  t.false(set.has(h(2)));
  set.delete(h(1));
  t.false(set.has(h(1)));
  set.clear();
  t.is(set.size, 0);
});

test('adding 100,000 hashes to a 10,000 set costs about what a plain Set does (no quadratic eviction)', (t) => {
  const hashes = Array.from({ length: 100_000 }, (_, i) => h(i));
  const time = (fn: () => void): number => {
    const started = performance.now();
    fn();
    return performance.now() - started;
  };
  // best of 3 each, interleaved, so load on the machine hits both alike
  let bounded = Infinity;
  let plain = Infinity;
  for (let round = 0; round < 3; round++) {
    plain = Math.min(plain, time(() => {
      const set = new Set<string>();
      for (const hash of hashes) set.add(hash.toString('latin1'));
    }));
    bounded = Math.min(bounded, time(() => {
      const set = new BoundedHashSet(10_000);
      for (const hash of hashes) set.add(hash);
    }));
  }
  t.log(`bounded ${bounded.toFixed(1)} ms, plain Set ${plain.toFixed(1)} ms`);
  // the old one-Map eviction (delete the first key) measured ~10× a plain Set here
  t.true(bounded < 4 * plain, `bounded ${bounded.toFixed(1)} ms vs plain ${plain.toFixed(1)} ms`);
});
