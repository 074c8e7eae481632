/**
 * The pool's indexes (by txid, by spent outpoint, by paid address) and totals, kept consistent
 * as transactions are inserted and removed: dependency links and descendant totals included.
 * Policy (what may enter, what must leave) is the Mempool's; this only does the bookkeeping.
 */
import type { EventEmitter } from 'node:events';
import type { Transaction } from '../primitives/tx.js';
import type { Logger } from '../util/logger.js';
import { BULK_TOTALS_MIN_REMOVED_TXS } from './constants.js';
import type { RemovalReason } from './errors.js';
import type { MempoolEvents } from './mempool.js';
import { entryUsage } from './policy.js';
import { type MempoolEntry, type PoolTx, ancestorsOf, recomputeAllDescendants, recomputeDescendants, withDescendants } from './pool-tx.js';
import { topoOrder } from './topo.js';

/** Map keys: latin1 strings of raw bytes are 1 char per byte, cheaper than hex and still unique. */
export const bytesKey = (b: Buffer): string => b.toString('latin1');
export const outKey = (txid: Buffer, index: number): string => `${txid.toString('latin1')}${index}`;

export class PoolIndex {
  /** In insertion order, which is also age order (expiry walks it from the front). */
  readonly byTxid = new Map<string, PoolTx>();
  /** outpoint → the pool tx spending it. */
  readonly spentBy = new Map<string, PoolTx>();
  /** pubKeyHash → pool txs with an output paying it (for spendableCoins). */
  readonly byPubKeyHash = new Map<string, Set<PoolTx>>();
  totalUsage = 0;
  totalBytes = 0;
  /** Bumped by every insertion and removal: descendant scores can only change then (eviction.ts WorstScore). */
  version = 0;
  /**
   * Descendant totals are out of date: reinsertions (a reorg putting back its txs) only link
   * their nodes, a bulk removal does not walk ancestors, and settleTotals() recomputes the totals
   * once, before anything reads them.
   * Kept up to date per insert, a reorg putting back a 5,000-tx chain walked every tx's
   * ancestors (or descendants, child first): 12.5 million visits, ~2 s of a blocked node.
   */
  private totalsStale = false;
  /** Nodes visited keeping descendant totals (tests: the work a reorg's re-add costs). */
  totalsVisits = 0;
  private seq = 0;

  /** `events`: the Mempool, which announces each insertion and removal. */
  constructor(
    private readonly events: EventEmitter<MempoolEvents>,
    private readonly logger: Logger,
  ) {}

  /** Every pooled tx, parents before children, otherwise in arrival order. */
  orderedNodes(): PoolTx[] {
    return topoOrder(this.byTxid.values(), (a, b) => a.seq - b.seq);
  }

  /** In-pool ancestors a not-yet-pooled `tx` would have: all of them, or more than `limit` of them. */
  ancestorsOfNew(tx: Transaction, limit = Number.POSITIVE_INFINITY): Set<PoolTx> {
    // The walk stops once more than `limit` are found (Core's CalculateMemPoolAncestors stops at
    // its limits too): such a tx is refused anyway, and a reorg can put back chains far longer
    // than the ancestor limit, which a walk per refused child would cost in full.
    const out = new Set<PoolTx>();
    const stack: PoolTx[] = [];
    for (const input of tx.inputs) {
      const parent = this.byTxid.get(bytesKey(input.prevout.txid));
      if (parent) stack.push(parent);
    }
    for (let n = stack.pop(); n; n = stack.pop()) {
      if (out.has(n)) continue;
      out.add(n);
      if (out.size > limit) break;
      for (const p of n.parents) stack.push(p);
    }
    return out;
  }

