/**
 * The records a sync keeps of blocks asked of more than one peer (sync-download.ts): the second
 * requests it sends for a run a slow peer holds (hedges), the copies peers still owe once another
 * peer's copy came first (owed), taken quietly when they arrive, and how each peer did when it was
 * the second one asked (helpers).
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

  /** Removes the hedge of `key` if `peer` holds it; true when it did. */
  takeOf(key: string, peer: P): boolean {
    if (this.byKey.get(key)?.peer !== peer) return false;
    this.byKey.delete(key);
    return true;
  }

  get size(): number {
    return this.byKey.size;
  }
}

/**
 * Block key → the peers that were asked for it and have not sent it, though the block came from
 * another peer: their copies are expected and taken quietly rather than judged as blocks nobody
 * asked for. With the number of each one's request (whether a copy answers an old request or a
 * later one: sync-download.ts, takeOwed()). Bounded: past `max` entries the oldest blocks are
 * forgotten (a peer that never sends what it owes).
 */
export class OwedCopies<P> {
  private readonly byKey = new Map<string, Map<P, number>>();
  private entries = 0;

  constructor(private readonly max: number) {}

  add(key: string, peer: P, seq: number): void {
    let owing = this.byKey.get(key);
    if (!owing) this.byKey.set(key, (owing = new Map()));
    if (!owing.has(peer)) this.entries++;
    owing.set(peer, seq);
    while (this.entries > this.max) {
      const [oldestKey, oldest] = this.byKey.entries().next().value!;
      this.entries -= oldest.size;
      this.byKey.delete(oldestKey);
    }
  }

  /** The number of `peer`'s request for `key` if it owed it (then forgotten), else undefined. */
  take(key: string, peer: P): number | undefined {
    const owing = this.byKey.get(key);
    const seq = owing?.get(peer);
    if (!owing || seq === undefined) return undefined;
    owing.delete(peer);
    this.entries--;
    if (owing.size === 0) this.byKey.delete(key);
    return seq;
  }

  /** The peer left: it owes nothing any more. */
  forget(peer: P): void {
    for (const [key, owing] of this.byKey) {
      if (!owing.delete(peer)) continue;
      this.entries--;
      if (owing.size === 0) this.byKey.delete(key);
    }
  }

  /** Copies owed in all. */
  get size(): number {
    return this.entries;
  }
}

/**
 * How each peer did as a second peer: needed blocks it sent first, and second requests it lost for
 * not sending the needed block in time. A peer that lost more than it sent is asked to help only
 * when no peer in good standing can (preferred()): each time a helper withholds, the chain waits
 * `hedgeAfterMs` more before the next one is asked, so without this record every withholding peer
 * cost that much on every slow run of the sync. Ranked, not excluded: an honest helper that was late
 * once (a far peer, a large block) is still asked when nobody better can be, and earns its standing
 * back with its next delivery; a withholder asked last can still be replaced by it. At most one
 * credit is banked (sent ≤ lost + 1): a run of deliveries does not buy a run of withholds. One entry
 * per connected peer (forget() on its drop).
 */
export class HelperRecords<P> {
  private readonly byPeer = new Map<P, { sent: number; lost: number }>();

  /** `peer` sent the needed block first, asked as a second peer (or just withdrawn as one). */
  sent(peer: P): void {
    const record = this.recordOf(peer);
    record.sent = Math.min(record.sent + 1, record.lost + 1);
  }

  /** `peer` lost its second requests: it had not sent the needed block in time. */
  lost(peer: P): void {
    this.recordOf(peer).lost++;
  }

  /** Whether `peer` is in good standing: it has sent at least as many needed blocks as it withheld. */
  preferred(peer: P): boolean {
    const record = this.byPeer.get(peer);
    return record === undefined || record.lost <= record.sent;
  }

  forget(peer: P): void {
    this.byPeer.delete(peer);
  }

  get size(): number {
    return this.byPeer.size;
  }

  private recordOf(peer: P): { sent: number; lost: number } {
    let record = this.byPeer.get(peer);
    if (!record) this.byPeer.set(peer, (record = { sent: 0, lost: 0 }));
    return record;
  }
}
