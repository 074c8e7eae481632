/**
 * The pool's rolling minimum fee rate (Bitcoin Core's mempoolminfee): raised above each package
 * evicted for room, so the next tx must pay more than what was thrown out, then halving with
 * time once a block has arrived (a block makes room), faster while the pool is emptier, until it
 * falls under half the increment and snaps back to 0 — zero-fee txs are welcome again.
 */
import { INCREMENTAL_FEE_RATE, MIN_FEE_HALF_LIFE_MS, MIN_FEE_UPDATE_INTERVAL_MS } from './constants.js';

export class RollingMinFee {
  private rate = 0;
  private lastUpdateMs = 0;
  private blockSinceBump = false;

  /** A package of fee rate `packageRate` was evicted. */
  bump(packageRate: number): void {
    const raised = packageRate + INCREMENTAL_FEE_RATE;
    if (raised > this.rate) {
      this.rate = raised;
      this.blockSinceBump = false;
    }
  }

  /**
   * The decay clock starts at the first block after a raise. Core restarts it at every block,
   * harmless with 10-minute blocks; here blocks come every few seconds and a restart per block
   * would keep the minimum from ever decaying while the chain is busy.
   */
  blockConnected(nowMs: number): void {
    if (this.blockSinceBump) return;
    this.blockSinceBump = true;
    this.lastUpdateMs = nowMs;
  }

  /** The minimum at `nowMs` for a pool using `usage` of `maxUsage` bytes (decays as a side effect). */
  current(nowMs: number, usage: number, maxUsage: number): number {
    if (!this.blockSinceBump || this.rate === 0) return this.rate;
    if (nowMs > this.lastUpdateMs + MIN_FEE_UPDATE_INTERVAL_MS) {
      let halfLifeMs = MIN_FEE_HALF_LIFE_MS;
      if (usage < maxUsage / 4) halfLifeMs /= 4;
      else if (usage < maxUsage / 2) halfLifeMs /= 2;
      this.rate /= 2 ** ((nowMs - this.lastUpdateMs) / halfLifeMs);
      this.lastUpdateMs = nowMs;
      if (this.rate < INCREMENTAL_FEE_RATE / 2) this.rate = 0;
    }
    return this.rate === 0 ? 0 : Math.max(this.rate, INCREMENTAL_FEE_RATE);
  }
}
