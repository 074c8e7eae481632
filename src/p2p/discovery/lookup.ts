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
  /** Ask one node for its closest nodes to target; undefined (or a rejection) means it failed. */
  query(node: T): Promise<readonly T[] | undefined>;
  readonly signal?: AbortSignal;
}

type State = 'new' | 'asking' | 'answered' | 'failed';

interface Candidate<T> {
  readonly node: T;
  state: State;
}

/**
 * Iterative Kademlia lookup: keep α queries in flight to the closest not-yet-asked candidates;
 * each answer adds candidates; stop when the k closest live candidates have all been asked (no
 * closer node turned up). Returns the k closest nodes that answered, closest first.
 */
export function iterativeLookup<T extends LookupNode>(options: LookupOptions<T>): Promise<T[]> {
  const { target, k, alpha, signal } = options;
  const candidates = new Map<string, Candidate<T>>();
  const offer = (node: T): void => {
    const key = node.id.toString('hex');
    if (!node.id.equals(options.selfId) && !candidates.has(key)) candidates.set(key, { node, state: 'new' });
  };
  for (const node of options.seeds) offer(node);

  const closestLive = (): Candidate<T>[] =>
    [...candidates.values()]
      .filter((c) => c.state !== 'failed')
      .sort((a, b) => compareDistance(target, a.node.id, b.node.id))
      .slice(0, k);

  const result = (): T[] =>
    [...candidates.values()]
      .filter((c) => c.state === 'answered')
      .sort((a, b) => compareDistance(target, a.node.id, b.node.id))
      .slice(0, k)
      .map((c) => c.node);

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
          candidate.state = found === undefined ? 'failed' : 'answered';
          for (const node of found ?? []) offer(node);
        },
        () => {
          candidate.state = 'failed';
        },
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
