/**
 * The automatic dialer's policy (docs/scale.md defects 9–11): cool-downs for addresses that
 * failed or closed our session early, nodes that only contacted us dialled after the others,
 * bootstrap nodes last and released once we have enough other outbound peers, and a prompt
 * refill round after a session ends. The dialer runs on a virtual clock over a fake transport.
 */
import test from 'ava';
import {
  BOOTSTRAP_DIAL_GRACE_MS,
  BOOTSTRAP_GRACE_DIAL_BELOW_OUTBOUND,
  CONNECT_TIMEOUT_MS,
  FIRST_CONNECT_TIMEOUT_MS,
  MAX_REACHED_ADDRESSES,
  BOOTSTRAP_RELEASE_OUTBOUND,
  DIAL_INTERVAL_MS,
  EARLY_CLOSE_COOLDOWN_MS,
  EARLY_CLOSE_MS,
  FAILED_DIAL_COOLDOWN_MS,
  MAX_BOOTSTRAP_GRACE_NODES,
  MAX_DIAL_COOLDOWN_ENTRIES,
  OUTBOUND_REFILL_DELAY_MS,
} from '../../../src/p2p/constants.js';
import { resolveP2PConfig } from '../../../src/p2p/config.js';
import { DialCooldowns, ReachedAddresses, bootstrapWanted, inDialOrder } from '../../../src/p2p/outbound-policy.js';
import type { Peer } from '../../../src/p2p/peer.js';
import type { DiscoveredNode } from '../../../src/p2p/types.js';
import { toDiscovered } from '../../../src/p2p/discovery/maintenance.js';
import { FakePeer, label, node, setup } from './outbound-helpers.js';

test('cool-downs: a failed dial for FAILED_DIAL_COOLDOWN_MS, an early-closed session for EARLY_CLOSE_COOLDOWN_MS, a long one not at all', (t) => {
  let now = 1_000_000;
  const cooldowns = new DialCooldowns(() => now);
  cooldowns.dialFailed('a');
  cooldowns.sessionEnded('b', now - EARLY_CLOSE_MS + 1);
  cooldowns.sessionEnded('c', now - EARLY_CLOSE_MS);
  t.true(cooldowns.isCooling('a'));
  t.true(cooldowns.isCooling('b'), 'closed within EARLY_CLOSE_MS of its connect: evicted or refused as full');
  t.false(cooldowns.isCooling('c'), 'a session that lasted is no reason to wait');
  // A failed redial of the address that evicted us does not shorten its hold.
  cooldowns.dialFailed('b');
  now += FAILED_DIAL_COOLDOWN_MS;
  t.false(cooldowns.isCooling('a'));
  t.true(cooldowns.isCooling('b'));
  now += EARLY_CLOSE_COOLDOWN_MS - FAILED_DIAL_COOLDOWN_MS;
  t.false(cooldowns.isCooling('b'));
});

test(`cool-downs are bounded: at most MAX_DIAL_COOLDOWN_ENTRIES (${MAX_DIAL_COOLDOWN_ENTRIES}), the oldest forgotten first`, (t) => {
  const now = 1_000_000;
  const cooldowns = new DialCooldowns(() => now);
  const flood = MAX_DIAL_COOLDOWN_ENTRIES + 500;
  for (let i = 0; i < flood; i++) cooldowns.dialFailed(`10.0.${i >> 8}.${i & 255}:9000`);
  t.log(`${flood} failed addresses → ${cooldowns.size} remembered`);
  t.is(cooldowns.size, MAX_DIAL_COOLDOWN_ENTRIES);
  t.false(cooldowns.isCooling('10.0.0.0:9000'), 'the oldest went first');
  t.true(cooldowns.isCooling(`10.0.${(flood - 1) >> 8}.${(flood - 1) & 255}:9000`));
});

