/**
 * Which inbound peer makes room for a new one when every inbound slot is taken (Bitcoin Core's
 * AttemptToEvictConnection). A pure function over plain candidates, so the choice is testable
 * without sockets. An attacker must beat honest peers on every protected trait at once —
 * network diversity, latency, useful blocks and txs, uptime — to take their slots.
 */
import { createHash } from 'node:crypto';
import { EVICTION_PROTECT_BLOCK, EVICTION_PROTECT_NETGROUPS, EVICTION_PROTECT_PING, EVICTION_PROTECT_TX } from './constants.js';

export interface EvictionCandidate<Id> {
  readonly id: Id;
  /** netGroup() of its address. */
  readonly netGroup: string;
  /** Last measured round trip; undefined = none yet (worst). */
  readonly pingMs: number | undefined;
  /** When it last gave us a new valid block / transaction (0 = never). */
  readonly lastBlockMs: number;
  readonly lastTxMs: number;
  readonly connectedAtMs: number;
  /** Discouraged peers are never protected and go first. */
  readonly discouraged: boolean;
  /** Its netgroup began another inbound session shortly before (inbound.ts): no young-peer grace. */
  readonly repeat?: boolean | undefined;
}

export interface EvictionProtection {
  readonly netGroups: number;
  readonly ping: number;
  readonly block: number;
  readonly tx: number;
}

export const DEFAULT_EVICTION_PROTECTION: EvictionProtection = {
  netGroups: EVICTION_PROTECT_NETGROUPS,
  ping: EVICTION_PROTECT_PING,
  block: EVICTION_PROTECT_BLOCK,
  tx: EVICTION_PROTECT_TX,
};

/** Removes the first `n` of `list` sorted by `better` (the most deserving first). */
function protect<T>(list: T[], n: number, better: (a: T, b: T) => number, eligible: (c: T) => boolean = () => true): T[] {
  const ranked = list.filter(eligible).sort(better).slice(0, n);
  const kept = new Set(ranked);
  return list.filter((c) => !kept.has(c));
}

/**
 * The peer to evict, or undefined when every candidate is protected. `groupKey` is a secret
 * salt: which netgroups are protected cannot be predicted (and so targeted) from outside.
 * Peers connected after `youngAfterMs` are too young to evict (a departure from Core, see
 * EVICTION_MIN_AGE_MS: the newcomer is refused instead) unless they are a netgroup's `repeat`
 * session; discouraged ones go at any age.
 */
export function selectEvictionVictim<Id>(
  candidates: readonly EvictionCandidate<Id>[],
  groupKey: Buffer,
  protection: EvictionProtection = DEFAULT_EVICTION_PROTECTION,
  youngAfterMs = Infinity,
): Id | undefined {
  const discouraged = candidates.filter((c) => c.discouraged);
  let rest = candidates.filter((c) => !c.discouraged && (c.connectedAtMs <= youngAfterMs || c.repeat === true));
  // One peer (the longest connected) from each of a few netgroups picked by a keyed hash.
  const groupRank = (g: string): string => createHash('sha256').update(groupKey).update(g).digest('hex');
  const groups = [...new Set(rest.map((c) => c.netGroup))].sort((a, b) => groupRank(a).localeCompare(groupRank(b))).slice(0, protection.netGroups);
  const keep = new Set(groups.map((g) => rest.filter((c) => c.netGroup === g).sort((a, b) => a.connectedAtMs - b.connectedAtMs)[0]));
  rest = rest.filter((c) => !keep.has(c));
  rest = protect(rest, protection.ping, (a, b) => (a.pingMs ?? Infinity) - (b.pingMs ?? Infinity), (c) => c.pingMs !== undefined);
  rest = protect(rest, protection.tx, (a, b) => b.lastTxMs - a.lastTxMs, (c) => c.lastTxMs > 0);
  rest = protect(rest, protection.block, (a, b) => b.lastBlockMs - a.lastBlockMs, (c) => c.lastBlockMs > 0);
  rest = protect(rest, Math.floor(rest.length / 2), (a, b) => a.connectedAtMs - b.connectedAtMs);
  const pool = discouraged.length > 0 ? discouraged : rest;
  if (pool.length === 0) return undefined;
  // The most represented netgroup (ties: the one with the youngest peer), its youngest peer.
  const byGroup = new Map<string, EvictionCandidate<Id>[]>();
  for (const c of pool) byGroup.set(c.netGroup, [...(byGroup.get(c.netGroup) ?? []), c]);
  const youngest = (list: readonly EvictionCandidate<Id>[]): EvictionCandidate<Id> => list.reduce((y, c) => (c.connectedAtMs > y.connectedAtMs ? c : y));
  const [, victims] = [...byGroup].reduce((best, entry) => {
    const [, list] = entry;
    const [, bestList] = best;
    if (list.length !== bestList.length) return list.length > bestList.length ? entry : best;
    return youngest(list).connectedAtMs > youngest(bestList).connectedAtMs ? entry : best;
  });
  return youngest(victims).id;
}
