import test from 'ava';
import { randomBytes } from 'node:crypto';
import { HashFilter } from '../../../src/p2p/hash-filter.js';
import { BoundedHashSet } from '../../../src/util/bounded-hash-set.js';
import { RECENT_CONFIRMED_TXS } from '../../../src/p2p/constants.js';
import { retainedBytesPerItem } from '../../helpers/heap.js';

const h = (n: number): Buffer => {
  const hash = Buffer.alloc(32);
  hash.writeUInt32BE(n, 0);
  return hash;
};

test('re-adding an entry of the previous generation keeps it past that generation; clear forgets', (t) => {
  const filter = new HashFilter(4);
  filter.add(h(1));
  filter.add(h(2)); // a generation of 2 is full: 1, 2 become the previous one
  filter.add(h(1)); // refreshed into the current generation
  filter.add(h(3)); // 1, 3 become the previous one; 2 is dropped
  t.true(filter.has(h(1)));
  t.true(filter.has(h(3)));
  t.false(filter.has(h(2)));
  filter.add(h(3)); // already in a generation that is still remembered: no change
  t.true(filter.has(h(3)));
  filter.clear();
  t.is(filter.size, 0);
  t.false(filter.has(h(1)));
});

test('a full filter of 48,000 txids (recent confirmed) takes ~11 bytes per entry; a Set of latin1 strings took ~10× that', (t) => {
  t.is(RECENT_CONFIRMED_TXS, 48_000);
  const filter = new HashFilter(RECENT_CONFIRMED_TXS);
  t.true(filter.bytes <= 512, `an empty filter starts small (${filter.bytes} bytes)`);
  const hashes = Array.from({ length: RECENT_CONFIRMED_TXS }, () => randomBytes(32));
  // One short of the flip: both generations full (24,000 and 23,999 fingerprints in tables of 32,768 slots × 8 bytes).
  const added = hashes.slice(0, RECENT_CONFIRMED_TXS - 1);
  for (const hash of added) filter.add(hash);
  t.is(filter.size, RECENT_CONFIRMED_TXS - 1);
  t.true(filter.bytes <= 12 * RECENT_CONFIRMED_TXS, `${filter.bytes} bytes for ${filter.size} entries`);
  for (const hash of added) t.true(filter.has(hash));
  // The same entries as latin1 strings in the exact set (what these filters were), measured on the heap after forced GCs.
  const setBytesPerEntry = retainedBytesPerItem(added.length, () => {
    const set = new BoundedHashSet(RECENT_CONFIRMED_TXS);
    for (const hash of added) set.add(hash);
    return set;
  });
  t.log(`HashFilter ${(filter.bytes / RECENT_CONFIRMED_TXS).toFixed(1)} bytes per entry at its fullest; a Set of latin1 strings ${setBytesPerEntry.toFixed(0)}`);
  t.true(setBytesPerEntry > 5 * (filter.bytes / RECENT_CONFIRMED_TXS));
});

test('no false "yes" among a million hashes it never saw (a 64-bit seeded fingerprint; expected ~10⁻⁹)', (t) => {
  const filter = new HashFilter(10_000);
  for (let i = 0; i < 10_000; i++) filter.add(randomBytes(32));
  let falseYes = 0;
  const probe = Buffer.alloc(32);
  for (let i = 0; i < 1_000_000; i++) {
    probe.writeUInt32LE(i, 0);
    probe.writeUInt32LE(0xfeedbeef, 4); // never one of the random ones added (probability 2^-64 per probe)
    if (filter.has(probe)) falseYes++;
  }
  t.is(falseYes, 0);
});

test('hashes that differ in a few bits only do not collide', (t) => {
  // Pairs that differ only in the top bit of two words collide under any sum of odd multiples
  // of the words (a plain multiplicative fold); the mixing keeps them apart.
  const filter = new HashFilter(100_000);
  for (let i = 0; i < 20_000; i++) filter.add(h(i));
  let falseYes = 0;
  for (let i = 0; i < 20_000; i++) {
    const twin = h(i);
    twin[8] = twin[8]! ^ 0x80;
    twin[12] = twin[12]! ^ 0x80;
    if (filter.has(twin)) falseYes++;
  }
  t.is(falseYes, 0);
});