test('dial order: nodes someone reached, then nodes that only contacted us, then bootstrap nodes; stable within each', (t) => {
  const a = node(1);
  const b = node(2, { unsolicited: true });
  const boot = node(3);
  const c = node(4);
  const d = node(5, { unsolicited: true });
  const ordered = inDialOrder([boot, b, a, d, c], (n) => n === boot);
  t.deepEqual(ordered.map(label), [a, c, b, d, boot].map(label));
  t.true(bootstrapWanted(BOOTSTRAP_RELEASE_OUTBOUND - 1));
  t.false(bootstrapWanted(BOOTSTRAP_RELEASE_OUTBOUND));
});

test('a verified node is dialled at once, one that only contacted us is not (it waits for a round)', async (t) => {
  const { clock, source, dialer, dials } = setup();
  dialer.start();
  const found = node(1);
  const unsolicited = node(2, { unsolicited: true });
  source.nodes = [unsolicited, found];
  source.emit('node:verified', unsolicited);
  source.emit('node:verified', found);
  await clock.runUntil(1);
  t.deepEqual(dials, [found.endpoint.ip]);
  await clock.runUntil(DIAL_INTERVAL_MS);
  t.deepEqual(dials, [found.endpoint.ip, unsolicited.endpoint.ip], 'the round dials it, after the others (the found one is cooling down)');
  dialer.stop();
});

test('a failed address is not redialled by the next rounds until its cool-down is over', async (t) => {
  const { clock, source, dialer, dials } = setup();
  const dead = node(1);
  source.nodes = [dead];
  dialer.start(); // round 1 at once
  await clock.runUntil(1);
  for (let round = 1; round * DIAL_INTERVAL_MS < FAILED_DIAL_COOLDOWN_MS; round++) await clock.runUntil(round * DIAL_INTERVAL_MS);
  t.log(`dials in the first ${FAILED_DIAL_COOLDOWN_MS / DIAL_INTERVAL_MS} rounds: ${dials.length}`);
  t.is(dials.length, 1, 'without the cool-down every round redialled it');
  await clock.runUntil(FAILED_DIAL_COOLDOWN_MS + DIAL_INTERVAL_MS);
  t.is(dials.length, 2);
  dialer.stop();
});

test('a bootstrap node is dialled after the grace only when nothing else was; the rounds keep it last', async (t) => {
  const { clock, source, dialer, dials, answering } = setup();
  const boot = node(9);
  source.bootstraps.add(boot.nodeId.toString('hex'));
  dialer.start();
  source.nodes = [boot];
  source.emit('node:verified', boot);
  await clock.runUntil(BOOTSTRAP_DIAL_GRACE_MS - 1);
  t.deepEqual(dials, [], 'not at once');
  await clock.runUntil(BOOTSTRAP_DIAL_GRACE_MS);
  t.deepEqual(dials, [boot.endpoint.ip], 'nothing else came: a joining node still gets its first peer');

  answering.clear();
  dialer.stop();

  // Other joiners: the bootstrap is dialled at the grace only while fewer than
  // BOOTSTRAP_GRACE_DIAL_BELOW_OUTBOUND (2) other sessions came up — a node behind NAT needs two peers
  // in distinct networks for its reachability verdict (in a small network the bootstraps are those),
  // and a dial still under way (to a NATed node, say) is no peer yet.
  const [other, another] = [node(1), node(2)];
  t.is(BOOTSTRAP_GRACE_DIAL_BELOW_OUTBOUND, 2);
  t.deepEqual(await joinerDials(t, boot, [other, another], []), [other.endpoint.ip, another.endpoint.ip], 'two others: not dialled');
  t.deepEqual(await joinerDials(t, boot, [other], []), [other.endpoint.ip, boot.endpoint.ip], 'one other: dialled too');
  t.deepEqual(await joinerDials(t, boot, [], [other]), [other.endpoint.ip, boot.endpoint.ip], 'a dial under way: dialled too');
});

