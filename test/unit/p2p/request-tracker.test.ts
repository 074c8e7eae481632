import test from 'ava';
import { RequestTracker } from '../../../src/p2p/request-tracker.js';
import { steadyReader } from '../../../src/util/clock.js';
import type { InvItem } from '../../../src/p2p/wire/index.js';

const item = (n: number): InvItem => {
  const hash = Buffer.alloc(32);
  hash.writeUInt32BE(n, 0);
  return { type: 'tx', hash };
};
const items = (from: number, count: number): InvItem[] => Array.from({ length: count }, (_, i) => item(from + i));
const never = (): boolean => false;

function tracker(limits: { inFlight?: number; pending?: number; expiryMs?: number } = {}) {
  let now = 0;
  const t = new RequestTracker<object>({
    maxInFlightPerPeer: limits.inFlight ?? 3,
    maxPendingPerPeer: limits.pending ?? 5,
    expiryMs: limits.expiryMs ?? 1_000,
    now: () => now,
  });
  return { t, advance: (ms: number) => (now += ms) };
}

test('a huge announcement yields at most maxInFlightPerPeer requests; the rest waits, bounded', (t) => {
  const { t: tr } = tracker({ inFlight: 100, pending: 5_000 });
  const peer = {};
  const first = tr.announce(peer, items(0, 50_000), never);
  t.is(first.length, 100);
  t.is(tr.inFlight(peer), 100);
  t.is(tr.pending(peer), 5_000 - 100, 'pending was capped at 5,000 before the first 100 left it');
});

test('delivery frees a slot and the next waiting announcement is requested', (t) => {
  const { t: tr } = tracker();
  const peer = {};
  t.deepEqual(tr.announce(peer, items(0, 5), never).map((i) => i.hash.readUInt32BE(0)), [0, 1, 2]);
  t.is(tr.received(item(1).hash), peer);
  t.deepEqual(tr.next(peer, never).map((i) => i.hash.readUInt32BE(0)), [3]);
  t.is(tr.received(item(1).hash), undefined, 'delivered twice: nothing was requested the second time');
});

test('an item requested from one peer is not requested from another until that request ends', (t) => {
  const { t: tr, advance } = tracker();
  const a = {};
  const b = {};
  t.is(tr.announce(a, [item(7)], never).length, 1);
  t.deepEqual(tr.announce(b, [item(7)], never), [], 'in flight from a');
  t.true(tr.isRequested(item(7).hash));
  advance(999);
  t.true(tr.isRequested(item(7).hash));
  advance(1);
  t.false(tr.isRequested(item(7).hash), 'expired after expiryMs');
  t.is(tr.inFlight(a), 0, 'and a got its slot back');
  t.is(tr.announce(b, [item(7)], never).length, 1, 'b can be asked now');
});

test('not-found and a closed peer free its requests', (t) => {
  const { t: tr } = tracker();
  const a = {};
  const b = {};
  tr.announce(a, items(0, 3), never);
  tr.notFound(a, [item(0).hash]);
  t.is(tr.inFlight(a), 2);
  tr.notFound(b, [item(1).hash]);
  t.is(tr.inFlight(a), 2, 'b cannot cancel a request made to a');
  tr.removePeer(a);
  t.false(tr.isRequested(item(1).hash));
  t.is(tr.announce(b, items(0, 3), never).length, 3);
});

test('what we already have is never requested, even if it arrived while waiting', (t) => {
  const { t: tr } = tracker({ inFlight: 1 });
  const peer = {};
  const have = new Set<number>([0]);
  const haveFn = (i: InvItem): boolean => have.has(i.hash.readUInt32BE(0));
  t.deepEqual(tr.announce(peer, items(0, 3), haveFn).map((i) => i.hash.readUInt32BE(0)), [1]);
  have.add(2); // item 2 came in another way
  tr.received(item(1).hash);
  t.deepEqual(tr.next(peer, haveFn), []);
  t.is(tr.pending(peer), 0);
});

const nums = (list: readonly InvItem[]): number[] => list.map((i) => i.hash.readUInt32BE(0));

