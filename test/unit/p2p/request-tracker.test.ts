import test from 'ava';
import { RequestTracker } from '../../../src/p2p/request-tracker.js';
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