test(`bootstrap nodes verified during one grace are bounded: the first MAX_BOOTSTRAP_GRACE_NODES (${MAX_BOOTSTRAP_GRACE_NODES}) are its candidates`, async (t) => {
  const { clock, source, dialer, dials } = setup();
  t.teardown(() => dialer.stop());
  // The first MAX_BOOTSTRAP_GRACE_NODES advertise no TCP port (never dialled); the ones after them would be.
  const boots = Array.from({ length: MAX_BOOTSTRAP_GRACE_NODES + 4 }, (_, i) => (i < MAX_BOOTSTRAP_GRACE_NODES ? node(i + 1, { endpoint: { ip: `${21 + i}.${i + 1}.0.1`, udpPort: 9000, tcpPort: 0 } }) : node(i + 1)));
  for (const b of boots) source.bootstraps.add(b.nodeId.toString('hex'));
  dialer.start();
  for (const b of boots) source.emit('node:verified', b);
  await clock.runUntil(BOOTSTRAP_DIAL_GRACE_MS + 1);
  t.deepEqual(dials, [], 'the ones past the bound were not kept, so none was dialled');
});

/** A joiner whose discovery verifies `boot` and then the other nodes at once: its dials once the grace is over. */
async function joinerDials(t: { teardown(fn: () => void): void }, boot: DiscoveredNode, answering: DiscoveredNode[], hanging: DiscoveredNode[]): Promise<string[]> {
  const joiner = setup();
  t.teardown(() => joiner.dialer.stop());
  joiner.source.bootstraps.add(boot.nodeId.toString('hex'));
  for (const n of answering) joiner.answering.add(n.endpoint.ip);
  for (const n of hanging) joiner.hanging.add(n.endpoint.ip);
  joiner.dialer.start();
  joiner.source.nodes = [boot, ...answering, ...hanging];
  for (const n of joiner.source.nodes) joiner.source.emit('node:verified', n);
  await joiner.clock.runUntil(BOOTSTRAP_DIAL_GRACE_MS + 1);
  return joiner.dials;
}

test(`a bootstrap session is released once ${BOOTSTRAP_RELEASE_OUTBOUND} other outbound peers are ready, and kept before`, async (t) => {
  const { clock, source, dialer, peers } = setup();
  const boot = node(9);
  source.bootstraps.add(boot.nodeId.toString('hex'));
  source.nodes = [boot];
  const bootPeer = new FakePeer(boot.endpoint.ip, 9000, boot.nodeId, clock.nowMs());
  peers.push(bootPeer);
  for (let i = 1; i < BOOTSTRAP_RELEASE_OUTBOUND; i++) peers.push(new FakePeer(node(i).endpoint.ip, 9000, node(i).nodeId, clock.nowMs()));
  dialer.start();
  await clock.runUntil(DIAL_INTERVAL_MS);
  t.is(bootPeer.closedWith, undefined, `${BOOTSTRAP_RELEASE_OUTBOUND - 1} others: a small network keeps its bootstrap node`);
  const last = node(BOOTSTRAP_RELEASE_OUTBOUND);
  peers.push(new FakePeer(last.endpoint.ip, 9000, last.nodeId, clock.nowMs()));
  await clock.runUntil(2 * DIAL_INTERVAL_MS);
  t.log(bootPeer.closedWith);
  t.regex(bootPeer.closedWith ?? '', /^released/);
  t.true(peers.slice(1).every((p) => p.closedWith === undefined));
  dialer.stop();
});

test('a session that ends is refilled by a round OUTBOUND_REFILL_DELAY_MS later, one round for a burst of closes', async (t) => {
  const { clock, source, dialer, peers, dials, answering } = setup();
  dialer.start();
  await clock.runUntil(1);
  const roundsBefore = source.rounds;
  const gone = [node(1), node(2), node(3)].map((n) => new FakePeer(n.endpoint.ip, 9000, n.nodeId, clock.nowMs() - EARLY_CLOSE_MS));
  const fresh = node(4);
  answering.add(fresh.endpoint.ip);
  source.nodes = [fresh];
  for (const p of gone) dialer.sessionClosed(p as unknown as Peer);
  await clock.runUntil(OUTBOUND_REFILL_DELAY_MS);
  t.is(source.rounds, roundsBefore, 'not before the delay');
  await clock.runUntil(OUTBOUND_REFILL_DELAY_MS + 1);
  t.is(source.rounds, roundsBefore + 1, 'three closes, one round');
  t.deepEqual(dials, [fresh.endpoint.ip], `refilled ${OUTBOUND_REFILL_DELAY_MS} ms after the close, not at the next ${DIAL_INTERVAL_MS} ms round`);
  t.is(peers.length, 1);
  t.is(dialer.cooldowns.size, 0, 'sessions that lasted put no address on cool-down');
  dialer.stop();
});

