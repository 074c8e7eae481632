import { SYNC_STALL_CHECK_INTERVAL_MS } from './constants.js';

/**
 * A sync session's two stall clocks (sync-session.ts): a periodic check of the block the chain
 * needs next (`onCheck`), and the no-progress deadline that each sign of progress pushes back
 * (`onNoProgress` once it passes). Neither keeps the process alive.
 */
export class SyncStallClocks {
  private deadline: NodeJS.Timeout | undefined;
  private readonly check: NodeJS.Timeout;

  constructor(
    private readonly noProgressMs: number,
    onCheck: () => void,
    private readonly onNoProgress: () => void,
  ) {
    this.check = setInterval(onCheck, SYNC_STALL_CHECK_INTERVAL_MS);
    this.check.unref();
  }

  /** Progress: push the no-progress deadline back (start it on the first call). */
  progress(): void {
    if (this.deadline) {
      this.deadline.refresh();
      return;
    }
    this.deadline = setTimeout(() => {
      this.deadline = undefined;
      this.onNoProgress();
    }, this.noProgressMs);
  }

  stop(): void {
    clearTimeout(this.deadline);
    clearInterval(this.check);
  }
}

/**
 * Time the chain sat idle for want of a downloaded block: nothing handed to it while headers
 * were queued (the next body still in flight or not yet asked for). The download's cost to a
 * sync, apart from the machine's: a multi-peer sync that keeps the chain waiting shows it here,
 * whatever the CPU load does to the seconds (the sync-multi bench prints it).
 */
export class ChainWaitClock {
  private sinceMs: number | undefined;
  private totalMs = 0;

  /** Called after each pass over the download: whether the chain is waiting now. */
  set(waiting: boolean, nowMs: number): void {
    if (waiting && this.sinceMs === undefined) this.sinceMs = nowMs;
    else if (!waiting && this.sinceMs !== undefined) {
      this.totalMs += nowMs - this.sinceMs;
      this.sinceMs = undefined;
    }
  }

  /** Total so far, the running wait included. */
  waitedMs(nowMs: number): number {
    return this.totalMs + (this.sinceMs === undefined ? 0 : nowMs - this.sinceMs);
  }
}
