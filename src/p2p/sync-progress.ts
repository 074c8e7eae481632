/**
 * The "syncing" log line of a block sync: at most one per SYNC_PROGRESS_LOG_INTERVAL_MS, with
 * the height reached, the target, the percentage and the rate since the last line; and the
 * summary line when it ends (blocks, txs, time, blocks/s).
 */
import type { Block } from '../primitives/block.js';
import type { Logger } from '../util/logger.js';
import { CATCHING_UP_MIN_BLOCKS, SYNC_PROGRESS_LOG_INTERVAL_MS } from './constants.js';
import type { Peer } from './peer.js';
import type { SyncSummary } from './sync-status.js';

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

  /**
   * The sync with `peer` ended. A sync that brought blocks is worth its summary at info (each
   * block carried real work); one that brought none goes at `quietLevel` (the start line's level,
   * so a peer that makes us sync for nothing again and again is not logged at info every time).
   */
  ended(peer: Peer, reason: string, summary: SyncSummary | undefined, quietLevel: 'info' | 'debug'): void {
    const level = summary && summary.blocks >= CATCHING_UP_MIN_BLOCKS ? 'info' : quietLevel;
    const done = summary ? { blocks: summary.blocks, txs: summary.txs, seconds: summary.durationMs / 1000, blocksPerSec: summary.blocksPerSec } : {};
    this.logger[level]({ peer: peer.label, reason, height: summary?.height ?? -1, ...done }, 'block sync ended');
  }
}