test('a second announcer keeps the item and is offered it when the first peer leaves', (t) => {
  const { t: tr } = tracker();
  const a = {};
  const b = {};
  t.deepEqual(nums(tr.announce(a, [item(7)], never)), [7]);
  t.deepEqual(tr.announce(b, [item(7)], never), [], 'in flight from a');
  t.is(tr.pending(b), 1, 'but b keeps it as a candidate');
  t.deepEqual(tr.removePeer(a), [b], 'b is the peer to poll');
  t.deepEqual(nums(tr.next(b, never)), [7]);
  t.true(tr.isRequested(item(7).hash));
  t.is(tr.inFlight(b), 1);
  t.is(tr.pending(b), 0);
});

test('a second announcer is offered the item when the first answers not-found', (t) => {
  const { t: tr } = tracker();
  const a = {};
  const b = {};
  const c = {};
  tr.announce(a, [item(7), item(8)], never);
  tr.announce(b, [item(7)], never);
  tr.announce(c, [item(8)], never);
  t.deepEqual(tr.notFound(b, [item(7).hash]), [], 'b was not asked: its not-found changes nothing');
  t.true(tr.isRequested(item(7).hash));
  t.deepEqual(tr.notFound(a, [item(7).hash]), [b], 'only the announcers of what a did not have');
  t.deepEqual(nums(tr.next(b, never)), [7]);
  t.deepEqual(tr.next(c, never), [], 'item 8 is still in flight from a');
  t.deepEqual(tr.next(a, never), [], 'a is not asked again for what it did not have');
});

test('a second announcer is offered the item when the first does not answer in time', (t) => {
  const { t: tr, advance } = tracker({ expiryMs: 1_000 });
  const a = {};
  const b = {};
  tr.announce(a, [item(7)], never);
  tr.announce(b, [item(7)], never);
  advance(999);
  t.deepEqual(tr.expire(), [], 'not yet expired');
  t.deepEqual(tr.next(b, never), []);
  advance(1);
  t.deepEqual(tr.expire(), [b]);
  t.deepEqual(tr.expire(), [], 'reported once');
  t.is(tr.inFlight(a), 0, 'a got its slot back');
  t.deepEqual(nums(tr.next(b, never)), [7]);
  advance(1_000);
  t.deepEqual(tr.expire(), [], 'no announcer is left after b');
  t.false(tr.isRequested(item(7).hash));
});

test('an expiry noticed by another call is still reported by expire()', (t) => {
  const { t: tr, advance } = tracker({ expiryMs: 1_000 });
  const a = {};
  const b = {};
  tr.announce(a, [item(7)], never);
  tr.announce(b, [item(7)], never);
  advance(1_000);
  t.is(tr.inFlight(a), 0, 'expired lazily here');
  t.deepEqual(tr.expire(), [b]);
});

test('a delivered item is forgotten for every announcer', (t) => {
  const { t: tr } = tracker();
  const a = {};
  const b = {};
  const c = {};
  tr.announce(a, [item(7)], never);
  tr.announce(b, [item(7), item(8)], never);
  tr.announce(c, [item(7)], never);
  t.is(tr.pending(b), 1, 'item 8 was requested of b at once, item 7 waits');
  t.is(tr.received(item(7).hash), a);
  t.is(tr.pending(b), 0);
  t.is(tr.pending(c), 0);
  t.deepEqual(tr.removePeer(a), [], 'nobody is left to ask');
  t.deepEqual(tr.next(b, never), []);
  t.deepEqual(tr.next(c, never), []);
  t.false(tr.isRequested(item(7).hash));
});

test('an item delivered before it was ever requested is forgotten by its announcers too', (t) => {
  const { t: tr } = tracker({ inFlight: 1 });
  const a = {};
  const b = {};
  t.deepEqual(nums(tr.announce(a, [item(0), item(1)], never)), [0]);
  t.deepEqual(nums(tr.announce(b, [item(5), item(0), item(1)], never)), [5], 'b\'s one slot is taken');
  t.is(tr.received(item(1).hash), undefined, 'nobody had been asked for item 1');
  t.is(tr.pending(a), 0);
  t.is(tr.pending(b), 1, 'only item 0 is left for b');
  tr.received(item(0).hash);
  tr.received(item(5).hash);
  t.deepEqual(tr.next(a, never), []);
  t.deepEqual(tr.next(b, never), [], 'b\'s slot is free but nothing is left to ask');
});

