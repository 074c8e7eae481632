/**
 * The relay forwards punch messages only between two ready peers whose ids their acks proved,
 * rewriting the message so the receiver learns the sender's proven id and socket address —
 * never what the sender put there — within a per-sender rate and a total shared fairly by the
 * senders' netgroups.
 */
import test from 'ava';
import {
  PUNCH_RELAY_PER_NETGROUP_BURST,
  PUNCH_RELAY_PER_PEER_BURST,
  PUNCH_RELAY_TOTAL_PER_SEC,
  RATE_LIMIT_KEYS,
} from '../../../src/p2p/traversal/constants.js';
import { FairShare } from '../../../src/p2p/traversal/fair-share.js';
import { NO_IP, PunchRelay } from '../../../src/p2p/traversal/punch-relay.js';
import type { PunchMessage } from '../../../src/p2p/wire/index.js';
import { silentLogger } from '../../../src/util/logger.js';
import { FakePeer, FakePeers, nodeId, nodeIdHex } from './fakes.js';

function setup() {
  const clock = { now: 5_000_000 };
  const peers = new FakePeers();
  const relay = new PunchRelay({ peers, logger: silentLogger(), now: () => clock.now });
  const a = peers.add(new FakePeer('7.7.7.1', nodeId(1)));
  const b = peers.add(new FakePeer('8.8.8.2', nodeId(2)));
  return { clock, peers, relay, a, b };
}

const punch = (to: number, over: Partial<PunchMessage> = {}): PunchMessage => ({
  kind: 'punch', hop: 'to-relay', phase: 'connect', reason: 'none', attemptId: 77n, nodeId: nodeId(to), ip: NO_IP, port: 40_001, ...over,
});

test('forwards to the named peer with the sender\'s proven id and socket IP, whatever the sender wrote there', (t) => {
  const { relay, a, b } = setup();
  relay.forward(a.asPeer(), punch(2, { ip: '1.2.3.4' }));
  t.deepEqual(b.punches(), [{ kind: 'punch', hop: 'from-relay', phase: 'connect', reason: 'none', attemptId: 77n, nodeId: nodeId(1), ip: '7.7.7.1', port: 40_001 }]);
  t.deepEqual(a.sent, [], 'nothing back to the sender');
  relay.forward(b.asPeer(), punch(1, { phase: 'accept', ip: '9.9.9.9', port: 40_002 }));
  t.deepEqual(a.punches().map((m) => [m.phase, m.nodeId.toString('hex'), m.ip, m.port]), [['accept', nodeIdHex(2), '8.8.8.2', 40_002]]);
  t.deepEqual(relay.stats(), { forwarded: 2, refused: 0 });
});

test('an unknown, not-ready, banned, self or own-id target → target-not-connected to the sender, nothing forwarded', (t) => {
  const { peers, relay, a, b } = setup();
  const notReady = peers.add(new FakePeer('8.8.8.3', nodeId(3)));
  notReady.ready = false;
  const bannedById = peers.add(new FakePeer('8.8.8.4', nodeId(4)));
  peers.banned.add(nodeIdHex(4));
  const bannedByIp = peers.add(new FakePeer('8.8.8.5', nodeId(5)));
  peers.banned.add('8.8.8.5');
  const targets = [99, 3, 4, 5, 1];
  for (const n of targets) relay.forward(a.asPeer(), punch(n, { attemptId: BigInt(n) }));
  const refusals = a.punches();
  t.deepEqual(refusals.map((m) => [m.hop, m.phase, m.reason, m.attemptId, m.nodeId.toString('hex')]), targets.map((n) => ['from-relay', 'refuse', 'target-not-connected', BigInt(n), nodeIdHex(n)]));
  t.true(refusals.every((m) => m.ip === NO_IP && m.port === 0));
  for (const p of [b, notReady, bannedById, bannedByIp]) t.deepEqual(p.sent, []);
  t.deepEqual(relay.stats(), { forwarded: 0, refused: targets.length });
});

test('a banned sender, or one without a proven id, gets nothing forwarded', (t) => {
  const { peers, relay, a, b } = setup();
  peers.banned.add(nodeIdHex(1));
  relay.forward(a.asPeer(), punch(2));
  t.deepEqual(b.sent, []);
  t.is(a.punches()[0]?.reason, 'target-not-connected');
  const anon = new FakePeer('6.6.6.6', undefined);
  relay.forward(anon.asPeer(), punch(2));
  t.deepEqual(b.sent, []);
  t.deepEqual(anon.sent, [], 'an unproven sender is not even answered');
});

test(`per sender: a burst of ${PUNCH_RELAY_PER_PEER_BURST}, then rate-limited; other senders unaffected`, (t) => {
  const { peers, relay, a, b, clock } = setup();
  const c = peers.add(new FakePeer('8.8.8.3', nodeId(3)));
  for (let i = 0; i < PUNCH_RELAY_PER_PEER_BURST + 4; i++) relay.forward(a.asPeer(), punch(2, { attemptId: BigInt(i) }));
  t.is(b.punches().length, PUNCH_RELAY_PER_PEER_BURST);
  t.deepEqual(a.punches().map((m) => m.reason), Array(4).fill('rate-limited'));
  relay.forward(c.asPeer(), punch(2));
  t.is(b.punches().length, PUNCH_RELAY_PER_PEER_BURST + 1, 'another sender has its own allowance');
  clock.now += 1_000;
  relay.forward(a.asPeer(), punch(2));
  t.is(b.punches().length, PUNCH_RELAY_PER_PEER_BURST + 2, 'one more after a second');
});

