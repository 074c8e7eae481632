/** The block download scheduler's bounds and hand-offs (sync-download.ts), without sockets. */
import test, { type ExecutionContext } from 'ava';
import type { Block, BlockHeader } from '../../../src/primitives/block.js';
import { BlockDownload } from '../../../src/p2p/sync-download.js';

interface FakePeer {
  readonly name: string;
  readonly height: number;
}

const header = (height: number): BlockHeader => ({ height, hash: Buffer.from(height.toString(16).padStart(64, '0'), 'hex') }) as BlockHeader;
const block = (h: BlockHeader, size = 100): Block => ({ hash: h.hash, height: h.height, size, header: h }) as unknown as Block;
const headers = (count: number): BlockHeader[] => Array.from({ length: count }, (_, i) => header(i + 1));

/** `hedgeAfterMs` defaults to never: the tests of the first requests see no second ones. */
function download(options: { perPeer?: number; global?: number; bytes?: number; hedgeAfterMs?: number } = {}): BlockDownload<FakePeer> {
  return new BlockDownload<FakePeer>({
    perPeerWindow: options.perPeer ?? 4,
    globalWindow: options.global ?? 1_000,
    maxBufferedBytes: options.bytes ?? 1_000_000,
    hedgeAfterMs: options.hedgeAfterMs ?? Number.POSITIVE_INFINITY,
    have: () => false,
    serves: (peer, h) => peer.height >= h.height,
  });
}

const heightsOf = (plan: Map<FakePeer, { hash: Buffer }[]>, peer: FakePeer): number[] => (plan.get(peer) ?? []).map((i) => Number.parseInt(i.hash.toString('hex'), 16));

/** `peers` send every block `plan` asks of them, at `nowMs`; each is taken as asked for. */
function deliverAll(t: ExecutionContext, d: BlockDownload<FakePeer>, plan: Map<FakePeer, { hash: Buffer }[]>, peers: readonly FakePeer[], nowMs: number): void {
  for (const peer of peers) for (const h of heightsOf(plan, peer)) t.true(d.received(peer, block(header(h)), nowMs));
}

/** Takes every block the chain can have now; returns how many. */
function takeAll(d: BlockDownload<FakePeer>): number {
  let taken = 0;
  while (d.takeNext() !== undefined) taken++;
  return taken;
}

test('each peer gets a run of consecutive bodies up to its window; a peer gets only what its height covers', (t) => {
  const d = download({ perPeer: 3 });
  d.add(headers(20));
  const a = { name: 'a', height: 100 };
  const b = { name: 'b', height: 100 };
  const short = { name: 'short', height: 2 };
  const plan = d.schedule([a, b, short], 0);
  t.deepEqual(heightsOf(plan, a), [1, 2, 3]);
  t.deepEqual(heightsOf(plan, b), [4, 5, 6]);
  t.deepEqual(heightsOf(plan, short), [], 'the next block (7 on) is above its height');
  t.is(d.inFlightCount, 6);
  t.is(d.schedule([a, b, short], 0).size, 0, 'full windows: nothing more');
});

test('the global window bounds how far ahead of the next block requests go', (t) => {
  const d = download({ perPeer: 100, global: 10 });
  d.add(headers(50));
  const a = { name: 'a', height: 100 };
  t.is(heightsOf(d.schedule([a], 0), a).length, 10);
  // the next block arrives and is taken: one more slot of the window opens
  t.true(d.received(a, block(header(1)), 0));
  t.not(d.takeNext(), undefined);
  t.deepEqual(heightsOf(d.schedule([a], 0), a), [11]);
});

test('buffered bodies are bounded in bytes: requests pause until the chain takes them', (t) => {
  const d = download({ perPeer: 100, bytes: 250 });
  d.add(headers(10));
  const a = { name: 'a', height: 100 };
  d.schedule([a], 0);
  // block 1 is late; 2..4 arrive and wait for it (300 bytes buffered > 250)
  for (const h of [2, 3, 4]) t.true(d.received(a, block(header(h)), 0));
  t.is(d.takeNext(), undefined, 'block 1 is still to come');
  t.true(d.received(a, block(header(5)), 0));
  t.is(d.schedule([{ name: 'b', height: 100 }], 0).size, 0, 'nothing new requested above the byte bound');
});