test('items waiting for another peer do not take this peer\'s in-flight slots, and the bounds hold', (t) => {
  const { t: tr } = tracker({ inFlight: 3, pending: 5 });
  const a = {};
  const b = {};
  t.deepEqual(nums(tr.announce(a, items(0, 10), never)), [0, 1, 2]);
  t.is(tr.pending(a), 5 - 3, 'a: 5 accepted, 3 of them in flight');
  t.deepEqual(nums(tr.announce(b, items(0, 10), never)), [3, 4], 'b is asked for what a is not fetching');
  t.is(tr.pending(b), 3, 'items 0-2 wait behind a\'s requests; items 5.. were past b\'s pending cap');
  t.deepEqual(nums(tr.announce(b, items(100, 10), never)), [100], '2 more fit the pending cap; its free slot takes one');
  t.is(tr.pending(b), 4);
  t.is(tr.inFlight(b), 3);
  t.deepEqual(tr.announce(b, items(200, 10), never), [], 'one more fits, no slot is free');
  t.is(tr.pending(b), 5);
  t.deepEqual(tr.announce(b, items(300, 10), never), [], 'b\'s pending is full');
  t.is(tr.pending(b), 5);
  t.deepEqual(tr.removePeer(a), [b]);
  t.deepEqual(tr.next(b, never), [], 'b has no free slot yet');
  tr.received(item(3).hash);
  t.deepEqual(nums(tr.next(b, never)), [0], 'one slot, one item');
  t.is(tr.inFlight(b), 3);
  t.is(tr.pending(b), 4);
});

test('with many announcers only one request per item is in flight, and each next one is asked in turn', (t) => {
  const { t: tr, advance } = tracker({ expiryMs: 1_000 });
  const peers = [{}, {}, {}, {}];
  const asked: object[] = [];
  for (const p of peers) if (tr.announce(p, [item(9)], never).length > 0) asked.push(p);
  t.is(asked.length, 1);
  for (let round = 0; round < 3; round++) {
    advance(1_000);
    const poll = tr.expire();
    const now = poll.filter((p) => tr.next(p, never).length > 0);
    t.is(now.length, 1, `round ${round}: one new request`);
    t.false(asked.includes(now[0]!), 'never the same peer twice');
    asked.push(now[0]!);
  }
  advance(1_000);
  t.deepEqual(tr.expire(), [], 'every announcer was tried');
});

test('a peer whose request failed is not asked again on re-announcing while another announcer holds the item', (t) => {
  const { t: tr, advance } = tracker({ expiryMs: 1_000 });
  const a = {};
  const b = {};
  tr.announce(a, [item(7)], never);
  tr.announce(b, [item(7)], never);
  advance(1_000);
  t.deepEqual(tr.announce(a, [item(7)], never), [], 'the staller re-announces first: ignored');
  t.is(tr.pending(a), 0);
  t.deepEqual(tr.expire(), [b]);
  t.deepEqual(nums(tr.next(b, never)), [7]);
  t.deepEqual(tr.notFound(b, [item(7).hash]), [], 'nobody else holds it');
  t.deepEqual(nums(tr.announce(a, [item(7)], never)), [7], 'with nobody left holding the item its failures are forgotten');
});

test('failed requests count toward the pending cap and are dropped with the item', (t) => {
  const { t: tr } = tracker({ inFlight: 3, pending: 5 });
  const a = {};
  const b = {};
  tr.announce(a, items(0, 3), never);
  tr.announce(b, items(0, 3), never);
  tr.notFound(a, items(0, 3).map((i) => i.hash));
  t.is(tr.inFlight(a), 0);
  t.is(tr.pending(a), 0);
  t.deepEqual(nums(tr.announce(a, items(10, 10), never)), [10, 11], 'only 5 - 3 failed = 2 more fit');
  t.deepEqual(nums(tr.next(b, never)), [0, 1, 2]);
  for (const n of [0, 1, 2]) tr.received(item(n).hash);
  t.deepEqual(nums(tr.announce(a, items(20, 10), never)), [20], 'delivered: the failures are dropped, room again');
  t.is(tr.pending(a), 4, '5 accepted, one of them asked');
  t.deepEqual(tr.removePeer(a), []);
  t.deepEqual(tr.removePeer(b), []);
});

