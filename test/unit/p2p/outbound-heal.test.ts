/**
 * The dialer after a cut link heals (issue #9, test/lab/partition.test.ts's long cut): a session
 * dropped because its link went silent puts no early-close cool-down on the address, and a
 * reached address whose redials failed during the cut is redialled by the next round with slots
 * to spare — not FAILED_DIAL_COOLDOWN_MS after its last failure. Cool-downs keep their other
 * work: a never-reached (NATed) address and one that turned us away early stay alone, and a
 * fresh candidate comes before a cooling one. The dialer runs on a virtual clock.
 */
import test from 'ava';
import {
  DEFAULT_MAX_OUTBOUND_PEERS,
  DIAL_INTERVAL_MS,
  EARLY_CLOSE_COOLDOWN_MS,
  FAILED_DIAL_COOLDOWN_MS,
  OUTBOUND_REFILL_DELAY_MS,
} from '../../../src/p2p/constants.js';
import { DialCooldowns } from '../../../src/p2p/outbound-policy.js';
import type { Peer } from '../../../src/p2p/peer.js';
import type { DisconnectCode } from '../../../src/p2p/resource-codes.js';
import { FakePeer, node, setup, type Setup } from './outbound-helpers.js';

test('a session dropped because its link went silent puts no cool-down on the address; one that never opened counts as a failed dial', (t) => {
  const now = 1_000_000;
  const connectedAtMs = now - 1_000; // well within EARLY_CLOSE_MS: the old rule held all of these for 5 minutes
  const cooldowns = new DialCooldowns(() => now);
  const ended = (key: string, code?: DisconnectCode): void => cooldowns.sessionEnded(key, connectedAtMs, code);
  ended('pinged', 'ping-timeout');
  ended('stalled', 'frame-timeout');
  ended('no-handshake', 'handshake-timeout');
  ended('closed-by-it');
  ended('not-reading', 'send-buffer-full');
  t.false(cooldowns.isCooling('pinged'), 'no pong: the link is down, the node did not turn us away');
  t.false(cooldowns.isCooling('stalled'));
  t.is(cooldowns.kindOf('no-handshake'), 'failed-dial');
  t.is(cooldowns.kindOf('closed-by-it'), 'early-close', 'closed by the far end soon after the connect: evicted or refused as full');
  t.is(cooldowns.kindOf('not-reading'), 'early-close');
  // The longer hold wins, whatever its kind.
  cooldowns.dialFailed('closed-by-it');
  t.is(cooldowns.kindOf('closed-by-it'), 'early-close');
});

/** A link cut at the dialler's only outbound peer, held `cutMs`; returns the setup, the peer node and when the cut began. */
async function cutLink(cutMs: number, code: DisconnectCode | undefined): Promise<Setup & { far: ReturnType<typeof node>; cutAtMs: number; dialsBeforeCut: number }> {
  const s = setup();
  const far = node(1);
  s.source.nodes = [far];
  s.answering.add(far.endpoint.ip);
  s.dialer.start();
  await s.clock.runUntil(1);
  if (s.peers.length !== 1) throw new Error('the first round did not connect');
  // The cut: the far end stops answering; our end drops the session (by `code`) within EARLY_CLOSE_MS of its connect.
  const cutAtMs = 20_000;
  await s.clock.runUntil(cutAtMs);
  s.answering.delete(far.endpoint.ip);
  const dialsBeforeCut = s.dials.length;
  const dropped = s.peers.pop()!;
  dropped.disconnectCode = code;
  s.dialer.sessionClosed(dropped as unknown as Peer);
  await s.clock.runUntil(cutAtMs + cutMs);
  return { ...s, far, cutAtMs, dialsBeforeCut };
}

test('after a long cut the next round redials the lost peer: reconnected within DIAL_INTERVAL_MS of the heal, not FAILED_DIAL_COOLDOWN_MS', async (t) => {
  const cutMs = 5 * 60_000;
  const s = await cutLink(cutMs, 'ping-timeout');
  t.teardown(() => s.dialer.stop());
  const cutDials = s.dials.length - s.dialsBeforeCut;
  // The refill round, then one dial a round while the slot is free: a SYN per 10 s, no more.
  const maxCutDials = 1 + Math.ceil(cutMs / DIAL_INTERVAL_MS);
  t.log(`redials during a ${cutMs / 1000} s cut: ${cutDials} (bound ${maxCutDials})`);
  t.true(cutDials >= 2, 'the refill round redialled it, and the rounds after it');
  t.true(cutDials <= maxCutDials, 'at most one redial a round');
  // Heal just after a failed redial: a plain cool-down waited FAILED_DIAL_COOLDOWN_MS from there.
  let before = s.dials.length;
  while (s.dials.length === before) await s.clock.runUntil(s.clock.elapsedMs + 100);
  const healAtMs = s.clock.elapsedMs;
  s.answering.add(s.far.endpoint.ip);
  before = s.dials.length;
  while (s.peers.length === 0 && s.clock.elapsedMs < healAtMs + 2 * FAILED_DIAL_COOLDOWN_MS) await s.clock.runUntil(s.clock.elapsedMs + 100);
  const reconnectMs = s.clock.elapsedMs - healAtMs;
  t.log(`healed right after a failed redial: reconnected ${reconnectMs} ms later`);
  t.is(s.peers.length, 1, 'reconnected');
  t.true(reconnectMs <= DIAL_INTERVAL_MS, `reconnected ${reconnectMs} ms after the heal, within one round (${DIAL_INTERVAL_MS} ms)`);
  t.is(s.dials.length, before + 1, 'one dial did it');
});