test('a stalling peer: the next block past the timeout names it; its blocks go to the others, never back to it', (t) => {
  const d = download({ perPeer: 2 });
  d.add(headers(4));
  const slow = { name: 'slow', height: 100 };
  const fast = { name: 'fast', height: 100 };
  d.schedule([slow, fast], 1_000);
  t.is(d.staller(2_000, 2_000), undefined, 'not late yet');
  t.is(d.staller(3_001, 2_000), slow);
  d.dropPeer(slow, true);
  t.true(d.received(fast, block(header(3)), 3_001));
  t.true(d.received(fast, block(header(4)), 3_001));
  const again = d.schedule([slow, fast], 3_001);
  t.deepEqual(heightsOf(again, fast), [1, 2], "the staller's run goes to the other peer");
  t.false(again.has(slow));
  t.false(d.received(slow, block(header(99)), 0), 'a block nobody asked for is not taken');
});

test('a peer working through its window is no staller: its clock runs from its last answer to its oldest request, not from the request', (t) => {
  const d = download({ perPeer: 4 });
  d.add(headers(8));
  const steady = { name: 'steady', height: 100 };
  const other = { name: 'other', height: 100 };
  d.schedule([steady, other], 0); // steady: 1-4, other: 5-8, all asked for at 0
  // 1 MB blocks on a slow link: each takes ~1.4 s, so block 3 (the next the chain needs) is 3 s old when its turn comes
  t.true(d.received(steady, block(header(1)), 1_500));
  t.not(d.takeNext(), undefined);
  t.true(d.received(steady, block(header(2)), 2_900));
  t.not(d.takeNext(), undefined);
  t.is(d.staller(3_000, 2_000), undefined, 'it answered its oldest request 100 ms ago: it is sending block 3 now');
  t.is(d.staller(4_900, 2_000), undefined);
  // a later block does not restart the clock of the one withheld before it
  t.true(d.received(steady, block(header(4)), 4_000));
  t.is(d.staller(4_901, 2_000), steady, 'nothing answered to its oldest request (block 3) for over 2 s');
});

test('a block of a slow peer delivered by another does not restart the slow peer\'s clock', (t) => {
  const d = download({ perPeer: 2 });
  d.add(headers(4));
  const slow = { name: 'slow', height: 100 };
  const fast = { name: 'fast', height: 100 };
  d.schedule([slow, fast], 0); // slow: 1-2, fast: 3-4
  t.true(d.received(fast, block(header(1)), 1_900), 'any peer may send a block in flight');
  t.not(d.takeNext(), undefined);
  t.is(d.staller(2_001, 2_000), slow, 'block 2 was asked of slow at 0 and slow has answered nothing since');
});

test('a slow peer\'s run is asked of a waiting peer too once the needed block has been in flight from it past hedgeAfterMs; the first copy wins, the other is taken quietly once', (t) => {
  const d = download({ perPeer: 8, bytes: 800, hedgeAfterMs: 500 });
  d.add(headers(32));
  const slow = { name: 'slow', height: 100 };
  const fast = { name: 'fast', height: 100 };
  const peers = [slow, fast];
  d.schedule(peers, 0); // slow: 1-8, fast: 9-16; the needed block is slow's from 0
  for (let h = 9; h <= 16; h++) t.true(d.received(fast, block(header(h)), 10));
  t.is(d.schedule(peers, 400).size, 0, 'the byte bound: fast waits; slow has held the needed block 400 ms');
  t.true(d.received(slow, block(header(1)), 450), 'slow sends block 1 in time');
  t.not(d.takeNext(), undefined);
  const second = d.schedule(peers, 600);
  t.deepEqual(heightsOf(second, fast), [2, 3, 4, 5, 6, 7, 8], "block 2 is slow's too: 600 ms of its run, which goes to fast as well");
  t.false(second.has(slow));
  t.is(d.schedule(peers, 2_000).size, 0, 'a block is asked of two peers at most');
  t.is(d.staller(1_200, 2_000), undefined, "slow keeps its requests: it is not blamed for fast's");
  t.true(d.received(fast, block(header(2)), 1_150), "fast's copy comes first");
  t.false(d.received(slow, block(header(2)), 1_300));
  t.true(d.takeOwed(slow, header(2).hash, 1_300), "slow's copy is taken quietly");
  t.false(d.takeOwed(slow, header(2).hash, 1_300), 'once');
  t.true(d.received(slow, block(header(3)), 1_400), "slow's copy comes first");
  t.false(d.received(fast, block(header(3)), 1_450));
  t.true(d.takeOwed(fast, header(3).hash, 1_450));
  t.false(d.takeOwed(fast, header(4).hash, 1_450), 'nobody owes a block still in flight');
});

