/**
 * The two records a sync keeps of blocks asked of more than one peer (sync-download.ts): the
 * second requests it sends for a run a slow peer holds (hedges), and the copies peers still owe
 * once another peer's copy came first (owed), taken quietly when they arrive.
 */

/** A block asked of a second peer while its first is still on it: who, and since when. */
export interface Hedge<P> {
  readonly peer: P;
  readonly sinceMs: number;
}

/** Block key → the second peer asked for it (at most one per block: a block is asked of two peers at most). */
export class Hedges<P> {
  private readonly byKey = new Map<string, Hedge<P>>();

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  get(key: string): Hedge<P> | undefined {
    return this.byKey.get(key);
  }

  add(key: string, peer: P, sinceMs: number): void {
    this.byKey.set(key, { peer, sinceMs });
  }

  /** Removes and returns the hedge of `key`, if any. */
  take(key: string): Hedge<P> | undefined {
    const hedge = this.byKey.get(key);
    this.byKey.delete(key);
    return hedge;
  }

  get size(): number {
    return this.byKey.size;
  }
}

/**
 * Block key → a peer that was asked for it and has not sent it, though the block came from
 * another peer: its copy is expected and taken quietly rather than judged as a block nobody asked
 * for. With the number of that peer's request (whether the copy answers an old request or a
 * later one: sync-download.ts, takeOwed()). Bounded: past `max` the oldest are forgotten (a peer
 * that never sends what it owes).
 */
export class OwedCopies<P> {
  private readonly byKey = new Map<string, { readonly peer: P; readonly seq: number }>();

  constructor(private readonly max: number) {}

  add(key: string, peer: P, seq: number): void {
    this.byKey.delete(key); // re-inserted last: the oldest entries are the first forgotten
    this.byKey.set(key, { peer, seq });
    if (this.byKey.size > this.max) this.byKey.delete(this.byKey.keys().next().value!);
  }

  /** The number of `peer`'s request for `key` if it owed it (then forgotten), else undefined. */
  take(key: string, peer: P): number | undefined {
    const owed = this.byKey.get(key);
    if (owed?.peer !== peer) return undefined;
    this.byKey.delete(key);
    return owed.seq;
  }

  /** The peer left: it owes nothing any more. */
  forget(peer: P): void {
    for (const [key, owed] of this.byKey) if (owed.peer === peer) this.byKey.delete(key);
  }

  get size(): number {
    return this.byKey.size;
  }
}
