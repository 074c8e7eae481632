/**
 * Which announced items we fetch from whom (Core's TxRequestTracker, simplified): every peer
 * that announced an item keeps it as a candidate (at most `maxPendingPerPeer` waiting per peer;
 * more are forgotten), but an item is requested from one peer at a time, and each peer has at
 * most `maxInFlightPerPeer` requests out. When a request ends without the item (not-found,
 * the peer left, or it was not answered within `expiryMs`) the item is requestable again from
 * its other announcers: those calls return the peers to poll with `next`, so an announcer that
 * stalls or leaves cannot make us forget the item. An item that arrived (from anyone) is
 * forgotten for every announcer. An announcement may be held back (`delayMs`: Core's
 * NONPREF_PEER_TX_DELAY for txs from inbound peers), so a peer that is merely first to announce
 * does not get to serve (or withhold) the item before our preferred peers had their chance.
 */
import type { InvItem, InvItemType } from './wire/index.js';
import { ExpiredRequests, newPeerRequests, type PeerRequests, PeersByKey, releaseDue } from './request-tracker-state.js';

export interface RequestTrackerOptions<P> {
  readonly maxInFlightPerPeer: number;
  readonly maxPendingPerPeer: number;
  readonly expiryMs: number;
  /**
   * How long an announcement of `type` by `peer` waits before it may be requested from it
   * (0: at once). Every nonzero delay of one peer must be the same, so its held-back
   * announcements come due in the order they arrived (they are released from the front).
   */
  readonly delayMs?: (peer: P, type: InvItemType) => number;
  /** Milliseconds; defaults to Date.now. */
  readonly now?: () => number;
}

const keyOf = (hash: Buffer): string => hash.toString('latin1');

const NOT_BUSY = (): boolean => false;
const NO_DELAY = (): number => 0;

export class RequestTracker<P extends object> {
  private readonly options: RequestTrackerOptions<P>;
  private readonly now: () => number;
  private readonly delayMs: (peer: P, type: InvItemType) => number;
  /** key → the peer asked for it. */
  private readonly owner = new Map<string, P>();
  /** key → the peers holding it in `pending`: whom to offer it to when its request ends. */
  private readonly candidates = new PeersByKey<P>();
  /** key → the peers in whose `failed` it is; dropped with the item once no peer holds it. */
  private readonly failedBy = new PeersByKey<P>();
  private readonly peers = new Map<P, PeerRequests>();
  /** Expired requests and the peers they freed, not yet returned by `expire()` (request-tracker-state.ts). */
  private readonly expired = new ExpiredRequests<P>();

