import { compareDistance } from './routing-table.js';

export interface LookupNode {
  readonly id: Buffer;
}

export interface LookupOptions<T extends LookupNode> {
  readonly target: Buffer;
  /** Where to start: usually the table's closest nodes to target. */
  readonly seeds: readonly T[];
  readonly selfId: Buffer;
  /** Size of the result and of the "closest set" that must all be asked before stopping. */
  readonly k: number;
  /** Queries in flight at once. */
  readonly alpha: number;
  /**
   * A failed query to one of this many closest candidates (failed ones included) is asked once
   * more (0: no retries). One lost datagram of a bond or an answer fails a query, and when that
   * node is the one looked for, nobody else can stand in for it.
   */
  readonly retryClosest?: number;
  /** Ask one node for its closest nodes to target; undefined (or a rejection) means it failed. */
  query(node: T): Promise<readonly T[] | undefined>;
  readonly signal?: AbortSignal;
}

type State = 'new' | 'asking' | 'answered' | 'failed';

interface Candidate<T> {
  readonly node: T;
  state: State;
  retried: boolean;
}

/**
 * Iterative Kademlia lookup: keep α queries in flight to the closest not-yet-asked candidates;
 * each answer adds candidates; stop when the k closest live candidates have all been asked (no
 * closer node turned up). Returns the k closest nodes that answered, closest first. A failed
 * query near the top (retryClosest) gets one more try before the node counts as gone.
 */
export function iterativeLookup<T extends LookupNode>(options: LookupOptions<T>): Promise<T[]> {
  const { target, k, alpha, signal } = options;
  const candidates = new Map<string, Candidate<T>>();
  /** Every candidate, closest to target first: kept in order on insert instead of sorted on every answer. */
  const ordered: Candidate<T>[] = [];
  const offer = (node: T): void => {
    const key = node.id.toString('hex');
    if (node.id.equals(options.selfId) || candidates.has(key)) return;
    const candidate: Candidate<T> = { node, state: 'new', retried: false };
    candidates.set(key, candidate);
    let lo = 0;
    let hi = ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareDistance(target, ordered[mid].node.id, node.id) < 0) lo = mid + 1;
      else hi = mid;
    }
    ordered.splice(lo, 0, candidate);
  };
  for (const node of options.seeds) offer(node);

  /** The k closest candidates in the given states, closest first. */
  const closestIn = (accept: (state: State) => boolean): Candidate<T>[] => {
    const out: Candidate<T>[] = [];
    for (const c of ordered) {
      if (out.length >= k) break;
      if (accept(c.state)) out.push(c);
    }
    return out;
  };
  const closestLive = (): Candidate<T>[] => closestIn((state) => state !== 'failed');
  const result = (): T[] => closestIn((state) => state === 'answered').map((c) => c.node);
  const retryClosest = options.retryClosest ?? 0;
  /**
   * Whether a failed candidate is among the retryClosest closest offered so far. Ranked among all
   * candidates, failed ones included: ranked among the live ones, every candidate moves up as the
   * ones before it fail, and a lookup among NATed nodes retried nearly every query.
   */
  const worthRetry = (candidate: Candidate<T>): boolean => {
    if (candidate.retried || retryClosest <= 0) return false;
    for (let i = 0; i < retryClosest && i < ordered.length; i++) if (ordered[i] === candidate) return true;
    return false;
  };
  const failed = (candidate: Candidate<T>): void => {
    if (worthRetry(candidate)) {
      candidate.retried = true;
      candidate.state = 'new';
    } else {
      candidate.state = 'failed';
    }
  };

  return new Promise((resolve) => {
    let inFlight = 0;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      signal?.removeEventListener('abort', finish);
      resolve(result());
    };

    const ask = (candidate: Candidate<T>): void => {
      candidate.state = 'asking';
      inFlight++;
      options.query(candidate.node).then(
        (found) => {
          if (found === undefined) failed(candidate);
          else candidate.state = 'answered';
          for (const node of found ?? []) offer(node);
        },
        () => failed(candidate),
      ).finally(() => {
        inFlight--;
        pump();
      });
    };

    const pump = (): void => {
      if (finished) return;
      if (signal?.aborted === true) {
        finish(); // answers still in flight are simply not waited for
        return;
      }
      for (const candidate of closestLive()) {
        if (inFlight >= alpha) break;
        if (candidate.state === 'new') ask(candidate);
      }
      if (inFlight === 0) finish();
    };

    signal?.addEventListener('abort', finish, { once: true });
    pump();
  });
}
