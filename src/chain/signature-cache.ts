/**
 * Transactions whose every input signature was verified (by the mempool, on admission), so a block
 * holding them skips their checks: a new block is mostly made of pooled transactions, and without
 * this a block that rebuilds cheaply from our own pool (a compact block on our tip, its coinbase
 * overpaying) cost us every signature of the pool before its cheap fault was found. Keyed by
 * txid, which commits to the signatures, keys and everything a sighash covers: signature validity
 * depends on the transaction alone (validate-block.ts), never on the chain, so no reorg can stale
 * an entry. Bounded, oldest out first.
 */
import type { Transaction } from '../primitives/tx.js';

export class SignatureCache {
  /** txid (latin1, 32 chars) → nothing: Map order is insertion order, the eviction order. */
  private readonly txids = new Map<string, true>();

  constructor(private readonly maxTxs: number) {}

  get size(): number {
    return this.txids.size;
  }

  /** Every input signature of `tx` verified. */
  add(tx: Transaction): void {
    const key = tx.txid.toString('latin1');
    if (this.txids.has(key)) return;
    this.txids.set(key, true);
    if (this.txids.size > this.maxTxs) {
      const oldest = this.txids.keys().next();
      if (!oldest.done) this.txids.delete(oldest.value);
    }
  }

  has(tx: Transaction): boolean {
    // Empty during a sync from scratch (no pool yet): no key built per transaction.
    return this.txids.size > 0 && this.txids.has(tx.txid.toString('latin1'));
  }
}
