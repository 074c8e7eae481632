/**
 * The session heartbeat (docs/protocol.md "Heartbeat"): a ping only when the peer has gone quiet
 * (the dialling end after pingIntervalMs, the accepting end after twice that), a busy session
 * still pinged every PING_REFRESH_FACTOR intervals, a silent peer dropped by its pong timeout,
 * and a pong that shows more work still starting a sync. SessionTimers run on the simulator's
 * virtual clock, so the times below are exact and the machine's load does not matter.
 */
import test from 'ava';
import type { PeerDirection } from '../../../src/p2p/peer-options.js';
import { INBOUND_IDLE_PING_FACTOR, PING_REFRESH_FACTOR } from '../../../src/p2p/constants.js';
import { SessionTimers } from '../../../src/p2p/session-timers.js';
import { VirtualClock } from '../../../src/sim/virtual-clock.js';
import type { Clock } from '../../../src/util/clock.js';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { startNode } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

const INTERVAL_MS = 30_000;
const TIMEOUT_MS = 20_000;

interface End {
  readonly timers: SessionTimers;
  /** Elapsed virtual ms of each ping sent. */
  readonly pings: number[];
  readonly nonces: bigint[];
  readonly expired: string[];
}

function end(clock: VirtualClock, direction: PeerDirection, sendPing?: (nonce: bigint) => void, timersClock: Clock = clock): End {
  const pings: number[] = [];
  const nonces: bigint[] = [];
  const expired: string[] = [];
  const timers = new SessionTimers({
    handshakeTimeoutMs: 5_000,
    frameTimeoutMs: 30_000,
    pingIntervalMs: INTERVAL_MS,
    peerTimeoutMs: TIMEOUT_MS,
    direction,
    decoder: { hasPartialFrame: false, bufferedBytes: 0 },
    sendPing: (nonce) => {
      pings.push(clock.elapsedMs);
      nonces.push(nonce);
      sendPing?.(nonce);
    },
    expired: (code) => expired.push(code),
    clock: timersClock,
  });
  return { timers, pings, nonces, expired };
}

/** Opens the session at t = 0 and answers its first ping (sent on ready) at once. */
function open(e: End): void {
  e.timers.handshakeDone();
  e.timers.ping();
  e.timers.received();
  e.timers.pong(e.nonces[0]!);
}

test('a quiet session: the dialling end pings pingIntervalMs after the last message, the accepting end after twice that', async (t) => {
  for (const direction of ['outbound', 'inbound'] as const) {
    const clock = new VirtualClock();
    const e = end(clock, direction);
    open(e);
    await clock.runUntil(5_000);
    e.timers.received(); // a message at 5 s: the quiet starts over
    const idleMs = direction === 'inbound' ? INBOUND_IDLE_PING_FACTOR * INTERVAL_MS : INTERVAL_MS;
    await clock.runUntil(5_000 + idleMs - 1);
    t.is(e.pings.length, 1, `${direction}: no ping before ${idleMs} ms of quiet`);
    await clock.runUntil(5_000 + idleMs);
    t.deepEqual(e.pings, [0, 5_000 + idleMs], direction);
    t.log(`${direction}: pinged after ${idleMs / 1000} s of quiet`);
    e.timers.stop();
  }
});

test('a wall-clock step back does not postpone the next ping: a silent peer is still dropped on time', async (t) => {
  const clock = new VirtualClock();
  let stepBackMs = 0;
  // Timers on the monotonic (virtual) clock, readings on a wall clock that can step, as SYSTEM_CLOCK.
  const wall: Clock = {
    nowMs: () => clock.nowMs() - stepBackMs,
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    setInterval: (fn, ms) => clock.setInterval(fn, ms),
    clear: (handle) => clock.clear(handle),
    afterPendingIo: (fn) => clock.afterPendingIo(fn),
  };
  const e = end(clock, 'outbound', undefined, wall);
  open(e);
  await clock.runUntil(10_000);
  e.timers.received(); // the peer's last message; then it goes silent
  stepBackMs = 3_600_000; // and the wall clock steps back an hour (an NTP correction)
  await clock.runUntil(10_000 + 2 * INTERVAL_MS);
  t.is(e.pings.length, 2, 'pinged within two intervals of its last message, not an hour later');
  await clock.runUntil(10_000 + 2 * INTERVAL_MS + TIMEOUT_MS);
  t.deepEqual(e.expired, ['ping-timeout']);
  e.timers.stop();
});

test('a busy session is pinged only every PING_REFRESH_FACTOR intervals, at one timer per interval rather than one per message', async (t) => {
  const clock = new VirtualClock();
  const e = end(clock, 'outbound');
  let messages = 0;
  // The peer sends something every second; our pings are answered 100 ms later.
  const traffic = clock.setInterval(() => {
    messages++;
    e.timers.received();
  }, 1_000);
  const answer = (): void => {
    const nonce = e.nonces[e.nonces.length - 1]!;
    clock.setTimeout(() => {
      e.timers.received();
      e.timers.pong(nonce);
    }, 100);
  };
  open(e);
  const runMs = 10 * INTERVAL_MS;
  let answered = 1;
  for (let at = 1_000; at <= runMs; at += 1_000) {
    await clock.runUntil(at);
    if (e.pings.length > answered) {
      answered = e.pings.length;
      answer();
    }
  }
  const refreshMs = PING_REFRESH_FACTOR * INTERVAL_MS;
  t.log(`${messages} messages over ${runMs / 1000} s: pings at ${e.pings.map((ms) => `${ms / 1000} s`).join(', ')}; ${clock.eventsRun} events in all`);
  t.deepEqual(e.pings, [0, refreshMs, 2 * refreshMs], 'the refresh pings only');
  t.deepEqual(e.expired, []);
  // Events: the traffic interval and the answers, plus the heartbeat's own timers. One per message would be ≥ 2 × 300.
  const heartbeatEvents = clock.eventsRun - messages - (e.pings.length - 1);
  t.true(heartbeatEvents <= runMs / INTERVAL_MS + 2 * e.pings.length, `${heartbeatEvents} heartbeat timer events`);
  clock.clear(traffic);
  e.timers.stop();
});