/**
 * Windows of 4, 400 bytes downloaded at most, second requests after 500 ms: `slow` is asked for
 * 1-4 and `fast` for 5-8 at 0, and fast has sent its four at 10 (it waits, the byte bound reached).
 */
function slowHoldsFastWaits(t: ExecutionContext, slowName: string): { d: BlockDownload<FakePeer>; slow: FakePeer; fast: FakePeer } {
  const d = download({ perPeer: 4, bytes: 400, hedgeAfterMs: 500 });
  d.add(headers(12));
  const slow = { name: slowName, height: 100 };
  const fast = { name: 'fast', height: 100 };
  d.schedule([slow, fast], 0);
  for (let h = 5; h <= 8; h++) t.true(d.received(fast, block(header(h)), 10));
  return { d, slow, fast };
}

test('a second request: a not-found or a drop of the second peer leaves the first on it; a drop of the first hands the block to the second', (t) => {
  const { d, slow, fast } = slowHoldsFastWaits(t, 'slow');
  const other = { name: 'other', height: 100 };
  t.true(d.received(slow, block(header(1)), 300));
  t.not(d.takeNext(), undefined);
  t.deepEqual(heightsOf(d.schedule([slow, fast], 600), fast), [2, 3, 4]);
  t.true(d.notFound(fast, [header(2).hash], 700), 'fast lacks block 2');
  t.is(d.inFlightFrom(fast), 2);
  t.is(d.inFlightFrom(slow), 3, 'slow is still on all three');
  d.dropPeer(fast, false);
  t.is(d.inFlightCount, 3, 'its second requests gone, the first ones stay');
  t.deepEqual(heightsOf(d.schedule([slow, other], 800), other), [2, 3, 4], 'another peer with room may help now');
  d.dropPeer(slow, true);
  t.is(d.inFlightCount, 3, "slow's blocks are other's now, not asked again");
  t.is(d.inFlightFrom(other), 3);
  t.is(d.staller(2_800, 2_000), undefined, "other's clock runs from its request (800)");
  t.is(d.staller(2_801, 2_000), other);
});

test('a helper that does not send the needed block within hedgeAfterMs either loses its second requests to another; its copies are still taken quietly', (t) => {
  const d = download({ perPeer: 4, bytes: 400, hedgeAfterMs: 500 });
  d.add(headers(16));
  const slow = { name: 'slow', height: 100 };
  const idle = { name: 'idle', height: 100 };
  const honest = { name: 'honest', height: 100 };
  const peers = [slow, idle, honest];
  d.schedule(peers, 0); // slow: 1-4, idle: 5-8, honest: 9-12
  for (let h = 5; h <= 8; h++) t.true(d.received(idle, block(header(h)), 10));
  for (let h = 9; h <= 12; h++) t.true(d.received(honest, block(header(h)), 10));
  t.true(d.received(slow, block(header(1)), 300));
  t.not(d.takeNext(), undefined);
  t.deepEqual(heightsOf(d.schedule(peers, 600), idle), [2, 3, 4], 'idle is first in line');
  t.is(d.schedule(peers, 1_000).size, 0, 'idle has 500 ms to send block 2');
  const moved = d.schedule(peers, 1_100);
  t.false(moved.has(idle));
  t.deepEqual(heightsOf(moved, honest), [2, 3, 4], 'its second requests go to another');
  t.is(d.inFlightFrom(idle), 0);
  t.true(d.received(honest, block(header(2)), 1_150));
  t.false(d.received(idle, block(header(2)), 1_200));
  t.true(d.takeOwed(idle, header(2).hash, 1_200), "idle's late copy is taken quietly");
  t.true(d.takeOwed(slow, header(2).hash, 1_200), "and slow's");
});

