/**
 * A pooled transaction with its in-pool dependency links and its descendant totals (itself
 * included), which eviction ranks packages by (Core's descendant score). Ancestor sets are
 * computed on demand: the ancestor limit keeps them small.
 */
import type { Transaction } from '../primitives/tx.js';
import { feeRate } from './policy.js';

export interface MempoolEntry {
  readonly tx: Transaction;
  readonly fee: bigint;
  readonly size: number;
  readonly addedAtMs: number;
}

export interface PoolTx {
  readonly entry: MempoolEntry;
  readonly key: string;
  readonly seq: number;
  /** Estimated memory held (entryUsage). */
  readonly usage: number;
  /** entry.fee as a number (fees stay below 2^53). */
  readonly feeNumber: number;
  /** Pool txs whose outputs it spends. */
  readonly parents: Set<PoolTx>;
  readonly children: Set<PoolTx>;
  descCount: number;
  descSize: number;
  descFee: number;
}

/** Every in-pool ancestor of `node` (not `node` itself). */
export function ancestorsOf(node: PoolTx): Set<PoolTx> {
  const out = new Set<PoolTx>();
  const stack = [...node.parents];
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (out.has(n)) continue;
    out.add(n);
    for (const p of n.parents) stack.push(p);
  }
  return out;
}

/** `node` and every in-pool descendant of it. */
export function withDescendants(node: PoolTx): Set<PoolTx> {
  const out = new Set<PoolTx>();
  const stack = [node];
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (out.has(n)) continue;
    out.add(n);
    for (const c of n.children) stack.push(c);
  }
  return out;
}

/** Sets node's descendant totals from its current descendants (after links changed in a reorg). */
export function recomputeDescendants(node: PoolTx): void {
  node.descCount = 0;
  node.descSize = 0;
  node.descFee = 0;
  for (const d of withDescendants(node)) {
    node.descCount++;
    node.descSize += d.entry.size;
    node.descFee += d.feeNumber;
  }
}

/**
 * Core's descendant score: the higher of the tx's own fee rate and that of the tx with its
 * descendants, so a cheap parent whose child pays for it (CPFP) is not evicted first.
 */
export function descendantScore(node: PoolTx, extraFee = 0, extraSize = 0): number {
  return Math.max(feeRate(node.feeNumber, node.entry.size), feeRate(node.descFee + extraFee, node.descSize + extraSize));
}

/**
 * Sets the descendant totals of every node of `ordered` (the whole pool, parents before
 * children) in one pass from the children up; returns the nodes visited (work, for tests).
 * Where a node's descendants form a tree (every descendant has one in-pool parent) its totals are
 * its own plus its children's, O(children); above a diamond (a descendant with two parents) that
 * sum would count the shared part twice, so those nodes walk their descendants as
 * recomputeDescendants does. A reorg's long chains are trees: a 5,000-tx one costs 5,000 visits
 * instead of the 12.5 million of a walk per insert.
 */
export function recomputeAllDescendants(ordered: readonly PoolTx[]): number {
  /** Nodes whose descendants are not a tree. */
  const tangled = new Set<PoolTx>();
  let visits = 0;
  for (let i = ordered.length - 1; i >= 0; i--) {
    const node = ordered[i]!;
    let isTree = true;
    for (const child of node.children) {
      if (child.parents.size !== 1 || tangled.has(child)) {
        isTree = false;
        break;
      }
    }
    if (!isTree) {
      tangled.add(node);
      recomputeDescendants(node);
      visits += node.descCount;
      continue;
    }
    node.descCount = 1;
    node.descSize = node.entry.size;
    node.descFee = node.feeNumber;
    for (const child of node.children) {
      node.descCount += child.descCount;
      node.descSize += child.descSize;
      node.descFee += child.descFee;
    }
    visits += 1 + node.children.size;
  }
  return visits;
}
