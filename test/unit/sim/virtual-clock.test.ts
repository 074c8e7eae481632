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

test('the event census counts, inside its window only, each event under the function that scheduled it', async (t) => {
  const clock = new VirtualClock();
  const counts = new Map<string, number>();
  clock.profile = { fromElapsedMs: 100, toElapsedMs: 200, depth: 1, counts };
  function heartbeatOwner(): void {
    clock.setInterval(() => undefined, 10);
  }
  function oneShotOwner(): void {
    clock.setTimeout(() => undefined, 150);
    clock.setTimeout(() => undefined, 50); // before the window: not counted
    clock.setTimeout(() => undefined, 250); // after it: not counted (nor tagged)
  }
  heartbeatOwner();
  oneShotOwner();
  await clock.runUntil(300);
  const byOwner = (name: string): number => [...counts].filter(([tag]) => tag.startsWith(name)).reduce((s, [, n]) => s + n, 0);
  t.log(JSON.stringify(Object.fromEntries(counts)));
  t.is(byOwner('heartbeatOwner'), 10, 'the interval fired at 100, 110, …, 190');
  t.is(byOwner('oneShotOwner'), 1);
  t.is([...counts.values()].reduce((s, n) => s + n, 0), 11);
});

test('cleared timers do not pile up in the queue, and the live ones still run in (time, insertion) order', async (t) => {
  const clock = new VirtualClock();
  const ran: number[] = [];
  const expected: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const at = 1 + ((i * 7919) % 1000);
    const handle = clock.setTimeout(() => ran.push(i), at);
    if (i % 10 === 0) expected.push(i);
    else clock.clear(handle);
  }
  t.log(`queued after clearing 18,000 of 20,000: ${clock.pending}`);
  t.true(clock.pending <= 2 * 2_000 + 1, 'cleared timers were dropped from the queue');
  await clock.runUntil(2_000);
  const at = (i: number): number => 1 + ((i * 7919) % 1000);
  expected.sort((a, b) => at(a) - at(b) || a - b);
  t.deepEqual(ran, expected);
});

test('20,000 timers with ties, 60 % of them cleared (the heap rebuilt without them) and some intervals run in (time, insertion) order', async (t) => {
  const clock = new VirtualClock();
  let x = 7;
  const rnd = (n: number): number => (x = (x * 1103515245 + 12345) >>> 0) % n;
  const ran: Array<[number, number]> = [];
  const expected: Array<[number, number]> = [];
  const handles = [];
  for (let i = 0; i < 20_000; i++) {
    const delay = rnd(500); // many ties: 20,000 timers over 500 ms
    handles.push({ i, delay, handle: clock.setTimeout(() => ran.push([clock.elapsedMs, i]), delay) });
  }
  for (const h of handles) {
    if (rnd(10) < 6) clock.clear(h.handle);
    else expected.push([h.delay, h.i]);
  }
  // Intervals inserted after: each tick sorts after the one-shots due at the same instant.
  for (let k = 0; k < 3; k++) {
    const id = 100_000 + k;
    clock.setInterval(() => ran.push([clock.elapsedMs, id]), 97 + k);
    for (let at = 97 + k; at <= 600; at += 97 + k) expected.push([at, id]);
  }
  expected.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  await clock.runUntil(600);
  t.is(ran.length, expected.length);
  t.deepEqual(ran, expected);
});
