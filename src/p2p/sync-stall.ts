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
