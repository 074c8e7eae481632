/**
 * Which announced items we fetch from whom (Core's TxRequestTracker, simplified): an item is
 * requested from one peer at a time, never while another peer's request for it is live; each
 * peer has at most `maxInFlightPerPeer` requests out and `maxPendingPerPeer` announcements
 * waiting for a free slot (more are forgotten). A request that is not answered within
 * `expiryMs` frees its slot, so a later announcer can be asked instead.
 */
import type { InvItem, InvItemType } from './wire/index.js';

export interface RequestTrackerOptions {
  readonly maxInFlightPerPeer: number;
  readonly maxPendingPerPeer: number;
  readonly expiryMs: number;
  /** Milliseconds; defaults to Date.now. */
  readonly now?: () => number;
}

interface PeerRequests {
  /** key → requested at (ms). */
  readonly requested: Map<string, number>;
  /** Announced, not requested yet, in arrival order; only the key is kept (about 100 bytes an entry, not a Buffer's 250). */
  readonly pending: Map<string, InvItemType>;
}

const keyOf = (hash: Buffer): string => hash.toString('latin1');

export class RequestTracker<P extends object> {
  private readonly options: RequestTrackerOptions;
  private readonly now: () => number;
  /** key → the peer asked for it. */
  private readonly owner = new Map<string, P>();
  private readonly peers = new Map<P, PeerRequests>();

  constructor(options: RequestTrackerOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** Items requested from `peer` and not yet delivered, not-found or expired. */
  inFlight(peer: P): number {
    const state = this.peers.get(peer);
    if (!state) return 0;
    this.expire(state);
    return state.requested.size;
  }

  pending(peer: P): number {
    return this.peers.get(peer)?.pending.size ?? 0;
  }

  /** Is a live request out for this hash (to any peer)? */
  isRequested(hash: Buffer): boolean {
    const key = keyOf(hash);
    const peer = this.owner.get(key);
    if (!peer) return false;
    const state = this.peers.get(peer);
    if (state) this.expire(state);
    return this.owner.has(key);
  }

  /**
   * `peer` announced `items`; `have` says which we already hold. Returns the items to request
   * from it now (at most its free in-flight slots).
   */
  announce(peer: P, items: readonly InvItem[], have: (item: InvItem) => boolean): InvItem[] {
    const state = this.stateOf(peer);
    for (const item of items) {
      if (state.pending.size >= this.options.maxPendingPerPeer) break;
      const key = keyOf(item.hash);
      if (state.requested.has(key) || state.pending.has(key) || this.isRequested(item.hash) || have(item)) continue;
      state.pending.set(key, item.type);
    }
    return this.next(peer, have);
  }

  /** Moves pending announcements of `peer` into free slots; returns what to request now. */
  next(peer: P, have: (item: InvItem) => boolean): InvItem[] {
    const state = this.peers.get(peer);
    if (!state) return [];
    this.expire(state);
    const out: InvItem[] = [];
    const nowMs = this.now();
    for (const [key, type] of state.pending) {
      if (state.requested.size >= this.options.maxInFlightPerPeer) break;
      state.pending.delete(key);
      const item: InvItem = { type, hash: Buffer.from(key, 'latin1') };
      if (this.isRequested(item.hash) || have(item)) continue;
      state.requested.set(key, nowMs);
      this.owner.set(key, peer);
      out.push(item);
    }
    return out;
  }

  /** The item arrived (from anyone): its request is done. Returns the peer it was requested from, if any. */
  received(hash: Buffer): P | undefined {
    const key = keyOf(hash);
    const peer = this.owner.get(key);
    if (!peer) return undefined;
    this.owner.delete(key);
    this.peers.get(peer)?.requested.delete(key);
    return peer;
  }

  /** `peer` answered not-found: its requests for these are done (another announcer may be asked). */
  notFound(peer: P, hashes: readonly Buffer[]): void {
    const state = this.peers.get(peer);
    if (!state) return;
    for (const hash of hashes) {
      const key = keyOf(hash);
      if (this.owner.get(key) !== peer) continue;
      this.owner.delete(key);
      state.requested.delete(key);
    }
  }

  /** The peer left: its requests are free again and its announcements forgotten. */
  removePeer(peer: P): void {
    const state = this.peers.get(peer);
    if (!state) return;
    for (const key of state.requested.keys()) if (this.owner.get(key) === peer) this.owner.delete(key);
    this.peers.delete(peer);
  }

  private stateOf(peer: P): PeerRequests {
    let state = this.peers.get(peer);
    if (!state) {
      state = { requested: new Map(), pending: new Map() };
      this.peers.set(peer, state);
    }
    return state;
  }

  /** Drops the peer's requests older than expiryMs (Map order is request order, so it stops at the first live one). */
  private expire(state: PeerRequests): void {
    const oldest = this.now() - this.options.expiryMs;
    for (const [key, atMs] of state.requested) {
      if (atMs > oldest) break;
      state.requested.delete(key);
      this.owner.delete(key);
    }
  }
}
