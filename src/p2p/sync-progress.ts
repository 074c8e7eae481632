/**
 * The "syncing" log line of a block sync: at most one per SYNC_PROGRESS_LOG_INTERVAL_MS, with
 * the height reached, the target, the percentage and the rate since the last line.
 */
import type { Block } from '../primitives/block.js';
import type { Logger } from '../util/logger.js';
import { SYNC_PROGRESS_LOG_INTERVAL_MS } from './constants.js';
import type { Peer } from './peer.js';

export class SyncProgress {
  private lastLogMs = 0;
  private blocksSinceLog = 0;

  constructor(private readonly logger: Logger) {}

  /** A sync starts: the rate is measured from now. */
  restart(): void {
    this.lastLogMs = Date.now();
    this.blocksSinceLog = 0;
  }

  /** `block` joined the active chain while syncing from `peer`. */
  onConnected(block: Block, peer: Peer): void {
    this.blocksSinceLog++;
    const now = Date.now();
    const elapsedMs = now - this.lastLogMs;
    if (elapsedMs < SYNC_PROGRESS_LOG_INTERVAL_MS) return;
    const target = Math.max(peer.bestHeight, block.height);
    this.logger.info(
      {
        height: block.height,
        targetHeight: target,
        percent: target > 0 ? Math.floor((block.height / target) * 1000) / 10 : 100,
        blocksPerSec: this.lastLogMs > 0 ? Math.round((this.blocksSinceLog * 1000) / elapsedMs) : undefined,
        peer: peer.label,
      },
      'syncing',
    );
    this.lastLogMs = now;
    this.blocksSinceLog = 0;
  }
}
