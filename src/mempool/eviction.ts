/**
 * Making room in a full pool, as Bitcoin Core's TrimToSize: evict the package (a tx with its
 * descendants) with the lowest descendant score, repeatedly, and only for a tx that pays a
 * higher fee rate than each package it displaces. One scan of the pool per evicted package.
 */
import type { Transaction } from '../primitives/tx.js';
import { MempoolError } from './errors.js';
import { entryUsage, feeRate, formatFeeRate } from './policy.js';
import { type PoolTx, ancestorsOf, descendantScore, withDescendants } from './pool-tx.js';

/** The tx that needs room, its fee and in-pool ancestors, and the pool's state and bounds. */
export interface RoomRequest {
  readonly tx: Transaction;
  readonly fee: number;
  readonly ancestors: ReadonlySet<PoolTx>;
  readonly usage: number;
  readonly count: number;
  readonly maxBytes: number;
  readonly maxTxs: number;
  /**
   * The pool's lowest descendant score (WorstScore.peek), when known: a tx with no in-pool
   * ancestors that does not beat it is refused without copying and scanning the pool.
   */
  readonly worstScore?: number | undefined;
  /** Told the pool's lowest descendant score when a scan found it (a tx with no in-pool ancestors). */
  readonly onPoolWorst?: (score: number) => void;
}

export interface EvictionRequest extends RoomRequest {
  /** Every pooled tx. */
  readonly pool: Iterable<PoolTx>;
}

/**
 * The pool's lowest descendant score as the last eviction scan found it, valid while the pool has
 * not changed since (PoolIndex.version). A tx refused for not beating it changes nothing, so the
 * next one with no in-pool ancestors is refused in O(1), before the signature check: before, each
 * refusal copied and scanned the pool — 3.9 ms of CPU per 190-byte tx at 50,000 entries, and one
 * owned coin signs endless variants (each a new txid, so the recently-rejected filter never holds).
 */
export class WorstScore {
  private version = -1;
  private score = 0;

  /** The score a scan found while the pool was at `version`; undefined once it changed. */
  peek(version: number): number | undefined {
    return version === this.version ? this.score : undefined;
  }

  set(version: number, score: number): void {
    this.version = version;
    this.score = score;
  }
}

/**
 * Refuses, in O(1), a tx the pool has no room for that does not beat the pool's known worst
 * package (RoomRequest.worstScore): the answer planEviction would give after a scan. Run before
 * the signature check; anything else is left to planEviction.
 */
export function checkRoomCheaply(request: RoomRequest): void {
  const { tx, fee, ancestors, worstScore } = request;
  if (ancestors.size > 0 || worstScore === undefined) return;
  const overBytes = request.usage + entryUsage(tx) - request.maxBytes > 0;
  const overCount = request.count + 1 - request.maxTxs > 0;
  if (!overBytes && !overCount) return;
  const rate = feeRate(fee, tx.size);
  if (worstScore >= rate) throw notBeaten(request, rate, worstScore, false);
}

function notBeaten(request: RoomRequest, rate: number, worstScore: number, dependsOnIt: boolean): MempoolError {
  const beaten = dependsOnIt ? 'the cheapest pooled transactions, on which it depends' : `the ${formatFeeRate(worstScore)} of the cheapest pooled transactions it would evict`;
  return new MempoolError(
    'mempool-full',
    `the mempool is full (${request.usage} of ${request.maxBytes} bytes, ${request.count} transactions) and transaction ${request.tx.txidHex} at ${formatFeeRate(rate)} does not beat ${beaten}; pay a higher fee or try again after the next block`,
  );
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
  // Without in-pool ancestors the tx changes no score: the first package to evict is the pool's worst.
  checkRoomCheaply(request);
  const rate = feeRate(fee, size);
  const nodes = [...request.pool];
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
    if (worst && packages.length === 0 && ancestors.size === 0) request.onPoolWorst?.(worst.score);
    if (!worst) {
      throw new MempoolError('mempool-full', `transaction ${tx.txidHex} needs ${entryUsage(tx)} bytes of pool memory, more than the pool can make room for (txpool.maxBytes is ${request.maxBytes})`);
    }
    if (worst.score >= rate || ancestors.has(worst.node)) throw notBeaten(request, rate, worst.score, ancestors.has(worst.node));
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