  constructor(options: RequestTrackerOptions<P>) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.delayMs = options.delayMs ?? NO_DELAY;
  }

  /**
   * When the first of `peer`'s held-back announcements comes due (ms), or undefined if none waits:
   * poll it with `next` then. It may be in the past: announcements that came due since the last
   * `next` stay held until a `next` releases them (they are not moved here, where nobody would ask
   * for them: a timer that fired a millisecond early by Date.now found nothing due in `next`, and
   * the entry came due before this call). No timer loop: `next` releases every entry due by its
   * clock, so an entry due and waiting for a free slot is in `pending`, not here.
   */
  nextDueMs(peer: P): number | undefined {
    const state = this.peers.get(peer);
    if (!state) return undefined;
    for (const { dueMs } of state.held.values()) return dueMs;
    return undefined;
  }

  /** Items requested from `peer` and not yet delivered, not-found or expired. */
  inFlight(peer: P): number {
    const state = this.peers.get(peer);
    if (!state) return 0;
    this.expirePeer(peer, state);
    return state.requested.size;
  }

  /** Announcements of `peer` waiting: for a free slot, for another peer's request to end, or held back. */
  pending(peer: P): number {
    const state = this.peers.get(peer);
    return state === undefined ? 0 : state.pending.size + state.held.size;
  }

  /** The peers holding this hash as a candidate (an announcement not requested from them). */
  candidatesOf(hash: Buffer): P[] {
    return [...this.candidates.peersOf(keyOf(hash))];
  }

  /** Is a live request out for this hash (to any peer)? */
  isRequested(hash: Buffer): boolean {
    return this.isRequestedKey(keyOf(hash));
  }

  /** The peer a live request for this hash is out to, if any. */
  requestedFrom(hash: Buffer): P | undefined {
    const key = keyOf(hash);
    return this.isRequestedKey(key) ? this.owner.get(key) : undefined;
  }

  private isRequestedKey(key: string): boolean {
    const peer = this.owner.get(key);
    if (!peer) return false;
    const state = this.peers.get(peer);
    if (state) this.expirePeer(peer, state);
    return this.owner.has(key);
  }

  /**
   * `peer` announced `items`; `have` says which we already hold. Returns the items to request
   * from it now (at most its free in-flight slots). An item in flight from another peer is kept
   * as a candidate of this one, so it is asked if that request fails; so is an item `busy` says
   * is being fetched some other way (a block rebuilt from a compact block), until it is not.
   */
  announce(peer: P, items: readonly InvItem[], have: (item: InvItem) => boolean, busy: (item: InvItem) => boolean = NOT_BUSY): InvItem[] {
    const state = this.stateOf(peer);
    const nowMs = this.now(); // one announcement's items come due together (one get-data, not one per clock tick)
    for (const item of items) {
      if (state.pending.size + state.held.size + state.failed.size >= this.options.maxPendingPerPeer) break;
      const key = keyOf(item.hash);
      if (state.requested.has(key) || state.pending.has(key) || state.held.has(key) || state.failed.has(key) || have(item)) continue;
      this.addPending(peer, state, key, item.type, nowMs);
    }
    return this.next(peer, have, busy);
  }

  /** Moves pending announcements of `peer` into free slots; returns what to request now (nothing `busy`: those stay candidates). */
  next(peer: P, have: (item: InvItem) => boolean, busy: (item: InvItem) => boolean = NOT_BUSY): InvItem[] {
    const state = this.peers.get(peer);
    if (!state) return [];
    this.expirePeer(peer, state);
    const out: InvItem[] = [];
    const nowMs = this.now();
    releaseDue(state, nowMs);
    for (const [key, type] of state.pending) {
      if (state.requested.size >= this.options.maxInFlightPerPeer) break;
      if (this.isRequestedKey(key)) continue; // stays a candidate of this peer
      const item: InvItem = { type, hash: Buffer.from(key, 'latin1') };
      if (have(item)) {
        this.forget(key);
        continue;
      }
      if (busy(item)) continue; // stays a candidate of this peer
      this.removePending(peer, state, key);
      state.requested.set(key, nowMs);
      this.owner.set(key, peer);
      out.push(item);
    }
    return out;
  }

  /**
   * The item arrived (from anyone): its request is done and no announcer is asked for it again.
   * Returns the peer it was requested from, if any.
   */
  received(hash: Buffer): P | undefined {
    const key = keyOf(hash);
    this.forget(key);
    const peer = this.owner.get(key);
    if (!peer) return undefined;
    this.owner.delete(key);
    this.peers.get(peer)?.requested.delete(key);
    return peer;
  }

  /**
   * `peer` answered not-found: its requests for these are done. Returns the other peers that
   * announced any of them and should be polled with `next`.
   */
  notFound(peer: P, hashes: readonly Buffer[]): P[] {
    const state = this.peers.get(peer);
    if (!state) return [];
    const poll = new Set<P>();
    for (const hash of hashes) {
      const key = keyOf(hash);
      if (this.owner.get(key) !== peer) continue;
      this.owner.delete(key);
      state.requested.delete(key);
      this.addCandidates(key, poll);
      this.markFailed(peer, state, key);
    }
    poll.delete(peer);
    return [...poll];
  }

  /**
   * The peer left: its requests are free again and its announcements forgotten. Returns the
   * peers that announced what it was asked for and should be polled with `next`.
   */
  removePeer(peer: P): P[] {
    const state = this.peers.get(peer);
    if (!state) return [];
    this.peers.delete(peer);
    this.expired.forgetPeer(peer);
    for (const key of state.failed) this.failedBy.remove(key, peer);
    const touched = [...state.failed, ...state.pending.keys(), ...state.held.keys()];
    for (const key of state.pending.keys()) this.candidates.remove(key, peer);
    for (const key of state.held.keys()) this.candidates.remove(key, peer);
    const poll = new Set<P>();
    for (const key of state.requested.keys()) {
      if (this.owner.get(key) !== peer) continue;
      this.owner.delete(key);
      this.addCandidates(key, poll);
      touched.push(key);
    }
    for (const key of touched) this.settle(key);
    return [...poll];
  }

  /**
   * Ends every request older than expiryMs. Returns the peers to poll with `next`: those that
   * announced an expired item, and those whose expired requests freed slots that announcements of
   * theirs wait for (the caller runs this on a timer: nothing else would ask them while the
   * stalled peer stays connected and silent).
   */
  expire(): P[] {
    for (const [peer, state] of this.peers) this.expirePeer(peer, state);
    return this.expired.drain((key, into) => this.addCandidates(key, into), (peer) => (this.peers.get(peer)?.pending.size ?? 0) > 0);
  }

  private stateOf(peer: P): PeerRequests {
    let state = this.peers.get(peer);
    if (!state) {
      state = newPeerRequests();
      this.peers.set(peer, state);
    }
    return state;
  }

  private addPending(peer: P, state: PeerRequests, key: string, type: InvItemType, nowMs: number): void {
    const delayMs = this.delayMs(peer, type);
    if (delayMs > 0) {
      state.held.set(key, { type, dueMs: nowMs + delayMs });
    } else {
      state.pending.set(key, type);
    }
    this.candidates.add(key, peer);
  }

  private removePending(peer: P, state: PeerRequests, key: string): void {
    state.pending.delete(key);
    state.held.delete(key);
    this.candidates.remove(key, peer);
  }

  private markFailed(peer: P, state: PeerRequests, key: string): void {
    state.failed.add(key);
    this.failedBy.add(key, peer);
    this.settle(key);
  }

  /** Once no peer holds the item (as a candidate or a request), its failures are forgotten too. */
  private settle(key: string): void {
    if (this.candidates.has(key) || this.owner.has(key)) return;
    this.dropFailures(key);
  }

  private dropFailures(key: string): void {
    for (const peer of this.failedBy.peersOf(key)) this.peers.get(peer)?.failed.delete(key);
    this.failedBy.delete(key);
  }

  private addCandidates(key: string, into: Set<P>): void {
    for (const peer of this.candidates.peersOf(key)) into.add(peer);
  }

  /** No announcer waits for this item any more (we have it). */
  private forget(key: string): void {
    for (const peer of this.candidates.peersOf(key)) {
      const state = this.peers.get(peer);
      state?.pending.delete(key);
      state?.held.delete(key);
    }
    this.candidates.delete(key);
    this.expired.forgetKey(key);
    this.dropFailures(key);
  }

  /**
   * Drops the peer's requests older than expiryMs (Map order is request order, so it stops at
   * the first live one) and notes them for `expire()`.
   */
  private expirePeer(peer: P, state: PeerRequests): void {
    const oldest = this.now() - this.options.expiryMs;
    for (const [key, atMs] of state.requested) {
      if (atMs > oldest) break;
      state.requested.delete(key);
      if (this.owner.get(key) === peer) this.owner.delete(key);
      this.expired.add(key, peer);
      this.markFailed(peer, state, key);
    }
  }
}