test('a helper that withheld the needed block is passed over while a peer in good standing can help: a withholder does not cost hedgeAfterMs on every slow run', (t) => {
  const d = download({ perPeer: 4, bytes: 1_200, hedgeAfterMs: 500 }); // 12 buffered blocks stop further requests
  d.add(headers(40));
  const slow = { name: 'slow', height: 100 };
  const w1 = { name: 'w1', height: 100 };
  const w2 = { name: 'w2', height: 100 };
  const honest = { name: 'honest', height: 100 };
  const peers = [slow, w1, w2, honest];
  // First slow run: slow holds 1-4, the other three have sent theirs (5-16).
  deliverAll(t, d, d.schedule(peers, 0), [w1, w2, honest], 10);
  t.true(d.received(slow, block(header(1)), 300));
  t.is(takeAll(d), 1);
  t.deepEqual(heightsOf(d.schedule(peers, 600), w1), [2, 3, 4], 'w1 is first in line');
  t.deepEqual(heightsOf(d.schedule(peers, 1_100), w2), [2, 3, 4], 'w1 withheld block 2: w2 is asked');
  t.deepEqual(heightsOf(d.schedule(peers, 1_600), honest), [2, 3, 4], 'w2 withheld it too: honest is asked');
  for (const h of [2, 3, 4]) t.true(d.received(honest, block(header(h)), 1_650));
  t.is(takeAll(d), 15, 'blocks 2-16');
  // Second slow run (17-20): the withholders are passed over, honest is asked as soon as the hold is long enough.
  const next = d.schedule(peers, 2_000);
  t.deepEqual(heightsOf(next, slow), [17, 18, 19, 20]);
  deliverAll(t, d, next, [w1, w2, honest], 2_010);
  t.true(d.received(slow, block(header(17)), 2_300));
  t.is(takeAll(d), 1);
  const help = d.schedule(peers, 2_600);
  t.false(help.has(w1));
  t.false(help.has(w2));
  t.deepEqual(heightsOf(help, honest), [18, 19, 20], 'honest at once, not after two more 500 ms waits');
});

/**
 * Review of session 28: slow holds 1-4; far (honest, 600 ms away) is asked at 600 and replaced by
 * near at 1,100, but far's copies land first at 1,200; near then leaves. Returns the blocks of the
 * second slow run (14-16) far is asked for.
 */
function lateHelperThenAlone(t: ExecutionContext): number[] {
  const d = download({ perPeer: 4, bytes: 800, hedgeAfterMs: 500 });
  d.add(headers(40));
  const slow = { name: 'slow', height: 100 };
  const far = { name: 'far', height: 100 };
  const near = { name: 'near', height: 100 };
  let peers = [slow, far, near];
  const first = d.schedule(peers, 0);
  deliverAll(t, d, first, [far, near], 10);
  t.true(d.received(slow, block(header(1)), 300));
  t.not(d.takeNext(), undefined);
  t.deepEqual(heightsOf(d.schedule(peers, 600), far), [2, 3, 4]);
  t.deepEqual(heightsOf(d.schedule(peers, 1_100), near), [2, 3, 4], 'far is late: near is asked');
  for (const h of [2, 3, 4]) {
    t.true(d.received(far, block(header(h)), 1_200), `far's copy of ${h} comes first`);
    takeAll(d);
  }
  t.false(d.takeOwed(far, header(2).hash, 1_250), 'its copy was taken: it owes nothing more');
  for (const h of [2, 3, 4]) t.true(d.takeOwed(near, header(h).hash, 1_250));
  d.dropPeer(near, false);
  peers = [slow, far];
  const next = d.schedule(peers, 2_000);
  t.deepEqual(heightsOf(next, slow), [13, 14, 15, 16]);
  for (const h of heightsOf(next, far)) t.true(d.received(far, block(header(h)), 2_010));
  t.true(d.received(slow, block(header(13)), 2_300));
  t.not(d.takeNext(), undefined);
  const asked: number[] = [];
  for (let now = 2_600; now <= 5_000; now += 250) asked.push(...heightsOf(d.schedule(peers, now), far).filter((h) => h >= 14 && h <= 16));
  return asked;
}