test('a first dial of an address gets the short connect timeout; one that connected before the full one', async (t) => {
  const { clock, source, dialer, timeouts, answering, peers } = setup();
  const live = node(1);
  answering.add(live.endpoint.ip);
  source.nodes = [live];
  dialer.start();
  await clock.runUntil(1);
  t.deepEqual(timeouts, [FIRST_CONNECT_TIMEOUT_MS], 'never reached: a NATed address costs the slot 2 s, not 5');
  peers.length = 0; // the session ended after a while
  await clock.runUntil(DIAL_INTERVAL_MS);
  t.deepEqual(timeouts, [FIRST_CONNECT_TIMEOUT_MS, CONNECT_TIMEOUT_MS]);
  dialer.stop();
});

test(`reached addresses are bounded: at most MAX_REACHED_ADDRESSES (${MAX_REACHED_ADDRESSES}), the oldest forgotten first`, (t) => {
  const reached = new ReachedAddresses();
  for (let i = 0; i < MAX_REACHED_ADDRESSES + 100; i++) reached.connected(`10.1.${i >> 8}.${i & 255}:9000`);
  t.is(reached.size, MAX_REACHED_ADDRESSES);
  t.is(reached.connectTimeoutMs('10.1.0.0:9000'), FIRST_CONNECT_TIMEOUT_MS, 'the oldest went first');
  t.is(reached.connectTimeoutMs(`10.1.${(MAX_REACHED_ADDRESSES + 99) >> 8}.${(MAX_REACHED_ADDRESSES + 99) & 255}:9000`), CONNECT_TIMEOUT_MS);
});

test('discovery marks an entry that contacted us first as unsolicited, and only that one', (t) => {
  const base = { id: Buffer.alloc(32, 1), nodeId: Buffer.alloc(32, 1), publicKey: Buffer.alloc(33, 2), endpoint: { ip: '21.1.0.1', udpPort: 9000, tcpPort: 9000 }, lastSeenMs: 0, failures: 0 };
  t.true(toDiscovered({ ...base, origin: 'inbound' }).unsolicited);
  t.is(toDiscovered({ ...base, origin: 'found' }).unsolicited, undefined);
  t.is(toDiscovered({ id: base.id, publicKey: base.publicKey, endpoint: base.endpoint }).unsolicited, undefined, 'a lookup candidate');
});

test('a dial round with every outbound slot taken asks the peer source for nothing; a freed slot is refilled', async (t) => {
  const s = setup();
  const max = resolveP2PConfig({}).maxOutbound;
  s.source.nodes = Array.from({ length: max + 4 }, (_, i) => node(i + 1));
  for (const n of s.source.nodes) s.answering.add(n.endpoint.ip);
  s.dialer.start();
  await s.clock.runUntil(1);
  t.is(s.peers.length, max, 'the first round fills the slots');
  const roundsWhenFull = s.source.rounds;
  await s.clock.runUntil(10 * DIAL_INTERVAL_MS);
  t.is(s.source.rounds, roundsWhenFull, 'ten rounds with no free slot built no candidate list');
  t.is(s.dials.length, max);
  s.dialer.sessionClosed(s.peers.pop()! as unknown as Peer);
  await s.clock.runUntil(10 * DIAL_INTERVAL_MS + OUTBOUND_REFILL_DELAY_MS + 1);
  t.is(s.source.rounds, roundsWhenFull + 1, 'the refill round asked for candidates');
  t.is(s.peers.length, max, 'and filled the freed slot');
});
