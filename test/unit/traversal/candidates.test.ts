import test from 'ava';
import fc from 'fast-check';
import { CandidateList, PunchBackoff, candidatePollDelayMs } from '../../../src/p2p/traversal/candidates.js';
import {
  CANDIDATE_POLL_FAST_ROUNDS,
  CANDIDATE_POLL_MAX_MS,
  CANDIDATE_POLL_MIN_MS,
  CANDIDATES_PER_PEER_BURST,
  MAX_PUNCH_BACKOFFS,
  PUNCH_BACKOFF_MS,
  PUNCH_MAX_BACKOFF_MS,
} from '../../../src/p2p/traversal/constants.js';
import { MAX_PUNCH_CANDIDATES } from '../../../src/p2p/wire/index.js';
import { FakePeer, FakePeers, nodeId, nodeIdHex } from './fakes.js';

function setup() {
  const clock = { now: 1_000_000 };
  const peers = new FakePeers();
  const unreachable = new Set<string>();
  const list = new CandidateList({ peers, wasUnreachable: (id) => unreachable.has(id), now: () => clock.now });
  return { clock, peers, unreachable, list };
}

const hexes = (ids: Buffer[] | undefined): string[] => (ids ?? []).map((b) => b.toString('hex')).sort();

test('lists ready peers that announced listenPort 0 or that we failed to dial back; never the asker, a banned one, or a dialable one', (t) => {
  const { peers, unreachable, list } = setup();
  const asker = peers.add(new FakePeer('8.8.1.1', nodeId(1), { listenPort: 0 }));
  peers.add(new FakePeer('8.8.2.1', nodeId(2), { listenPort: 0 }));
  peers.add(new FakePeer('8.8.3.1', nodeId(3), { listenPort: 9000 })); // dialable
  peers.add(new FakePeer('8.8.4.1', nodeId(4), { listenPort: 9000 })); // claims a port, but our dial-back failed
  unreachable.add(nodeIdHex(4));
  peers.add(new FakePeer('8.8.5.1', nodeId(5), { listenPort: 0 }));
  peers.banned.add(nodeIdHex(5));
  const notReady = peers.add(new FakePeer('8.8.6.1', nodeId(6), { listenPort: 0 }));
  notReady.ready = false;
  t.deepEqual(hexes(list.answer(asker.asPeer())), [nodeIdHex(2), nodeIdHex(4)]);
});

test('an asker without a proven id gets nothing', (t) => {
  const { peers, list } = setup();
  peers.add(new FakePeer('8.8.2.1', nodeId(2), { listenPort: 0 }));
  t.is(list.answer(new FakePeer('8.8.1.1', undefined).asPeer()), undefined);
});

test(`at most ${MAX_PUNCH_CANDIDATES} ids, a random pick across asks`, (t) => {
  const { peers, list, clock } = setup();
  const asker = peers.add(new FakePeer('8.8.1.1', nodeId(1)));
  for (let i = 0; i < 40; i++) peers.add(new FakePeer(`9.9.${i}.1`, nodeId(100 + i), { listenPort: 0 }));
  const seen = new Set<string>();
  for (let round = 0; round < 10; round++) {
    clock.now += 10_000;
    const ids = list.answer(asker.asPeer());
    t.is(ids?.length, MAX_PUNCH_CANDIDATES);
    t.is(new Set(hexes(ids)).size, MAX_PUNCH_CANDIDATES, 'no duplicates');
    for (const id of hexes(ids)) seen.add(id);
  }
  t.log(`distinct candidates seen over 10 asks of 16 among 40: ${seen.size}`);
  t.true(seen.size > MAX_PUNCH_CANDIDATES, 'not always the same 16');
});