test('a held-back announcement (delayMs) is not requested before it is due; a peer without delay is asked at once; a delivery forgets it', (t) => {
  let now = 0;
  const spy = {};
  const chosen = {};
  const tr = new RequestTracker<object>({
    maxInFlightPerPeer: 3,
    maxPendingPerPeer: 5,
    expiryMs: 30_000,
    delayMs: (peer, type) => (peer === spy && type === 'tx' ? 2_000 : 0),
    now: () => now,
  });
  t.deepEqual(tr.announce(spy, [item(1), item(2)], never), [], 'held back');
  t.is(tr.nextDueMs(spy), 2_000);
  now = 1_999;
  t.deepEqual(tr.next(spy, never), [], 'not due yet');
  t.deepEqual(tr.announce(chosen, [item(1)], never).map((i) => i.hash.readUInt32BE(0)), [1], 'the peer without delay is asked at once');
  now = 2_000;
  t.deepEqual(tr.next(spy, never).map((i) => i.hash.readUInt32BE(0)), [2], 'due: item 2 (item 1 is in flight from the other peer)');
  t.is(tr.received(item(1).hash), chosen);
  t.is(tr.nextDueMs(spy), undefined, 'nothing held back any more');
  t.is(tr.pending(spy), 0);
});

test('held-back announcements that came due while the peer has no free slot need no timer: nextDueMs is undefined, a freed slot asks for them', (t) => {
  let now = 0;
  const spy = {};
  const tr = new RequestTracker<object>({ maxInFlightPerPeer: 2, maxPendingPerPeer: 10, expiryMs: 30_000, delayMs: () => 2_000, now: () => now });
  t.deepEqual(tr.announce(spy, items(0, 5), never), []);
  now = 2_000;
  t.is(tr.next(spy, never).length, 2, 'one announcement, due together: as many as the slots allow');
  t.is(tr.nextDueMs(spy), undefined, 'the other 3 are due: polling on a timer would find no slot (and loop)');
  tr.received(item(0).hash);
  t.deepEqual(tr.next(spy, never).map((i) => i.hash.readUInt32BE(0)), [2]);
});

test('an announcement that comes due between a poll and nextDueMs is still reported due, so the caller polls again (a due timer fired 1 ms early by Date.now, and the tx was never asked: relay-failover flake)', (t) => {
  let now = 0;
  const spy = {};
  const tr = new RequestTracker<object>({ maxInFlightPerPeer: 2, maxPendingPerPeer: 10, expiryMs: 30_000, delayMs: () => 2_000, now: () => now });
  t.deepEqual(tr.announce(spy, [item(1)], never), []);
  now = 1_999; // the timer for 2,000 fired early
  t.deepEqual(tr.next(spy, never), [], 'not due yet');
  now = 2_000; // the clock moved on before the caller asked when to poll next
  const dueMs = tr.nextDueMs(spy);
  t.true(dueMs !== undefined && dueMs <= now, 'due now: poll again (undefined here left the item pending with no poll to come)');
  t.deepEqual(tr.next(spy, never).map((i) => i.hash.readUInt32BE(0)), [1]);
  t.is(tr.nextDueMs(spy), undefined);
});

