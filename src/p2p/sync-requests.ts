/**
 * The block requests of a sync (sync-download.ts): which peer each block is in flight from, what
 * each peer was asked (first or second requests, sync-hedging.ts) in the order asked, when each
 * peer last answered its oldest request (its stall clock), and which peers said they lack a block
 * or stalled on it.
 */
import type { BlockHeader } from '../primitives/block.js';

/** A block asked of its first peer. */
export interface Flight<P> {
  readonly peer: P;
  /** When it was requested. */
  readonly sinceMs: number;
  readonly header: BlockHeader;
}

/** A block's key in every record of a sync. */
export const keyOf = (hash: Buffer): string => hash.toString('latin1');

export class BlockRequests<P> {
  private readonly flights = new Map<string, Flight<P>>();
  /** Each peer's blocks in flight, in the order they were requested (a peer answers a get-data in order). */
  private readonly perPeer = new Map<P, Map<string, number>>();
  /** Numbers every request (first or second) in the order sent: which of a peer's requests came first (SecondRequests.takeOwed()). */
  private requestSeq = 0;
  /**
   * When each peer last answered the oldest request it had in flight (Core's m_downloading_since):
   * from then on it is working on the next one. A peer's stall clock starts here, not at the
   * request, which may be a whole window of blocks earlier.
   */
  private readonly answeredOldestMs = new Map<P, number>();
  /** Peers that said not-found or stalled on a block: not asked for it again in this sync. */
  private readonly lacks = new Map<string, Set<P>>();

  /** Blocks in flight (each counted once, with its first peer). */
  get count(): number {
    return this.flights.size;
  }

  flight(key: string): Flight<P> | undefined {
    return this.flights.get(key);
  }

  /** Requests `peer` has open, first and second ones. */
  openFrom(peer: P): number {
    return this.perPeer.get(peer)?.size ?? 0;
  }

  /** The keys asked of `peer` and not delivered, in the order asked. */
  keysOf(peer: P): IterableIterator<string> | undefined {
    return this.perPeer.get(peer)?.keys();
  }

  /** The number of `peer`'s open request for `key`, if it has one. */
  seqOf(peer: P, key: string): number | undefined {
    return this.perPeer.get(peer)?.get(key);
  }

  /** The number of `peer`'s oldest open request. */
  oldestSeq(peer: P): number | undefined {
    return this.perPeer.get(peer)?.values().next().value;
  }

  /** A first request: the block is in flight from `peer`. */
  ask(peer: P, header: BlockHeader, nowMs: number): void {
    const key = keyOf(header.hash);
    this.flights.set(key, { peer, sinceMs: nowMs, header });
    this.listFor(peer, key);
  }

  /** A second request: `peer` was asked too for a block in flight from another (SecondRequests). */
  askSecond(peer: P, key: string): void {
    this.listFor(peer, key);
  }

  /** `peer`'s request for `key` is closed (answered, refused, withdrawn or handed on). */
  unlist(peer: P, key: string): void {
    this.perPeer.get(peer)?.delete(key);
  }

  /** The block is no longer in flight (delivered, or back in the line). */
  land(key: string): void {
    this.flights.delete(key);
  }

  /** The block is in flight from its second peer now, since that one was asked (its first peer will not send it). */
  handOver(key: string, flight: Flight<P>): void {
    this.flights.set(key, flight);
  }

  /** `key` was answered by `peer`: if it was the oldest it had in flight, it has moved on to the next. */
  noteAnswered(peer: P, key: string, nowMs: number): void {
    if (this.perPeer.get(peer)?.keys().next().value === key) this.answeredOldestMs.set(peer, nowMs);
  }

  /** `peer` is on its next request from now (a late copy that answered an older request). */
  restartClock(peer: P, nowMs: number): void {
    this.answeredOldestMs.set(peer, nowMs);
  }

  /** When `peer` last answered its oldest request; undefined if it never did. */
  answeredAtMs(peer: P): number | undefined {
    return this.answeredOldestMs.get(peer);
  }

  /** Since when `flight`'s peer has been on it: the later of the request and its last answer to its oldest one. */
  onItSinceMs(flight: Flight<P>): number {
    return Math.max(flight.sinceMs, this.answeredOldestMs.get(flight.peer) ?? flight.sinceMs);
  }

  lacked(key: string, peer: P): boolean {
    return this.lacks.get(key)?.has(peer) === true;
  }

  markLacks(key: string, peer: P): void {
    let peers = this.lacks.get(key);
    if (!peers) this.lacks.set(key, (peers = new Set()));
    peers.add(peer);
  }

  /** The block is taken: nobody's "lacks" mark for it matters any more. */
  clearLacks(key: string): void {
    this.lacks.delete(key);
  }

  /**
   * `peer` is gone: its requests and clock are forgotten, and (unless it stalled, and the caller
   * keeps it from being asked again) its "lacks" marks, which would only keep the closed session
   * (and its known-inventory set) alive for the rest of the sync.
   */
  forgetPeer(peer: P, keepLacks: boolean): void {
    this.perPeer.delete(peer);
    this.answeredOldestMs.delete(peer);
    if (keepLacks) return;
    for (const [key, peers] of this.lacks) {
      peers.delete(peer);
      if (peers.size === 0) this.lacks.delete(key);
    }
  }

  /** Peers remembered as lacking some block (tests: a closed peer is not kept). */
  get peersMarkedLacking(): number {
    const peers = new Set<P>();
    for (const set of this.lacks.values()) for (const p of set) peers.add(p);
    return peers.size;
  }

  private listFor(peer: P, key: string): void {
    let keys = this.perPeer.get(peer);
    if (!keys) this.perPeer.set(peer, (keys = new Map()));
    keys.set(key, this.requestSeq++);
  }
}