test(`per-asker rate limit: burst ${CANDIDATES_PER_PEER_BURST}, then one answer per 2 s; other askers unaffected`, (t) => {
  const { peers, list, clock } = setup();
  const a = peers.add(new FakePeer('8.8.1.1', nodeId(1)));
  const b = peers.add(new FakePeer('8.8.2.1', nodeId(2)));
  let answered = 0;
  for (let i = 0; i < 10; i++) if (list.answer(a.asPeer()) !== undefined) answered++;
  t.is(answered, CANDIDATES_PER_PEER_BURST);
  t.not(list.answer(b.asPeer()), undefined);
  clock.now += 2_000;
  t.not(list.answer(a.asPeer()), undefined);
  t.is(list.answer(a.asPeer()), undefined);
});

test('candidatePollDelayMs: the minimum for the fast rounds, then doubling up to the maximum', (t) => {
  const delays = Array.from({ length: 20 }, (_, i) => candidatePollDelayMs(i));
  t.log(delays.join(' '));
  for (let i = 0; i < CANDIDATE_POLL_FAST_ROUNDS; i++) t.is(delays[i], CANDIDATE_POLL_MIN_MS);
  t.is(delays[CANDIDATE_POLL_FAST_ROUNDS], CANDIDATE_POLL_MIN_MS * 2);
  t.is(delays[CANDIDATE_POLL_FAST_ROUNDS + 1], CANDIDATE_POLL_MIN_MS * 4);
  t.is(delays.at(-1), CANDIDATE_POLL_MAX_MS);
  fc.assert(fc.property(fc.nat(10_000), (round) => {
    const d = candidatePollDelayMs(round);
    return d >= CANDIDATE_POLL_MIN_MS && d <= CANDIDATE_POLL_MAX_MS && candidatePollDelayMs(round + 1) >= d;
  }));
});

test('PunchBackoff: waits PUNCH_BACKOFF_MS after a failure, doubling per failure up to the cap; a success forgets', (t) => {
  const clock = { now: 0 };
  const backoff = new PunchBackoff(() => clock.now);
  const id = nodeIdHex(7);
  t.false(backoff.isWaiting(id));
  backoff.failed(id);
  t.true(backoff.isWaiting(id));
  clock.now += PUNCH_BACKOFF_MS - 1;
  t.true(backoff.isWaiting(id));
  clock.now += 1;
  t.false(backoff.isWaiting(id), 'over after exactly the first delay');
  backoff.failed(id);
  clock.now += 2 * PUNCH_BACKOFF_MS - 1;
  t.true(backoff.isWaiting(id), 'second failure: twice as long');
  clock.now += 1;
  t.false(backoff.isWaiting(id));
  const delays: number[] = [];
  for (let i = 0; i < 10; i++) {
    const from = clock.now;
    backoff.failed(id);
    while (backoff.isWaiting(id)) clock.now += 60_000;
    delays.push(clock.now - from);
  }
  t.log(`delays (min): ${delays.map((d) => d / 60_000).join(' ')}`);
  t.is(delays.at(-1), PUNCH_MAX_BACKOFF_MS, 'capped');
  backoff.succeeded(id);
  backoff.failed(id);
  clock.now += PUNCH_BACKOFF_MS;
  t.false(backoff.isWaiting(id), 'after a success the next failure starts from the first delay again');
});

test(`PunchBackoff holds at most ${MAX_PUNCH_BACKOFFS} targets; the oldest go first`, (t) => {
  const clock = { now: 0 };
  const backoff = new PunchBackoff(() => clock.now);
  for (let i = 0; i < MAX_PUNCH_BACKOFFS + 500; i++) backoff.failed(nodeIdHex(i));
  t.log(`size after ${MAX_PUNCH_BACKOFFS + 500} failures: ${backoff.size}`);
  t.is(backoff.size, MAX_PUNCH_BACKOFFS);
  t.false(backoff.isWaiting(nodeIdHex(0)), 'the oldest was forgotten');
  t.true(backoff.isWaiting(nodeIdHex(MAX_PUNCH_BACKOFFS + 499)));
});
