/**
 * What leaves the pool other than by a caller's choice (mempool.ts): packages evicted for room
 * (raising the rolling minimum fee above them), a trim back within the bounds after a reorg
 * refilled the pool, expiry, and the txs a connected block confirms or conflicts with.
 */
import type { Block } from '../primitives/block.js';
import type { Logger } from '../util/logger.js';
import type { MempoolPolicy } from './constants.js';
import { RemovalReason } from './errors.js';
import { worstPackage } from './eviction.js';
import type { RollingMinFee } from './min-fee.js';
import { feeRate } from './policy.js';
import { type PoolIndex, bytesKey, outKey } from './pool-index.js';
import { type PoolTx, descendantScore, withDescendants } from './pool-tx.js';

export interface PoolRemovalOptions {
  readonly index: PoolIndex;
  readonly minFee: RollingMinFee;
  readonly policy: MempoolPolicy;
  /** Count bound, next to the byte bound (policy.maxBytes). */
  readonly maxTxs: number;
  readonly nowMs: () => number;
  readonly logger: Logger;
}

export class PoolRemoval {
  constructor(private readonly options: PoolRemovalOptions) {}

  /** Removes a package for room and raises the minimum fee rate above it. */
  evict(pkg: ReadonlySet<PoolTx>): void {
    let fee = 0;
    let size = 0;
    for (const n of pkg) {
      fee += n.feeNumber;
      size += n.entry.size;
    }
    this.options.index.removeSet(pkg, RemovalReason.SizeLimit);
    this.options.minFee.bump(feeRate(fee, size));
    this.options.logger.debug({ txs: pkg.size, bytes: size, feeRate: feeRate(fee, size) }, 'evicted a package to make room');
  }

  /** Evicts the lowest-score packages until the pool is within its bounds (after a reorg refilled it). */
  trimToSize(): void {
    const { index, policy, maxTxs } = this.options;
    while (index.totalUsage > policy.maxBytes || index.byTxid.size > maxTxs) {
      index.settleTotals(); // after a reorg's reinsertions, or a long chain evicted by the last pass
      const worst = worstPackage(index.byTxid.values(), () => false, (n) => descendantScore(n));
      if (!worst) return;
      this.evict(withDescendants(worst.node));
    }
  }

  /** Drops entries older than policy.expiryMs with their descendants; returns how many left. */
  expire(): number {
    const { index, policy } = this.options;
    const { byTxid } = index;
    const cutoffMs = this.options.nowMs() - policy.expiryMs;
    const old: PoolTx[] = [];
    for (const node of byTxid.values()) {
      if (node.entry.addedAtMs >= cutoffMs) break;
      old.push(node);
    }
    const before = byTxid.size;
    for (const node of old) if (byTxid.get(node.key) === node) index.removeWithDescendants(node, RemovalReason.Expired);
    const removed = before - byTxid.size;
    if (removed > 0) this.options.logger.info({ removed, expiryHours: policy.expiryMs / 3_600_000 }, 'expired old transactions from the mempool');
    return removed;
  }

  /** Drops the block's transactions and everything in the pool that conflicts with them, then expires. */
  removeForBlock(block: Block): void {
    const { index } = this.options;
    if (index.byTxid.size === 0) return; // nothing to confirm or conflict with (every block of an initial sync)
    const txs = block.transactions.filter((tx) => !tx.isCoinbase);
    for (const tx of txs) {
      const node = index.byTxid.get(bytesKey(tx.txid));
      if (node) index.removeSet(new Set([node]), RemovalReason.Confirmed);
    }
    for (const tx of txs) {
      for (let i = 0; i < tx.inputCount; i++) {
        const spender = index.spentBy.get(outKey(tx.inputPrevoutTxid(i), tx.inputPrevoutIndex(i)));
        if (spender) index.removeWithDescendants(spender, RemovalReason.BlockConflict);
      }
    }
    this.expire();
  }
}
