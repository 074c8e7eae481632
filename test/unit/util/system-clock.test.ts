/**
 * SYSTEM_CLOCK and delays longer than Node's timers take: Node runs a timer set for more than
 * 2^31-1 ms (24.8 days) after 1 ms (TimeoutOverflowWarning). The p2p settings pingIntervalMs,
 * peerTimeoutMs and frameTimeoutMs accept any positive whole number, so a session's timers can
 * be that long.
 */
import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { SessionTimers } from '../../../src/p2p/session-timers.js';
import { chainedTimer, MAX_NODE_TIMER_DELAY_MS, SYSTEM_CLOCK, type Clock } from '../../../src/util/clock.js';

const LONG_MS = 3_000_000_000; // ~35 days

test('a timeout longer than Node allows does not fire at once, and is cleared like any other', async (t) => {
  let fired = 0;
  const handle = SYSTEM_CLOCK.setTimeout(() => fired++, LONG_MS);
  const atMax = SYSTEM_CLOCK.setTimeout(() => fired++, MAX_NODE_TIMER_DELAY_MS + 1);
  await sleep(50);
  t.is(fired, 0);
  SYSTEM_CLOCK.clear(handle);
  SYSTEM_CLOCK.clear(atMax);
});

test('a session whose ping interval and timeouts are longer than Node allows neither drops its peer nor spins its heartbeat', async (t) => {
  let timersSet = 0;
  const clock: Clock = { ...SYSTEM_CLOCK, setTimeout: (fn, delayMs) => (timersSet++, SYSTEM_CLOCK.setTimeout(fn, delayMs)) };
  const expired: string[] = [];
  const timers = new SessionTimers({
    handshakeTimeoutMs: 5_000,
    frameTimeoutMs: LONG_MS,
    pingIntervalMs: LONG_MS,
    peerTimeoutMs: LONG_MS,
    direction: 'outbound',
    decoder: { hasPartialFrame: true, bufferedBytes: 1 },
    sendPing: () => undefined,
    expired: (code) => expired.push(code),
    clock,
  });
  timers.handshakeDone(); // arms the heartbeat
  timers.watchFrame(false); // arms the frame deadline
  await sleep(100);
  t.deepEqual(expired, [], 'no frame-timeout after 100 ms');
  t.true(timersSet <= 3, `${timersSet} timers set in 100 ms (a heartbeat that fires at once and re-arms sets one a millisecond)`);
  timers.ping(); // arms the pong deadline
  await sleep(50);
  t.deepEqual(expired, [], 'no ping-timeout 50 ms after the ping');
  timers.stop();
});

test('a chained timer fires once after its whole delay, leg after leg; a chained interval repeats; both clear', async (t) => {
  const fired: number[] = [];
  const start = Date.now();
  chainedTimer(() => fired.push(Date.now() - start), 60, false, 20);
  await sleep(40); // a leg can only run late, never early: at most two of three have run
  t.deepEqual(fired, [], 'not after the first legs');
  await waitUntil(() => fired.length > 0);
  t.true(fired[0]! >= 59, `fired after ${fired[0]} ms`);
  await sleep(60);
  t.is(fired.length, 1, 'once');
  let ticks = 0;
  const interval = chainedTimer(() => ticks++, 30, true, 20);
  await waitUntil(() => ticks >= 2);
  SYSTEM_CLOCK.clear(interval);
  const after = ticks;
  await sleep(100);
  t.is(ticks, after, 'cleared');
});

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await sleep(5);
  }
}
