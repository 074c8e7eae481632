import test from 'ava';
import { SIM_EPOCH_MS, VirtualClock } from '../../../src/sim/virtual-clock.js';

test('events run in time order, ties in insertion order, and cleared ones never run', async (t) => {
  const clock = new VirtualClock();
  const ran: string[] = [];
  clock.setTimeout(() => ran.push('b@20'), 20);
  clock.setTimeout(() => ran.push('a@10'), 10);
  clock.setTimeout(() => ran.push('c@20'), 20);
  const cancelled = clock.setTimeout(() => ran.push('never'), 15);
  clock.clear(cancelled);
  await clock.runUntil(100);
  t.deepEqual(ran, ['a@10', 'b@20', 'c@20']);
  t.is(clock.nowMs(), SIM_EPOCH_MS + 100);
});

test('an interval repeats until cleared; time does not move past runUntil', async (t) => {
  const clock = new VirtualClock();
  let ticks = 0;
  const handle = clock.setInterval(() => ticks++, 10);
  await clock.runUntil(55);
  t.is(ticks, 5);
  clock.clear(handle);
  await clock.runUntil(200);
  t.is(ticks, 5);
});

test('promise chains started by an event finish before virtual time moves on', async (t) => {
  const clock = new VirtualClock();
  const seen: number[] = [];
  clock.setTimeout(() => {
    void Promise.resolve()
      .then(() => Promise.resolve())
      .then(() => seen.push(clock.elapsedMs));
  }, 10);
  clock.setTimeout(() => seen.push(clock.elapsedMs), 11);
  await clock.runUntil(20);
  t.deepEqual(seen, [10, 11]);
});
