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
import { BoundedHashSet } from '../util/bounded-hash-set.js';

export class SignatureCache {
  /** Two generations, not a Map evicting its first key: that costs O(deleted) per add once full (bounded-hash-set.ts). */
  private readonly txids: BoundedHashSet;

  /** Remembers the newest ⌈capacity/2⌉ txids at least, never more than `capacity`. */
  constructor(capacity: number) {
    this.txids = new BoundedHashSet(capacity);
  }

  get size(): number {
    return this.txids.size;
  }

  /** Every input signature of `tx` verified. */
  add(tx: Transaction): void {
    this.txids.add(tx.txid);
  }

  has(tx: Transaction): boolean {
    // Empty during a sync from scratch (no pool yet): no key built per transaction.
    return this.txids.size > 0 && this.txids.has(tx.txid);
  }
}
