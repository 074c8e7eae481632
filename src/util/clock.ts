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

/** Wall-clock time and Node's timers, unref'd: a pending timeout must not delay process exit. */
export const SYSTEM_CLOCK: Clock = {
  nowMs: () => Date.now(),
  setTimeout: (fn, delayMs) => setTimeout(fn, delayMs).unref(),
  setInterval: (fn, intervalMs) => setInterval(fn, intervalMs).unref(),
  clear: (handle) => {
    if (handle !== undefined) clearTimeout(handle as NodeJS.Timeout);
  },
  afterPendingIo: (fn) => void setImmediate(fn),
};

/** `clock.afterPendingIo(fn)`, or setImmediate for a clock without it. */
export function afterPendingIo(clock: Clock, fn: () => void): void {
  if (clock.afterPendingIo) clock.afterPendingIo(fn);
  else setImmediate(fn);
}