test('a session the far end closed early keeps its address alone for EARLY_CLOSE_COOLDOWN_MS, even with every slot free', async (t) => {
  const s = await cutLink(EARLY_CLOSE_COOLDOWN_MS - 1_000, undefined);
  t.teardown(() => s.dialer.stop());
  s.answering.add(s.far.endpoint.ip); // it would accept: the cool-down alone keeps us away (defect 9)
  t.is(s.dials.length, s.dialsBeforeCut, 'not redialled while it cools down');
  await s.clock.runUntil(s.cutAtMs + EARLY_CLOSE_COOLDOWN_MS + DIAL_INTERVAL_MS);
  t.is(s.peers.length, 1, 'redialled once the cool-down is over');
});

test('a never-reached address whose dial failed keeps its full cool-down (a NATed node, defect 10); a reached one is redialled by the next round', async (t) => {
  const s = setup();
  t.teardown(() => s.dialer.stop());
  const natted = node(1);
  const gone = node(2);
  s.source.nodes = [gone];
  s.answering.add(gone.endpoint.ip);
  s.dialer.start();
  await s.clock.runUntil(1);
  t.is(s.peers.length, 1);
  // `gone` leaves: its session ends by a ping timeout, its redials fail; `natted` appears and never answers.
  s.answering.delete(gone.endpoint.ip);
  const dropped = s.peers.pop()!;
  dropped.disconnectCode = 'ping-timeout';
  s.dialer.sessionClosed(dropped as unknown as Peer);
  s.source.nodes = [natted, gone];
  await s.clock.runUntil(OUTBOUND_REFILL_DELAY_MS + 2);
  const count = (n: ReturnType<typeof node>): number => s.dials.filter((ip) => ip === n.endpoint.ip).length;
  t.is(count(natted), 1, 'the refill round dialled the new node');
  t.is(count(gone), 2, 'and redialled the lost one');
  await s.clock.runUntil(FAILED_DIAL_COOLDOWN_MS - DIAL_INTERVAL_MS);
  t.is(count(natted), 1, 'never reached: not redialled during its cool-down, slots free or not');
  t.is(count(gone), 2 + Math.floor((FAILED_DIAL_COOLDOWN_MS - DIAL_INTERVAL_MS) / DIAL_INTERVAL_MS), 'reached before: redialled every round with slots to spare');
});

test('a fresh candidate takes the last free slot before a cooling reached address', async (t) => {
  const s = setup();
  t.teardown(() => s.dialer.stop());
  const lost = node(1);
  s.source.nodes = [lost];
  s.answering.add(lost.endpoint.ip);
  s.dialer.start();
  await s.clock.runUntil(1);
  s.answering.delete(lost.endpoint.ip);
  const dropped = s.peers.pop()!;
  dropped.disconnectCode = 'ping-timeout';
  s.dialer.sessionClosed(dropped as unknown as Peer);
  await s.clock.runUntil(OUTBOUND_REFILL_DELAY_MS + 2); // the refill round's redial fails: `lost` cools down
  // All slots but one taken; `lost` comes first in the source's order, a fresh node after it.
  for (let i = 0; i < DEFAULT_MAX_OUTBOUND_PEERS - 1; i++) s.peers.push(new FakePeer(node(10 + i).endpoint.ip, 9000, node(10 + i).nodeId, s.clock.nowMs()));
  const fresh = node(3);
  s.answering.add(fresh.endpoint.ip);
  s.answering.add(lost.endpoint.ip);
  s.source.nodes = [lost, fresh];
  const before = s.dials.length;
  await s.clock.runUntil(DIAL_INTERVAL_MS);
  t.deepEqual(s.dials.slice(before), [fresh.endpoint.ip], 'the cool-down still orders: the fresh node got the slot');
});
