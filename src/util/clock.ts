/**
 * Time and timers behind one interface, so code that waits (discovery's timeouts, refresh and
 * revalidation) can run on a virtual clock in the simulator (src/sim/) and on the real one in a
 * node. Production passes nothing and gets SYSTEM_CLOCK.
 */

/** An opaque timer handle: only the clock that made it can clear it. */
export type TimerHandle = object;

export interface Clock {
  /** Milliseconds since the epoch (virtual time in a simulation). */
  nowMs(): number;
  /** Runs fn once after delayMs; never keeps the process alive on its own. */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  /** Runs fn every intervalMs; never keeps the process alive on its own. */
  setInterval(fn: () => void, intervalMs: number): TimerHandle;
  /** Cancels a timeout or interval (undefined and already-fired handles are ignored). */
  clear(handle: TimerHandle | undefined): void;
  /**
   * Runs fn once the I/O already due has been handled, so a deadline is judged after the bytes
   * that met it are read. Optional: absent means setImmediate (after the event loop's poll phase).
   */
  afterPendingIo?(fn: () => void): void;
}

/**
 * Node runs a timer set for longer than this (2^31-1 ms, 24.8 days) after 1 ms, with a
 * TimeoutOverflowWarning. Settings in ms accept any positive whole number (p2p.peerTimeoutMs …):
 * a session's pong deadline then dropped every peer at once, and its heartbeat, finding the ping
 * not due, re-armed itself every millisecond. SYSTEM_CLOCK chains such waits instead.
 */
export const MAX_NODE_TIMER_DELAY_MS = 2 ** 31 - 1;

/** A SYSTEM_CLOCK timer longer than Node's: the Node timer of its current leg. */
class LongTimer {
  timer: NodeJS.Timeout | undefined;
}

/** Runs fn after delayMs (every delayMs when `repeat`) in legs Node can time; unref'd. */
export function chainedTimer(fn: () => void, delayMs: number, repeat: boolean, maxLegMs = MAX_NODE_TIMER_DELAY_MS): LongTimer {
  const handle = new LongTimer();
  const arm = (remainingMs: number): void => {
    const last = remainingMs <= maxLegMs;
    handle.timer = setTimeout(() => {
      if (!last) return arm(remainingMs - maxLegMs);
      if (repeat) arm(delayMs); // before fn: a throw must not end the interval
      fn();
    }, last ? remainingMs : maxLegMs).unref();
  };
  arm(delayMs);
  return handle;
}

/** Wall-clock time and Node's timers, unref'd: a pending timeout must not delay process exit. */
export const SYSTEM_CLOCK: Clock = {
  nowMs: () => Date.now(),
  setTimeout: (fn, delayMs) => (delayMs > MAX_NODE_TIMER_DELAY_MS ? chainedTimer(fn, delayMs, false) : setTimeout(fn, delayMs).unref()),
  setInterval: (fn, intervalMs) => (intervalMs > MAX_NODE_TIMER_DELAY_MS ? chainedTimer(fn, intervalMs, true) : setInterval(fn, intervalMs).unref()),
  clear: (handle) => {
    if (handle === undefined) return;
    clearTimeout(handle instanceof LongTimer ? handle.timer : (handle as NodeJS.Timeout));
  },
  afterPendingIo: (fn) => void setImmediate(fn),
};

/**
 * A reading of `now` (wall-clock ms) that never goes back: after the clock steps back it carries
 * on from its last reading at the clock's pace. For due times and ages kept across readings (the
 * relay's request tracker, a session's heartbeat): timers run on a monotonic clock, and a due time read before a step
 * back would otherwise lie that far in the future — an announcement held 2 s waited an hour after
 * an NTP step back of an hour. It loses at most the time between the last reading before the
 * step and the first after it. A step forward passes through (things come due early, never late).
 */
export function steadyReader(now: () => number): () => number {
  let offsetMs = 0;
  let lastMs = -Infinity;
  return () => {
    const reading = now() + offsetMs;
    if (reading >= lastMs) return (lastMs = reading);
    offsetMs += lastMs - reading;
    return lastMs;
  };
}

/** `clock.afterPendingIo(fn)`, or setImmediate for a clock without it. */
export function afterPendingIo(clock: Clock, fn: () => void): void {
  if (clock.afterPendingIo) clock.afterPendingIo(fn);
  else setImmediate(fn);
}
