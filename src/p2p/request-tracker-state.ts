// The request tracker's bookkeeping (request-tracker.ts): each peer's record, the indexes
// from an item's key to the peers that hold it, and what expiries owe the next expire(). Kept
// apart from the policy that moves items between them.
import type { InvItemType } from './wire/index.js';

export interface PeerRequests {
  /** key → requested at (ms). */
  readonly requested: Map<string, number>;
  /**
   * Announced, not requested from this peer yet (possibly in flight from another), in arrival
   * order; only the key is kept (about 100 bytes an entry, not a Buffer's 250). Held-back
   * announcements are not in it until they come due.
   */
  readonly pending: Map<string, InvItemType>;
  /**
   * Held-back announcements (delayMs), in arrival order = due order: kept apart so `next`, which
   * every inv runs, does not walk past them (5,000 held-back entries walked per one-item inv was
   * ~2 s of CPU per second at the inv rate limit); released into `pending` from the front once due.
   * Each with the time before which it is not requested from this peer (ms).
   */
  readonly held: Map<string, { readonly type: InvItemType; readonly dueMs: number }>;
  /**
   * Asked of this peer and not delivered (not-found or expired): a new announcement of it by
   * this peer is ignored while other peers still hold the item (as in Core), so a staller cannot
   * re-announce to be asked again first. Counts toward maxPendingPerPeer.
   */
  readonly failed: Set<string>;
}

export function newPeerRequests(): PeerRequests {
  return { requested: new Map(), pending: new Map(), held: new Map(), failed: new Set() };
}

/** Moves the held-back announcements due by `nowMs` to `pending` (the front of `held`: arrival order is due order). */
export function releaseDue(state: PeerRequests, nowMs: number): void {
  for (const [key, { type, dueMs }] of state.held) {
    if (dueMs > nowMs) return;
    state.held.delete(key);
    state.pending.set(key, type);
  }
}

/** key → the peers it is noted for; a key whose last peer is removed is dropped, so `has` means "some peer holds it". */
export class PeersByKey<P> {
  private readonly map = new Map<string, Set<P>>();

  add(key: string, peer: P): void {
    let peers = this.map.get(key);
    if (!peers) {
      peers = new Set();
      this.map.set(key, peers);
    }
    peers.add(peer);
  }

  remove(key: string, peer: P): void {
    const peers = this.map.get(key);
    if (!peers) return;
    peers.delete(peer);
    if (peers.size === 0) this.map.delete(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  peersOf(key: string): Iterable<P> {
    return this.map.get(key) ?? [];
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}

/**
 * What expiries owe the next `expire()`: the keys of requests that expired (also when found
 * lazily, by any call), whose other announcers it returns, and the peers whose expired requests
 * freed slots: nothing else would ask them for the announcements still waiting for one (a late
 * delivery finds no open request, so its caller polls nobody). Drained by every `expire()`, so
 * bounded by the requests of one interval and by the peers.
 */
export class ExpiredRequests<P> {
  private readonly keys = new Set<string>();
  private readonly freed = new Set<P>();

  /** `peer`'s request for `key` expired. */
  add(key: string, peer: P): void {
    this.keys.add(key);
    this.freed.add(peer);
  }

  /** The item arrived: its announcers need no poll for it. */
  forgetKey(key: string): void {
    this.keys.delete(key);
  }

  /** The peer left. */
  forgetPeer(peer: P): void {
    this.freed.delete(peer);
  }

  /** Empties the record; returns the announcers of the expired items and the freed peers with announcements `waiting`. */
  drain(addCandidates: (key: string, into: Set<P>) => void, waiting: (peer: P) => boolean): P[] {
    const poll = new Set<P>();
    for (const key of this.keys) addCandidates(key, poll);
    this.keys.clear();
    for (const peer of this.freed) if (waiting(peer)) poll.add(peer);
    this.freed.clear();
    return [...poll];
  }
}
