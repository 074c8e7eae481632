/**
 * The frame deadline of SessionTimers (a started frame must complete within frameTimeoutMs), at
 * the instant it passes: the deadline is judged after the reads already due (afterPendingIo), and
 * what those reads do to the frame decides. SessionTimers run on the simulator's virtual clock, so
 * "a read due at the deadline" is exact: an event at the same virtual time, after the timer.
 */
import test from 'ava';
import { SessionTimers } from '../../../src/p2p/session-timers.js';
import { VirtualClock } from '../../../src/sim/virtual-clock.js';

const FRAME_TIMEOUT_MS = 1_000;

function session(clock: VirtualClock): { timers: SessionTimers; decoder: { hasPartialFrame: boolean; bufferedBytes: number }; expired: string[] } {
  const decoder = { hasPartialFrame: false, bufferedBytes: 0 };
  const expired: string[] = [];
  const timers = new SessionTimers({
    handshakeTimeoutMs: 60_000,
    frameTimeoutMs: FRAME_TIMEOUT_MS,
    pingIntervalMs: 60_000,
    peerTimeoutMs: 60_000,
    direction: 'outbound',
    decoder,
    sendPing: () => undefined,
    expired: (code) => expired.push(code),
    clock,
  });
  return { timers, decoder, expired };
}

test('a frame completed by a read due at its deadline is not timed out, even when that read also starts the next frame (the next frame was judged by the old deadline)', async (t) => {
  const clock = new VirtualClock();
  const { timers, decoder, expired } = session(clock);
  decoder.hasPartialFrame = true; // a chunk leaves a frame started at t = 0
  timers.watchFrame(false);
  // At the deadline the frame's last bytes arrive, with the first bytes of the next frame.
  clock.setTimeout(() => timers.watchFrame(true), FRAME_TIMEOUT_MS);
  await clock.runUntil(FRAME_TIMEOUT_MS);
  t.deepEqual(expired, [], 'the frame met its deadline; the next one was started just now');
  await clock.runUntil(2 * FRAME_TIMEOUT_MS - 1);
  t.deepEqual(expired, []);
  await clock.runUntil(2 * FRAME_TIMEOUT_MS);
  t.deepEqual(expired, ['frame-timeout'], 'the next frame has its own deadline, and misses it');
  timers.stop();
});

test('a frame still incomplete after the reads due at its deadline is timed out then', async (t) => {
  const clock = new VirtualClock();
  const { timers, decoder, expired } = session(clock);
  decoder.hasPartialFrame = true;
  timers.watchFrame(false);
  // More bytes of the same frame at the deadline: not complete, so no new deadline.
  clock.setTimeout(() => timers.watchFrame(false), FRAME_TIMEOUT_MS);
  await clock.runUntil(FRAME_TIMEOUT_MS - 1);
  t.deepEqual(expired, []);
  await clock.runUntil(FRAME_TIMEOUT_MS);
  t.deepEqual(expired, ['frame-timeout']);
  timers.stop();
});
