/**
 * Making room in a full pool, as Bitcoin Core's TrimToSize: evict the package (a tx with its
 * descendants) with the lowest descendant score, repeatedly, and only for a tx that pays a
 * higher fee rate than each package it displaces. One scan of the pool per evicted package.
 */
import type { Transaction } from '../primitives/tx.js';
import { MempoolError } from './errors.js';
import { entryUsage, feeRate, formatFeeRate } from './policy.js';
import { type PoolTx, ancestorsOf, descendantScore, withDescendants } from './pool-tx.js';

export interface EvictionRequest {
  /** The tx that needs room, its fee and its in-pool ancestors. */
  readonly tx: Transaction;
  readonly fee: number;
  readonly ancestors: ReadonlySet<PoolTx>;
  /** Every pooled tx, and the pool's state and bounds. */
  readonly pool: Iterable<PoolTx>;
  readonly usage: number;
  readonly count: number;
  readonly maxBytes: number;
  readonly maxTxs: number;
}

/**
 * The packages (a tx with its descendants, lowest descendant score first, as Core's TrimToSize)
 * to evict so `tx` fits, or MempoolError 'mempool-full' when `tx` does not pay a higher fee rate
 * than one of them, or depends on one. Nothing is removed here: the caller evicts after the
 * signature check passed. `tx` counts towards its ancestors' scores (child pays for parent).
 */
export function planEviction(request: EvictionRequest): Set<PoolTx>[] {
  const { tx, fee, ancestors } = request;
  const size = tx.size;
  let excessBytes = request.usage + entryUsage(tx) - request.maxBytes;
  let excessCount = request.count + 1 - request.maxTxs;
  const packages: Set<PoolTx>[] = [];
  if (excessBytes <= 0 && excessCount <= 0) return packages;
  const nodes = [...request.pool];
  const rate = feeRate(fee, size);
  const planned = new Set<PoolTx>();
  /** Fee and size of planned descendants, taken off their remaining ancestors' totals. */
  const removedBelow = new Map<PoolTx, { fee: number; size: number }>();
  while (excessBytes > 0 || excessCount > 0) {
    const worst = worstPackage(nodes, (n) => planned.has(n), (n) => {
      const below = removedBelow.get(n);
      const extraFee = (ancestors.has(n) ? fee : 0) - (below?.fee ?? 0);
      const extraSize = (ancestors.has(n) ? size : 0) - (below?.size ?? 0);
      return descendantScore(n, extraFee, extraSize);
    });
    if (!worst) {
      throw new MempoolError('mempool-full', `transaction ${tx.txidHex} needs ${entryUsage(tx)} bytes of pool memory, more than the pool can make room for (txpool.maxBytes is ${request.maxBytes})`);
    }
    if (worst.score >= rate || ancestors.has(worst.node)) {
      const beaten = ancestors.has(worst.node) ? 'the cheapest pooled transactions, on which it depends' : `the ${formatFeeRate(worst.score)} of the cheapest pooled transactions it would evict`;
      throw new MempoolError(
        'mempool-full',
        `the mempool is full (${request.usage} of ${request.maxBytes} bytes, ${request.count} transactions) and transaction ${tx.txidHex} at ${formatFeeRate(rate)} does not beat ${beaten}; pay a higher fee or try again after the next block`,
      );
    }
    const pkg = new Set([...withDescendants(worst.node)].filter((n) => !planned.has(n)));
    for (const n of pkg) {
      planned.add(n);
      excessBytes -= n.usage;
      excessCount--;
      for (const a of ancestorsOf(n)) {
        if (pkg.has(a)) continue;
        const below = removedBelow.get(a) ?? { fee: 0, size: 0 };
        removedBelow.set(a, { fee: below.fee + n.feeNumber, size: below.size + n.entry.size });
      }
    }
    packages.push(pkg);
  }
  return packages;
}

/** The pooled tx with the lowest score (ties: the newest) among those `skip` does not exclude. */
export function worstPackage(nodes: Iterable<PoolTx>, skip: (n: PoolTx) => boolean, score: (n: PoolTx) => number): { node: PoolTx; score: number } | undefined {
  let worst: { node: PoolTx; score: number } | undefined;
  for (const node of nodes) {
    if (skip(node)) continue;
    const s = score(node);
    if (!worst || s < worst.score || (s === worst.score && node.seq > worst.node.seq)) worst = { node, score: s };
  }
  return worst;
}
