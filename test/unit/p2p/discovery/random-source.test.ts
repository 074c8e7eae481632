/**
 * The randomness seam (DiscoveryOptions.random): production draws from the OS CSPRNG; a seeded
 * source makes discovery's choices — refresh targets, the entry to revalidate, retry jitter —
 * reproducible, which is what lets one simulation seed reproduce a run.
 */
import test from 'ava';
import { BUCKET_COUNT } from '../../../../src/p2p/discovery/constants.js';
import { RefreshBackoff, pickRefreshTarget, pickRevalidateEntry } from '../../../../src/p2p/discovery/maintenance.js';
import { CRYPTO_RANDOM, randomIndex, randomSourceFrom } from '../../../../src/p2p/discovery/random-source.js';
import { RoutingTable, bucketIndex, randomIdInBucket } from '../../../../src/p2p/discovery/routing-table.js';
import { Rng } from '../../../../src/sim/rng.js';

const SELF = Buffer.alloc(32, 0x33);
const seeded = (seed: number) => {
  const rng = new Rng(seed);
  return randomSourceFrom(() => rng.next());
};

function tableWithEntries(random = seeded(1)) {
  const table = new RoutingTable<{ id: Buffer }>(SELF, 16);
  for (let bucket = 200; bucket < BUCKET_COUNT; bucket += 5) for (let i = 0; i < 3; i++) table.add({ id: randomIdInBucket(SELF, bucket, random) });
  return table;
}

test('the crypto source gives fractions in [0, 1) and fresh bytes', (t) => {
  const draws = Array.from({ length: 1000 }, () => CRYPTO_RANDOM.fraction());
  t.true(draws.every((x) => x >= 0 && x < 1));
  t.true(new Set(draws).size > 990);
  t.is(CRYPTO_RANDOM.bytes(32).length, 32);
  t.false(CRYPTO_RANDOM.bytes(32).equals(CRYPTO_RANDOM.bytes(32)));
});

test('a seeded source repeats its draws for the same seed and not for another', (t) => {
  t.deepEqual(seeded(5).bytes(64), seeded(5).bytes(64));
  t.notDeepEqual(seeded(5).bytes(64), seeded(6).bytes(64));
  const edge = randomSourceFrom(() => 0.9999999999999999);
  t.is(randomIndex(edge, 7), 6);
  t.is(randomIndex(randomSourceFrom(() => 0), 7), 0);
});

test('refresh targets, revalidation picks and retry jitter come from the injected source', (t) => {
  const table = tableWithEntries();
  const targets = (seed: number) => {
    const random = seeded(seed);
    return Array.from({ length: 20 }, () => pickRefreshTarget(SELF, table, random).toString('hex'));
  };
  t.deepEqual(targets(9), targets(9));
  t.notDeepEqual(targets(9), targets(10));
  // Every target lies in a bucket from one below the nearest entry's up to the farthest.
  for (const hex of targets(11)) t.true(bucketIndex(SELF, Buffer.from(hex, 'hex')) >= 199);

  const picks = (seed: number) => {
    const random = seeded(seed);
    return Array.from({ length: 20 }, () => pickRevalidateEntry(table, random)?.id.toString('hex'));
  };
  t.deepEqual(picks(3), picks(3));
  t.notDeepEqual(picks(3), picks(4));

  // A source stuck at 0 always picks the first candidate bucket: the draw really is the source's.
  const zero = randomSourceFrom(() => 0);
  t.is(bucketIndex(SELF, pickRefreshTarget(SELF, table, zero)), 199);
  const backoff = (seed: number) => {
    const b = new RefreshBackoff(1_000, 60_000, 8_000, seeded(seed).fraction);
    return [b.next(true, true), b.next(true, true), b.next(true, true)];
  };
  t.deepEqual(backoff(2), backoff(2));
  t.notDeepEqual(backoff(2), backoff(12));
});
