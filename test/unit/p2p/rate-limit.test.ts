import test from 'ava';
import { TokenBucket } from '../../../src/p2p/rate-limit.js';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

test('a fresh bucket grants its burst at once, then nothing until it refills', (t) => {
  const c = clock();
  const bucket = new TokenBucket({ ratePerSec: 10, burst: 5, now: c.now });
  for (let i = 0; i < 5; i++) t.true(bucket.take(), `token ${i}`);
  t.false(bucket.take());
  c.advance(99);
  t.false(bucket.take(), '0.99 of a token is not a token');
  c.advance(1);
  t.true(bucket.take(), '100 ms at 10/s is one token');
  t.false(bucket.take());
});

test('refill is capped at the burst however long the bucket sat idle', (t) => {
  const c = clock();
  const bucket = new TokenBucket({ ratePerSec: 1_000, burst: 50, now: c.now });
  t.true(bucket.take(50));
  c.advance(3_600_000);
  t.is(bucket.available, 50);
  t.false(bucket.take(51), 'more than the burst is never granted');
  t.is(bucket.available, 50, 'a refused take takes nothing');
});

test('takeUpTo grants what is there, in whole tokens', (t) => {
  const c = clock();
  const bucket = new TokenBucket({ ratePerSec: 4, burst: 10, now: c.now });
  t.is(bucket.takeUpTo(7), 7);
  t.is(bucket.takeUpTo(7), 3);
  t.is(bucket.takeUpTo(7), 0);
  c.advance(500);
  t.is(bucket.takeUpTo(7), 2);
});

test('a sustained rate above the refill rate runs dry; one at the rate never does', (t) => {
  const c = clock();
  const fast = new TokenBucket({ ratePerSec: 100, burst: 20, now: c.now });
  const steady = new TokenBucket({ ratePerSec: 100, burst: 20, now: c.now });
  let fastGranted = 0;
  let steadyRefused = 0;
  for (let ms = 0; ms < 1_000; ms++) {
    c.advance(1);
    if (fast.take()) fastGranted++; // 1,000/s offered
    if (ms % 10 === 0 && !steady.take()) steadyRefused++; // 100/s offered
  }
  t.true(fastGranted <= 20 + 100 + 1, `granted ${fastGranted} in 1 s`);
  t.true(fastGranted >= 100, `granted ${fastGranted} in 1 s`);
  t.is(steadyRefused, 0);
});

test('a clock stepping backwards adds no tokens, and refilling resumes from the new reading (not frozen for the step)', (t) => {
  const c = clock();
  const bucket = new TokenBucket({ ratePerSec: 10, burst: 1, now: c.now });
  t.true(bucket.take());
  c.advance(-3_600_000); // an NTP step back of an hour
  t.false(bucket.take(), 'the step itself adds nothing');
  c.advance(100);
  t.true(bucket.take(), '100 ms after the step, one token at 10/s (the old bucket waited out the hour)');
  t.false(bucket.take());
});

test('nonsense limits are refused', (t) => {
  t.throws(() => new TokenBucket({ ratePerSec: -1, burst: 1 }), { instanceOf: RangeError });
  t.throws(() => new TokenBucket({ ratePerSec: 1, burst: 0 }), { instanceOf: RangeError });
});

test('full: refilled to the burst, the state a fresh bucket starts in', (t) => {
  let now = 0;
  const bucket = new TokenBucket({ ratePerSec: 10, burst: 5, now: () => now });
  t.true(bucket.full, 'fresh');
  bucket.take(2);
  t.false(bucket.full);
  now += 199;
  t.false(bucket.full, 'one token short of the burst');
  now += 1;
  t.true(bucket.full);
});
