import test from 'ava';
import { TimedEntries } from '../../../src/p2p/timed-entries.js';

test('prune drops lapsed entries only, keeping the order of the rest', (t) => {
  let now = 0;
  const entries = new TimedEntries<{ key: string; untilMs: number }>(() => now);
  entries.set({ key: 'a', untilMs: 10 });
  entries.set({ key: 'b', untilMs: 30 });
  entries.set({ key: 'c', untilMs: 20 });
  entries.set({ key: 'd', untilMs: 40 });
  now = 20;
  entries.prune();
  t.is(entries.size, 2, 'a (10) and c (20, lapsed at its time) are gone');
  t.deepEqual(entries.list().map((e) => e.key), ['b', 'd']);
  now = 100;
  entries.prune();
  t.is(entries.size, 0);
});