  insert(tx: Transaction, key: string, fee: bigint, addedAtMs: number, readded = false): MempoolEntry {
    const size = tx.size;
    const entry: MempoolEntry = { tx, fee, size, addedAtMs };
    const feeNumber = Number(fee);
    const node: PoolTx = {
      entry,
      key,
      seq: this.seq++,
      usage: entryUsage(tx),
      feeNumber,
      parents: new Set(),
      children: new Set(),
      descCount: 1,
      descSize: size,
      descFee: feeNumber,
    };
    for (const input of tx.inputs) {
      this.spentBy.set(outKey(input.prevout.txid, input.prevout.index), node);
      const parent = this.byTxid.get(bytesKey(input.prevout.txid));
      if (parent) {
        node.parents.add(parent);
        parent.children.add(node);
      }
    }
    // A tx re-added after a reorg may already have children in the pool.
    for (let i = 0; i < tx.outputs.length; i++) {
      const child = this.spentBy.get(outKey(tx.txid, i));
      if (child) {
        child.parents.add(node);
        node.children.add(child);
      }
    }
    if (readded) this.totalsStale = true;
    if (!this.totalsStale) this.addToAncestorTotals(node);
    for (const out of tx.outputs) {
      const pkh = bytesKey(out.pubKeyHash);
      let set = this.byPubKeyHash.get(pkh);
      if (!set) this.byPubKeyHash.set(pkh, (set = new Set()));
      set.add(node);
    }
    this.byTxid.set(key, node);
    this.version++;
    this.totalUsage += node.usage;
    this.totalBytes += size;
    this.events.emit('tx:added', entry, readded);
    return entry;
  }

  /** A new node's descendant totals, and its ancestors': kept up to date per insert outside a reorg. */
  private addToAncestorTotals(node: PoolTx): void {
    const ancestors = ancestorsOf(node);
    this.totalsVisits += ancestors.size;
    if (node.children.size > 0) {
      // Only a reinsertion can find its children already pooled, and that defers the totals; kept for safety.
      recomputeDescendants(node);
      for (const a of ancestors) recomputeDescendants(a);
      return;
    }
    for (const a of ancestors) {
      a.descCount++;
      a.descSize += node.entry.size;
      a.descFee += node.feeNumber;
    }
  }

  /**
   * Brings the descendant totals up to date after reinsertions or a bulk removal, in one pass over the pool
   * (recomputeAllDescendants). Called by whatever reads them: admission's chain limits and
   * eviction, trimming.
   */
  settleTotals(): void {
    if (!this.totalsStale) return;
    this.totalsStale = false;
    this.totalsVisits += recomputeAllDescendants(this.orderedNodes());
    this.version++; // cached scores (eviction.ts WorstScore) are stale
  }

  /**
   * Removes every tx of `set`; pool txs outside it that spend their outputs stay (their parent is
   * confirmed, or the caller passed a descendant-closed set). Ancestors outside the set lose the
   * removed txs from their descendant totals, computed while the links still stand — or, for a
   * set of more than BULK_TOTALS_MIN_REMOVED_TXS, recounted by the next settleTotals().
   */
  removeSet(set: ReadonlySet<PoolTx>, reason: RemovalReason): void {
    if (set.size > BULK_TOTALS_MIN_REMOVED_TXS) this.totalsStale = true;
    for (const n of set) {
      if (this.totalsStale) break; // recomputed by settleTotals() anyway
      if (this.byTxid.get(n.key) !== n) continue;
      const ancestors = ancestorsOf(n);
      this.totalsVisits += ancestors.size;
      for (const a of ancestors) {
        if (set.has(a)) continue;
        a.descCount--;
        a.descSize -= n.entry.size;
        a.descFee -= n.feeNumber;
      }
    }
    for (const n of set) this.unlink(n, reason);
  }

  removeWithDescendants(root: PoolTx, reason: RemovalReason): void {
    this.removeSet(withDescendants(root), reason);
  }

  private unlink(node: PoolTx, reason: RemovalReason): void {
    if (this.byTxid.get(node.key) !== node) return;
    this.byTxid.delete(node.key);
    this.version++;
    this.totalUsage -= node.usage;
    this.totalBytes -= node.entry.size;
    const { tx } = node.entry;
    for (const input of tx.inputs) {
      const k = outKey(input.prevout.txid, input.prevout.index);
      if (this.spentBy.get(k) === node) this.spentBy.delete(k);
    }
    for (const parent of node.parents) parent.children.delete(node);
    for (const child of node.children) child.parents.delete(node);
    for (const out of tx.outputs) {
      const pkh = bytesKey(out.pubKeyHash);
      const set = this.byPubKeyHash.get(pkh);
      if (set && set.delete(node) && set.size === 0) this.byPubKeyHash.delete(pkh);
    }
    this.logger.debug({ txid: tx.txidHex, reason }, 'transaction removed');
    this.events.emit('tx:removed', tx.txid, reason);
  }
}