test('in total: sybils in many networks hammering for 10 s get the total rate plus one burst per netgroup, in equal shares', (t) => {
  const { peers, relay, b, clock } = setup();
  const senders = Array.from({ length: 30 }, (_, i) => peers.add(new FakePeer(`9.${i}.0.1`, nodeId(100 + i))));
  const groups = 30 + 2; // the senders' netgroups, a's and b's
  const seconds = 10;
  for (let tick = 0; tick < seconds * 10; tick++) {
    for (const s of senders) relay.forward(s.asPeer(), punch(2));
    clock.now += 100;
  }
  const forwarded = b.punches().length;
  const bound = PUNCH_RELAY_TOTAL_PER_SEC * seconds + senders.length * PUNCH_RELAY_PER_NETGROUP_BURST;
  const each = senders.map((s) => seconds * 10 - s.punches().length);
  t.log(`forwarded ${forwarded} of ${senders.length * seconds * 10} in ${seconds} s (bound ${bound}); per sender ${Math.min(...each)}–${Math.max(...each)}`);
  t.true(forwarded <= bound);
  t.true(forwarded >= (PUNCH_RELAY_TOTAL_PER_SEC * seconds * senders.length) / groups, 'the senders\' shares are used');
  t.true(Math.max(...each) - Math.min(...each) <= 1, 'equal shares');
});

test('sybils in 20 networks using up the relay cannot refuse an honest punch: each network has its own share', (t) => {
  const { peers, relay, a, b, clock } = setup();
  const sybils = Array.from({ length: 20 }, (_, i) => peers.add(new FakePeer(`9.${i}.0.1`, nodeId(100 + i))));
  const honest: boolean[] = [];
  for (let tick = 0; tick < 100; tick++) {
    // Each sybil sends at its whole per-peer rate (1/s, after its first burst): 20/s, the old first-come total.
    if (tick % 10 === 0) for (const s of sybils) for (let i = 0; i < (tick === 0 ? PUNCH_RELAY_PER_PEER_BURST : 1); i++) relay.forward(s.asPeer(), punch(2));
    if (tick === 50 || tick === 51 || tick === 52) {
      const before = b.punches().length;
      relay.forward(a.asPeer(), punch(2, { attemptId: BigInt(tick) }));
      honest.push(b.punches().length === before + 1);
    }
    clock.now += 100;
  }
  t.log(`honest messages forwarded: ${honest.filter(Boolean).length}/3; sybil refusals: ${sybils.reduce((n, s) => n + s.punches().length, 0)}`);
  t.deepEqual(honest, [true, true, true], 'a whole punch try (connect, sync, retry) goes through');
  t.deepEqual(a.punches(), [], 'no rate-limited refusal to the honest sender');
});

test('sybils sharing one netgroup share one share', (t) => {
  const { peers, relay, b } = setup();
  const sybils = Array.from({ length: 8 }, (_, i) => peers.add(new FakePeer(`9.9.0.${i + 1}`, nodeId(100 + i))));
  for (const s of sybils) for (let i = 0; i < PUNCH_RELAY_PER_PEER_BURST; i++) relay.forward(s.asPeer(), punch(2));
  t.is(b.punches().length, PUNCH_RELAY_PER_NETGROUP_BURST, 'eight sessions in 9.9/16 forward one netgroup burst, not eight');
});

test('the fair share remembers at most its key bound (the least recently used go first)', (t) => {
  const share = new FairShare({ totalPerSec: 20, burst: 2, maxKeys: RATE_LIMIT_KEYS, now: () => 0 });
  for (let i = 0; i < RATE_LIMIT_KEYS + 100; i++) share.take(`g${i}`, 10);
  t.is(share.size, RATE_LIMIT_KEYS);
  t.true(share.take('g0', 10), 'a forgotten group starts again with a full burst');
  t.true(share.take(`g${RATE_LIMIT_KEYS + 99}`, 10));
  t.false(share.take(`g${RATE_LIMIT_KEYS + 99}`, 10), 'a remembered one does not: its burst of 2 is used');
});

test('a refuse that cannot be forwarded is dropped, not bounced back (no ping-pong of refusals)', (t) => {
  const { relay, a } = setup();
  relay.forward(a.asPeer(), punch(99, { phase: 'refuse', reason: 'busy' }));
  t.deepEqual(a.sent, [], 'unknown target');
  for (let i = 0; i < PUNCH_RELAY_PER_PEER_BURST; i++) relay.forward(a.asPeer(), punch(2));
  a.sent.length = 0;
  relay.forward(a.asPeer(), punch(2, { phase: 'refuse', reason: 'busy' }));
  t.deepEqual(a.sent, [], 'rate-limited');
  t.is(relay.stats().refused, 3, 'counted: the unknown target, the 7th message of the burst, the refuse');
});

test('the fair share keeps refilling after the clock steps back (not frozen for the length of the step)', (t) => {
  let nowMs = 1_000_000;
  const share = new FairShare({ totalPerSec: 10, burst: 1, maxKeys: RATE_LIMIT_KEYS, now: () => nowMs });
  t.true(share.take('g', 1));
  nowMs -= 3_600_000; // an NTP step back of an hour
  t.false(share.take('g', 1), 'the step adds nothing');
  nowMs += 100;
  t.true(share.take('g', 1), 'one token 100 ms later at 10/s');
});