test('a peer that goes silent is dropped pingIntervalMs + peerTimeoutMs after its last message; messages do not stand in for the pong', async (t) => {
  const clock = new VirtualClock();
  const e = end(clock, 'outbound');
  open(e);
  await clock.runUntil(10_000);
  e.timers.received(); // its last message
  await clock.runUntil(10_000 + INTERVAL_MS);
  t.deepEqual(e.pings, [0, 10_000 + INTERVAL_MS]);
  // It now sends other messages but never the pong: still dropped at the pong timeout.
  for (let at = 10_000 + INTERVAL_MS + 1_000; at < 10_000 + INTERVAL_MS + TIMEOUT_MS; at += 1_000) {
    await clock.runUntil(at);
    e.timers.received();
  }
  await clock.runUntil(10_000 + INTERVAL_MS + TIMEOUT_MS - 1);
  t.deepEqual(e.expired, []);
  await clock.runUntil(10_000 + INTERVAL_MS + TIMEOUT_MS);
  t.deepEqual(e.expired, ['ping-timeout']);
  t.log(`dropped at ${clock.elapsedMs / 1000} s, ${(clock.elapsedMs - 10_000) / 1000} s after its last message before our ping`);
  e.timers.stop();
});

test('two ends of a quiet session: only the dialler pings, and the accepting end still notices a dead dialler', async (t) => {
  const clock = new VirtualClock();
  const oneWayMs = 80;
  let alive = true;
  // Each ping crosses the link, counts as a message at the far end, and its pong comes back.
  const link = (from: () => End, to: () => End) => (nonce: bigint): void => {
    clock.setTimeout(() => {
      if (!alive) return;
      to().timers.received();
      clock.setTimeout(() => {
        from().timers.received();
        from().timers.pong(nonce);
      }, oneWayMs);
    }, oneWayMs);
  };
  const dialler: End = end(clock, 'outbound', link(() => dialler, () => acceptor));
  const acceptor: End = end(clock, 'inbound', link(() => acceptor, () => dialler));
  for (const e of [dialler, acceptor]) {
    e.timers.handshakeDone();
    e.timers.ping();
  }
  const runMs = 3 * PING_REFRESH_FACTOR * INTERVAL_MS; // 6 minutes
  await clock.runUntil(runMs);
  t.log(`over ${runMs / 60_000} min: the dialler pinged ${dialler.pings.length} times, the acceptor ${acceptor.pings.length} (${acceptor.pings.map((ms) => `${ms / 1000} s`).join(', ')})`);
  t.deepEqual([dialler.expired, acceptor.expired], [[], []]);
  // The acceptor pings on the session's first ping and its refreshes only (each of which spares
  // the dialler one), so the session carries about one ping per interval, not one from each end.
  t.deepEqual(acceptor.pings, [0, 1, 2, 3].map((i) => i * PING_REFRESH_FACTOR * INTERVAL_MS));
  const total = dialler.pings.length + acceptor.pings.length;
  t.true(total >= runMs / (INTERVAL_MS + 2 * oneWayMs) && total <= runMs / INTERVAL_MS + 2, `${total} pings`);
  // The dialler vanishes (power cut, no FIN): the acceptor drops it within 2 × interval + timeout.
  alive = false;
  dialler.timers.stop();
  await clock.runUntil(runMs + INBOUND_IDLE_PING_FACTOR * INTERVAL_MS + TIMEOUT_MS);
  t.deepEqual(acceptor.expired, ['ping-timeout']);
  acceptor.timers.stop();
});

test('a pong that shows more work than ours still starts a sync, after the idle ping', async (t) => {
  const genesis = buildBlock({ miner: makeKey() });
  const pingIntervalMs = 300;
  const node = await startNode(t, { genesis, config: { pingIntervalMs, peerTimeoutMs: 5_000 } });
  const raw = await RawPeer.connect(node.net.tcpPort);
  t.teardown(() => raw.destroy());
  raw.sendHandshake({ genesisHash: genesis.hash, bestHeight: 0, chainWork: 0n });
  await raw.waitFor('ping'); // the ping on ready, answered with no more work than ours
  const readyPings = raw.received.filter((m) => m.kind === 'ping').length;
  // It mines elsewhere and we miss the announcement: only the next pong can tell us.
  raw.pongBestHeight = 5;
  raw.pongChainWork = 1n << 80n;
  const since = Date.now();
  await raw.waitFor('get-blocks', 10_000);
  const pings = raw.received.filter((m) => m.kind === 'ping').length - readyPings;
  t.log(`get-blocks ${Date.now() - since} ms after the peer got ahead, after ${pings} idle ping(s) (the peer dialled us: quiet of ${INBOUND_IDLE_PING_FACTOR * pingIntervalMs} ms)`);
  t.true(pings >= 1, 'the sync followed a ping, not the handshake');
});
