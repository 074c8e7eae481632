import test from 'ava';
import { randomBytes } from 'node:crypto';
import { K_BUCKET_SIZE } from '../../../src/p2p/discovery/constants.js';
import { RoutingTable, bucketIndex, compareDistance, randomIdInBucket, xorDistance } from '../../../src/p2p/discovery/routing-table.js';

interface Node {
  id: Buffer;
  label: string;
}

/** An id whose XOR with `base` is exactly `distance` (a big-endian 256-bit number). */
function idAtDistance(base: Buffer, distance: bigint): Buffer {
  const d = Buffer.from(distance.toString(16).padStart(64, '0'), 'hex');
  return xorDistance(base, d);
}

const toBig = (b: Buffer): bigint => BigInt(`0x${b.toString('hex')}`);

test('xor distance is symmetric, zero only to itself, and obeys the triangle inequality', (t) => {
  for (let i = 0; i < 50; i++) {
    const [a, b, c] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    t.true(xorDistance(a, b).equals(xorDistance(b, a)));
    t.is(toBig(xorDistance(a, a)), 0n);
    t.true(toBig(xorDistance(a, c)) <= toBig(xorDistance(a, b)) + toBig(xorDistance(b, c)));
    t.is(Math.sign(compareDistance(c, a, b)), Math.sign(Number(toBig(xorDistance(a, c)) - toBig(xorDistance(b, c)))) || 0);
  }
});

test('bucket index is floor(log2(distance))', (t) => {
  const self = randomBytes(32);
  t.is(bucketIndex(self, self), -1);
  t.is(bucketIndex(self, idAtDistance(self, 1n)), 0);
  t.is(bucketIndex(self, idAtDistance(self, 2n)), 1);
  t.is(bucketIndex(self, idAtDistance(self, 3n)), 1);
  t.is(bucketIndex(self, idAtDistance(self, 255n)), 7);
  t.is(bucketIndex(self, idAtDistance(self, 256n)), 8);
  t.is(bucketIndex(self, idAtDistance(self, 1n << 200n)), 200);
  t.is(bucketIndex(self, idAtDistance(self, (1n << 256n) - 1n)), 255);
  for (let i = 0; i < 100; i++) {
    const other = randomBytes(32);
    t.is(bucketIndex(self, other), toBig(xorDistance(self, other)).toString(2).length - 1);
  }
});

test('randomIdInBucket lands in the asked bucket', (t) => {
  const self = randomBytes(32);
  for (const index of [0, 1, 7, 8, 9, 100, 254, 255]) {
    for (let k = 0; k < 5; k++) t.is(bucketIndex(self, randomIdInBucket(self, index)), index);
  }
  t.throws(() => randomIdInBucket(self, 256), { instanceOf: RangeError });
});

test('add / update / remove / size; self is never added', (t) => {
  const self = randomBytes(32);
  const table = new RoutingTable<Node>(self);
  t.throws(() => table.add({ id: Buffer.from(self), label: 'me' }), { instanceOf: RangeError });
  t.is(table.size, 0);
  const a = { id: randomBytes(32), label: 'a' };
  t.is(table.add(a), 'added');
  t.is(table.add({ ...a, label: 'a2' }), 'updated');
  t.is(table.size, 1);
  t.is(table.get(a.id)?.label, 'a2');
  t.true(table.has(a.id));
  t.true(table.remove(a.id));
  t.false(table.remove(a.id));
  t.false(table.remove(self));
  t.is(table.size, 0);
  t.throws(() => table.add({ id: randomBytes(31), label: 'short' }), { instanceOf: RangeError });
});

test('a full bucket returns its least-recently-seen entry; eviction makes room', (t) => {
  const self = randomBytes(32);
  const table = new RoutingTable<Node>(self);
  // bucket 200 has room for 2^200 ids; fill it with k of them
  const nodes = Array.from({ length: K_BUCKET_SIZE }, (_, i) => ({ id: randomIdInBucket(self, 200), label: `n${i}` }));
  for (const n of nodes) t.is(table.add(n), 'added');
  t.is(table.bucket(200).length, K_BUCKET_SIZE);
  const newcomer = { id: randomIdInBucket(self, 200), label: 'new' };
  t.deepEqual(table.add(newcomer), { full: nodes[0] });
  // seeing n0 again moves it to the tail: now n1 is the oldest
  t.is(table.add(nodes[0]), 'updated');
  t.deepEqual(table.add(newcomer), { full: nodes[1] });
  t.is(table.size, K_BUCKET_SIZE);
  // other buckets are unaffected
  t.is(table.add({ id: randomIdInBucket(self, 199), label: 'other' }), 'added');
  // the caller found n1 dead: evict and insert
  t.true(table.remove(nodes[1].id));
  t.is(table.add(newcomer), 'added');
  t.deepEqual(table.bucket(200).map((n) => n.label), [...nodes.slice(2).map((n) => n.label), 'n0', 'new']);
  t.false(table.has(nodes[1].id));
});

test('closest returns the n nearest by XOR distance, nearest first', (t) => {
  const self = randomBytes(32);
  const table = new RoutingTable<Node>(self, 1000);
  const nodes = Array.from({ length: 300 }, (_, i) => ({ id: randomBytes(32), label: `n${i}` }));
  for (const n of nodes) table.add(n);
  t.is(table.size, 300);
  for (let k = 0; k < 5; k++) {
    const target = randomBytes(32);
    const expected = [...nodes].sort((a, b) => (toBig(xorDistance(a.id, target)) < toBig(xorDistance(b.id, target)) ? -1 : 1)).slice(0, 16);
    t.deepEqual(table.closest(target, 16).map((n) => n.label), expected.map((n) => n.label));
  }
  t.deepEqual(table.closest(randomBytes(32), 0), []);
  t.is(table.closest(randomBytes(32), 1000).length, 300);
  // a member is its own closest
  t.is(table.closest(nodes[7].id, 1)[0].label, 'n7');
});

test('closest walks the buckets in distance order: same answer as sorting the whole table, for targets in every bucket and self', (t) => {
  const self = randomBytes(32);
  const table = new RoutingTable<Node>(self, 4);
  // Nodes at every scale of distance (buckets 0 … 255, several per bucket, some buckets full).
  for (let bucket = 0; bucket < 256; bucket += 1 + (bucket % 3)) {
    for (let j = 0; j < 1 + (bucket % 6); j++) table.add({ id: randomIdInBucket(self, bucket), label: `b${bucket}.${j}` });
  }
  const all = table.all();
  t.true(all.length > 300, `${all.length} entries`);
  const brute = (target: Buffer, n: number): string[] => [...all].sort((a, b) => compareDistance(target, a.id, b.id)).slice(0, n).map((e) => e.label);
  const targets = [self, ...Array.from({ length: 256 }, (_, i) => randomIdInBucket(self, i)), ...all.slice(0, 20).map((e) => e.id)];
  let checked = 0;
  for (const target of targets) {
    for (const n of [1, 3, 16, 50, 10_000]) {
      t.deepEqual(table.closest(target, n).map((e) => e.label), brute(target, n));
      checked++;
    }
  }
  t.log(`${checked} (target, n) pairs checked against a full sort of ${all.length} entries`);
});
