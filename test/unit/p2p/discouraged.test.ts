import test from 'ava';
import { DiscouragedSet } from '../../../src/p2p/discouraged.js';

test('the discouraged set is bounded: the oldest entry goes first, a renewed one becomes young', (t) => {
  const set = new DiscouragedSet(3, 1_000);
  for (const ip of ['1.0.0.1', '1.0.0.2', '1.0.0.3']) set.discourage(ip, 'bad-magic: x');
  set.discourage('1.0.0.1', 'again'); // renewed: now the youngest
  set.discourage('1.0.0.4', 'bad-magic: y');
  t.is(set.size, 3);
  t.false(set.isDiscouraged('1.0.0.2'), 'the oldest was forgotten');
  t.deepEqual(set.list().map((e) => e.key), ['1.0.0.3', '1.0.0.1', '1.0.0.4']);
  t.is(set.list()[1]!.reason, 'again');
  for (let i = 0; i < 1_000; i++) set.discourage(`2.0.${i >> 8}.${i & 255}`, 'flood');
  t.is(set.size, 3, 'a flood of addresses does not grow it');
});

test('discouragement expires', (t) => {
  let now = 10_000;
  const set = new DiscouragedSet(10, 500, () => now);
  const entry = set.discourage('1.2.3.4', 'bad-headers: x');
  t.is(entry.untilMs, 10_500);
  now = 10_499;
  t.true(set.isDiscouraged('1.2.3.4'));
  now = 10_500;
  t.false(set.isDiscouraged('1.2.3.4'));
  t.is(set.size, 0, 'dropped when found expired');
  set.discourage('5.6.7.8', 'x');
  now += 1_000;
  t.deepEqual(set.list(), []);
});