test('an inv costs the same whether or not 5,000 of the peer\'s announcements are held back (a spy\'s one-item invs walked them all: ~2 s of CPU per second at the inv rate limit)', (t) => {
  const held = 5_000;
  const invs = 20_000;
  const run = (delayMs: number): { ns: number; tr: RequestTracker<object>; peer: object } => {
    const tr = new RequestTracker<object>({ maxInFlightPerPeer: 100, maxPendingPerPeer: held, expiryMs: 30_000, delayMs: () => delayMs, now: () => 0 });
    const peer = {};
    const filler = delayMs > 0 ? items(0, held) : [];
    tr.announce(peer, filler, never);
    // Fill the in-flight slots the same way in both runs, then repeat one-item invs of a known item.
    const repeat = [item(held)];
    const start = process.hrtime.bigint();
    for (let i = 0; i < invs; i++) tr.announce(peer, repeat, never);
    return { ns: Number(process.hrtime.bigint() - start), tr, peer };
  };
  run(2_000); // warm-up: both code paths compiled before timing
  run(0);
  const withHeld = run(2_000);
  const without = run(0);
  t.is(withHeld.tr.pending(withHeld.peer), held, 'the filler is held back (and the repeated item did not fit)');
  const ratio = withHeld.ns / without.ns;
  t.log(`${invs} one-item invs: ${(withHeld.ns / invs / 1000).toFixed(2)} µs each with ${held} held back, ${(without.ns / invs / 1000).toFixed(2)} µs with none (${ratio.toFixed(1)}x)`);
  t.true(ratio < 10, `held-back announcements must not be walked on every inv (ratio ${ratio.toFixed(1)})`);
});

test('a peer whose requests expired is polled by expire() for the announcements it still has waiting: the expiry freed its slots, and nothing else may come to ask it (a late delivery finds no request of it)', (t) => {
  const { t: tr, advance } = tracker({ inFlight: 2, pending: 5, expiryMs: 1_000 });
  const a = {};
  t.deepEqual(nums(tr.announce(a, items(0, 3), never)), [0, 1], 'item 2 waits for a free slot');
  advance(1_000);
  t.deepEqual(tr.expire(), [a], 'its slots are free: poll it (undefined before: item 2 waited for its next inv)');
  t.is(tr.received(item(0).hash), undefined, 'a late delivery: no request of a is open, so no caller would poll a on it');
  t.deepEqual(nums(tr.next(a, never)), [2]);
  t.deepEqual(tr.expire(), [], 'reported once');
  advance(1_000);
  t.deepEqual(tr.expire(), [], 'item 2 expired too, and a has nothing left waiting');
});

test('a peer whose requests expired lazily (noticed by another call) is still polled by expire()', (t) => {
  const { t: tr, advance } = tracker({ inFlight: 1, pending: 5, expiryMs: 1_000 });
  const a = {};
  tr.announce(a, items(0, 2), never);
  advance(1_000);
  t.false(tr.isRequested(item(0).hash), 'expired here');
  t.deepEqual(tr.expire(), [a]);
  tr.removePeer(a);
  t.deepEqual(tr.expire(), []);
});

test('on a steady reading of the wall clock (as the relay uses it), a step back delays neither a held-back announcement nor a request expiry by the step', (t) => {
  let wallMs = 1_000_000;
  const now = steadyReader(() => wallMs);
  const spy = {};
  const honest = {};
  const tr = new RequestTracker<object>({ maxInFlightPerPeer: 2, maxPendingPerPeer: 10, expiryMs: 30_000, delayMs: (peer) => (peer === spy ? 2_000 : 0), now });
  t.deepEqual(tr.announce(spy, [item(1)], never), []);
  wallMs += 1_000;
  t.deepEqual(tr.next(spy, never), [], 'not due after 1 s');
  wallMs -= 3_600_000; // an NTP step back of an hour (time between two readings is all it can lose)
  t.deepEqual(tr.next(spy, never), []);
  wallMs += 1_000;
  t.deepEqual(tr.next(spy, never).map((i) => i.hash.readUInt32BE(0)), [1], 'due 2 s after its announcement, not an hour later');
  t.deepEqual(tr.announce(honest, [item(1)], never), [], 'asked of the spy already');
  t.deepEqual(tr.expire(), []);
  wallMs -= 3_600_000; // another step back while the spy holds the request
  t.deepEqual(tr.expire(), []);
  wallMs += 30_000;
  t.deepEqual(tr.expire(), [honest], 'the request expired 30 s after it was made, and the other announcer is up');
});

test('steadyReader never goes back and keeps the clock pace after a step back (what it loses is the time between two readings); a step forward passes through', (t) => {
  let wallMs = 5_000;
  const now = steadyReader(() => wallMs);
  t.is(now(), 5_000);
  wallMs = 1_000; // back 4 s
  t.is(now(), 5_000);
  wallMs = 1_500;
  t.is(now(), 5_500);
  wallMs = 11_500; // forward 10 s
  t.is(now(), 15_500);
});
