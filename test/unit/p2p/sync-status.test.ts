import test from 'ava';
import { IBD_MAX_BLOCKS_BEHIND, IBD_MAX_TIP_AGE_SEC, SYNC_STATUS_EVENT_INTERVAL_MS } from '../../../src/p2p/constants.js';
import { type SyncPeerView, type SyncStatus, type SyncStatusChain, SyncStatusTracker } from '../../../src/p2p/sync-status.js';

const T0_MS = Date.UTC(2030, 0, 2, 3, 4, 5);

/** A fake chain whose tip we move by hand, a hand-driven clock and the events emitted. */
function setup(tipAgeSec = 0) {
  const clock = { ms: T0_MS };
  let tip: SyncStatusChain['tip'];
  const chain: SyncStatusChain = {
    get tip() {
      return tip;
    },
  };
  const setHeight = (height: number): void => void (tip = { height, header: { timestamp: Math.floor(clock.ms / 1000) - tipAgeSec } });
  const events: SyncStatus[] = [];
  const tracker = new SyncStatusTracker({ chain, emit: (s) => events.push(s), nowMs: () => clock.ms });
  const peer = { label: '127.0.0.1:9001', bestHeight: 300 } satisfies SyncPeerView;
  const connect = (n: number): void => {
    for (let i = 0; i < n; i++) {
      setHeight((chain.tip?.height ?? -1) + 1);
      tracker.connected({ transactions: { length: 2 } });
    }
  };
  return { clock, chain, setHeight, events, tracker, peer, connect };
}

test('idle node without a chain: not syncing, in initial download, progress 0', (t) => {
  const { tracker, events } = setup();
  t.like(tracker.status(), { syncing: false, height: null, headers: null, targetHeight: null, progress: 0, initialBlockDownload: true, blocksPerSec: null, peer: null, startedAt: null });
  t.is(events.length, 0, 'nothing emitted without a sync');
});

test('a sync from nothing: start event, proven headers, throttled progress events, one final event with syncing false', (t) => {
  const { tracker, events, clock, peer, connect } = setup();
  tracker.started(peer);
  t.is(events.length, 1);
  t.like(events[0], { syncing: true, height: null, headers: null, targetHeight: 300, progress: 0, peer: peer.label, startedAt: new Date(T0_MS).toISOString() });
  tracker.proved(300);
  t.is(events.length, 1, 'no second event within the interval');
  connect(100);
  t.is(events.length, 1, '100 blocks in the same millisecond: still one event');
  clock.ms += SYNC_STATUS_EVENT_INTERVAL_MS;
  connect(100);
  t.is(events.length, 2, 'one more after a second');
  t.like(events[1], { syncing: true, height: 100, headers: 300, targetHeight: 300, initialBlockDownload: true });
  t.true(events[1]!.progress > 0.33 && events[1]!.progress < 0.34, String(events[1]!.progress));
  t.is(events[1]!.blocksPerSec, 101, '101 blocks in 1 s');
  clock.ms += 1000;
  connect(101);
  const summary = tracker.ended();
  t.log(summary);
  t.deepEqual(summary, { peer: peer.label, blocks: 301, txs: 602, durationMs: 2000, blocksPerSec: 150.5, height: 300 });
  t.is(events.length, 4, 'the end is always emitted');
  t.like(events[3], { syncing: false, height: 300, headers: 300, targetHeight: 300, progress: 1, initialBlockDownload: false, blocksPerSec: null, peer: null, startedAt: null });
  t.is(tracker.ended(), undefined, 'a second end is nothing');
  t.is(events.length, 4);
});

test('headers count only what passed the PoW check; a peer claim only raises the target', (t) => {
  const { tracker, setHeight } = setup();
  setHeight(10);
  const liar = { label: 'liar', bestHeight: 1_000_000 };
  tracker.started(liar);
  t.like(tracker.status(), { headers: 10, targetHeight: 1_000_000, initialBlockDownload: false }, 'a bare claim is no initial download');
  tracker.proved(20);
  t.like(tracker.status(), { headers: 20, targetHeight: 1_000_000 });
});

test('initial download: far behind the proven headers during a sync, then latched off once caught up', (t) => {
  const { tracker, setHeight, peer } = setup();
  setHeight(0);
  t.false(tracker.status().initialBlockDownload, 'a fresh genesis, no sync');
  const second = setup();
  second.setHeight(0);
  second.tracker.started(peer);
  second.tracker.proved(IBD_MAX_BLOCKS_BEHIND);
  t.true(second.tracker.status().initialBlockDownload);
  second.connect(IBD_MAX_BLOCKS_BEHIND);
  t.true(second.tracker.status().initialBlockDownload, 'stays on until the sync ends');
  second.tracker.ended();
  t.false(second.tracker.status().initialBlockDownload);
  second.tracker.started(peer);
  second.tracker.proved(IBD_MAX_BLOCKS_BEHIND * 10);
  t.false(second.tracker.status().initialBlockDownload, "Core's latch: once out, out until restart");
  void tracker;
});

test('initial download: a tip older than a day', (t) => {
  const old = setup(IBD_MAX_TIP_AGE_SEC + 1);
  old.setHeight(5);
  t.true(old.tracker.status().initialBlockDownload);
  const recent = setup(IBD_MAX_TIP_AGE_SEC - 60);
  recent.setHeight(5);
  t.false(recent.tracker.status().initialBlockDownload);
});

test('catching up: a sync that starts 2+ blocks behind; one new block at the tip is not', (t) => {
  const { tracker, setHeight } = setup();
  setHeight(10);
  t.false(tracker.catchingUp, 'not syncing');
  tracker.started({ label: 'p', bestHeight: 11 });
  t.false(tracker.catchingUp, 'one block behind');
  tracker.ended();
  tracker.started({ label: 'p', bestHeight: 12 });
  t.true(tracker.catchingUp);
});
