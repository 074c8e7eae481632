/**
 * When the pool may start a worker after failures: none for VERIFY_WORKER_RESTART_BASE_MS after
 * one, doubling per failure in a row up to VERIFY_WORKER_RESTART_MAX_MS, and one at a time while
 * the streak lasts. Only a worker started after the last failure ends the streak (by answering a
 * chunk): a healthy older worker proves nothing about starting a new one.
 */
import { VERIFY_WORKER_RESTART_BASE_MS, VERIFY_WORKER_RESTART_MAX_MS } from './constants.js';

export class RestartBackoff {
  /** Failures since the pool started. */
  failures = 0;
  /** Failures in a row: how long the next start waits. */
  private streak = 0;
  /** The pool's count of started workers at the last failure. */
  private startsAtLastFailure = 0;
  /** Set while no worker may start. */
  private timer: NodeJS.Timeout | undefined;

  /** `onReady`: runs when starts are allowed again (the pool hands out what waits). */
  constructor(private readonly onReady: () => void) {}

  /** No worker may start now. */
  get waiting(): boolean {
    return this.timer !== undefined;
  }

  /** Workers that may be starting at once: one while failures are in a row (a worker that cannot start fails alone). */
  startingLimit(maxWorkers: number): number {
    return this.streak > 0 ? 1 : maxWorkers;
  }

  /** A worker failed after `workersStarted` starts: counts it and holds off starts. Returns the wait. */
  failed(workersStarted: number): number {
    this.failures++;
    this.streak++;
    this.startsAtLastFailure = workersStarted;
    const waitMs = Math.min(VERIFY_WORKER_RESTART_MAX_MS, VERIFY_WORKER_RESTART_BASE_MS * 2 ** (this.streak - 1));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onReady();
    }, waitMs);
    // Restarts are for work that waits; they must not keep the process alive.
    this.timer.unref();
    return waitMs;
  }

  /** Worker number `serial` (1 = the first started) answered a chunk. */
  answered(serial: number): void {
    if (serial > this.startsAtLastFailure) this.streak = 0;
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