test('a helper replaced as late whose copy of the needed block still came first is credited, and is asked again', (t) => {
  t.deepEqual(lateHelperThenAlone(t), [14, 15, 16]);
});

test('a withholder is asked only when no peer in good standing can help, and is still replaced after hedgeAfterMs by one that was late before', (t) => {
  // Review of session 28: excluding late helpers outright let a withholder asked after them keep the second requests for good.
  const d = download({ perPeer: 4, bytes: 800, hedgeAfterMs: 500 });
  d.add(headers(40));
  const slow = { name: 'slow', height: 100 };
  const far = { name: 'far', height: 100 };
  const w = { name: 'w', height: 100 };
  const peers = [slow, w, far];
  const first = d.schedule(peers, 0); // slow 1-4, w 5-8, far 9-12
  deliverAll(t, d, first, [w, far], 10);
  t.true(d.received(slow, block(header(1)), 300));
  t.not(d.takeNext(), undefined);
  t.deepEqual(heightsOf(d.schedule(peers, 600), w), [2, 3, 4], 'w is first in line');
  t.deepEqual(heightsOf(d.schedule(peers, 1_100), far), [2, 3, 4], 'w withheld: far is asked');
  t.is(d.schedule(peers, 1_600).size, 0, 'far is late too, but w, with a worse record, is not asked instead');
  for (const h of [2, 3, 4]) t.true(d.received(far, block(header(h)), 1_700));
  takeAll(d);
  // Second slow run: far (good standing again) is preferred to w, which is first in line.
  const next = d.schedule(peers, 2_000);
  t.deepEqual(heightsOf(next, slow), [13, 14, 15, 16]);
  deliverAll(t, d, next, [w, far], 2_010);
  t.true(d.received(slow, block(header(13)), 2_300));
  t.not(d.takeNext(), undefined);
  const help = d.schedule(peers, 2_600);
  t.false(help.has(w));
  t.deepEqual(heightsOf(help, far), [14, 15, 16]);
  // far leaves: w is the only one that can help, so it is asked; far's return later replaces it.
  d.dropPeer(far, false);
  t.deepEqual(heightsOf(d.schedule([slow, w], 2_700), w), [14, 15, 16], 'nobody better: w is asked');
  const back = { name: 'far2', height: 100 };
  t.deepEqual(heightsOf(d.schedule([slow, w, back], 3_200), back), [14, 15, 16], 'w withheld for 500 ms: replaced');
});

test('a peer that sent nothing since it came to hold the needed block gets no help: the stall rule is for it', (t) => {
  const { d, slow: silent, fast } = slowHoldsFastWaits(t, 'silent');
  t.is(d.schedule([silent, fast], 1_500).size, 0, 'no second request');
  t.is(d.staller(2_001, 2_000), silent);
});

test('owed copies of requests later than its oldest open one do not restart a withholder\'s clock (a colluder delivering its other blocks cannot keep it on)', (t) => {
  // X withholds block 1; Y delivers every other block asked of X at once (X owes them) and withholds its second request for 1; X sends one owed copy every 1.9 s.
  const d = download({ perPeer: 16, global: 1_024, bytes: 4 * 1024 * 1024, hedgeAfterMs: 500 });
  d.add(headers(2_000));
  const x = { name: 'x', height: 10_000 };
  const y = { name: 'y', height: 10_000 };
  const s = { name: 's', height: 10_000 };
  const peers = [x, y, s];
  const heightOf = (item: { hash: Buffer }): number => Number.parseInt(item.hash.toString('hex'), 16);
  const owedByX: number[] = [];
  let lastDripMs = 0;
  let namedAtMs: number | undefined;
  for (let now = 0; now <= 10_000 && namedAtMs === undefined; now += 250) {
    if (d.staller(now, 2_000) === x) namedAtMs = now;
    if (now - lastDripMs >= 1_900 && owedByX.length > 0) {
      t.true(d.takeOwed(x, header(owedByX.shift()!).hash, now));
      lastDripMs = now;
    }
    const plan = d.schedule(peers, now);
    for (const item of plan.get(y) ?? []) if (heightOf(item) !== 1) d.received(y, block(header(heightOf(item))), now);
    for (const item of plan.get(s) ?? []) d.received(s, block(header(heightOf(item))), now);
    for (const item of plan.get(x) ?? []) if (heightOf(item) !== 1 && d.received(y, block(header(heightOf(item))), now)) owedByX.push(heightOf(item));
    takeAll(d);
  }
  t.is(namedAtMs, 2_250, 'named as soon as 2 s passed since its request for block 1');
});

test('not-found moves the block to another peer; blocks are handed over in header order only', (t) => {
  const d = download({ perPeer: 1 });
  d.add(headers(2));
  const a = { name: 'a', height: 100 };
  const b = { name: 'b', height: 100 };
  d.schedule([a, b], 0);
  t.true(d.notFound(a, [header(1).hash], 0));
  t.false(d.notFound(a, [header(2).hash], 0), 'not in flight from a');
  t.true(d.received(b, block(header(2)), 0));
  t.is(d.takeNext(), undefined, 'block 2 waits for block 1');
  t.deepEqual(heightsOf(d.schedule([a, b], 0), b), [1]);
  t.true(d.received(b, block(header(1)), 0));
  const first = d.takeNext();
  t.true(first !== undefined && first !== 'have' && first.block.height === 1);
  t.is(d.queued, 1);
});

test('a peer that said not-found and then left is not kept in the "lacks" marks (no closed session held for the sync)', (t) => {
  const d = download({ perPeer: 2 });
  d.add(headers(4));
  const a = { name: 'a', height: 100 };
  const b = { name: 'b', height: 100 };
  const plan = d.schedule([a, b], 0);
  t.true(d.notFound(a, (plan.get(a) ?? []).map((i) => i.hash), 0));
  t.is(d.peersMarkedLacking, 1);
  t.deepEqual(heightsOf(d.schedule([a, b], 0), a), [], 'a is not asked again for what it lacks');
  d.dropPeer(a, false);
  t.is(d.peersMarkedLacking, 0);
});

// Liveness with peers that are behind or refuse everything (scenarios of the session-28 reviews).

/** A download whose `source` serves every height (the sync's source), 32-block global window. */
function sourceDownload(source: FakePeer, options: { perPeer?: number; bytes?: number } = {}): BlockDownload<FakePeer> {
  return new BlockDownload<FakePeer>({
    perPeerWindow: options.perPeer ?? 4,
    globalWindow: 32,
    maxBufferedBytes: options.bytes ?? 1_000_000,
    hedgeAfterMs: 500,
    have: () => false,
    serves: (peer, h) => peer === source || peer.height >= h.height,
  });
}

test('a lone source sending steadily next to a peer that is behind: the sync completes', (t) => {
  const s = { name: 'S', height: 0 };
  const behind = { name: 'behind', height: 0 };
  const d = sourceDownload(s);
  d.add(headers(20));
  let now = 0;
  d.schedule([s, behind], now);
  for (let guard = 0; guard < 200 && d.peekHeader() !== undefined; guard++) {
    now += 100;
    if (d.inFlightFrom(s) > 0) t.true(d.received(s, block(d.peekHeader()!), now));
    takeAll(d);
    d.schedule([s, behind], now);
  }
  t.is(d.peekHeader(), undefined, 'all 20 taken');
});

test('a peer answering not-found to everything does not keep the refused blocks from the source: the sync completes', (t) => {
  const s = { name: 'S', height: 0 };
  const refuser = { name: 'refuser', height: 1_000 };
  const d = sourceDownload(s);
  d.add(headers(30));
  const answer = (plan: Map<FakePeer, { hash: Buffer }[]>, now: number): void => {
    const refused = heightsOf(plan, refuser);
    if (refused.length > 0) d.notFound(refuser, refused.map((h) => header(h).hash), now);
  };
  let now = 0;
  answer(d.schedule([s, refuser], now), now);
  for (let guard = 0; guard < 300 && d.peekHeader() !== undefined; guard++) {
    now += 100;
    const next = d.peekHeader()!;
    if (d.inFlightFrom(s) > 0 && d.received(s, block(next), now)) takeAll(d);
    answer(d.schedule([s, refuser], now), now);
  }
  t.is(d.peekHeader(), undefined, 'all 30 taken');
});
