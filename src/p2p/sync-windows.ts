/**
 * Each peer's share of the block download (sync-download.ts): `perPeerWindow` blocks in flight at
 * most, halved each time another peer, asked too for the block the chain needed, sent it first
 * while this one held it (sync-hedging.ts: proof this one is slower), and grown back by one block
 * for each window's worth of its own blocks it delivers (additive increase, multiplicative
 * decrease, as TCP's congestion window). A lone peer is never halved: there is no one to compare.
 * Why: a peer on a slow line holds the chain for as long as its run takes to arrive, and second
 * requests only start after `hedgeAfterMs`; a shorter run holds it for less, while the peer still
 * sends what its link carries. In the lab a 0.5 Mbit/s source beside two at 10 Mbit/s took runs of
 * 16 blocks (1.8 s each through its link). Being halved costs a peer nothing but its place at the
 * front of the line: it is no punishment.
 */

/** A peer's window never shrinks below this: a slow peer still has a block in flight. */
const MIN_PEER_WINDOW_BLOCKS = 1;

export class PeerWindows<P> {
  /** Peers whose window is below the maximum (one entry per connected peer at most; forget() on its drop). */
  private readonly byPeer = new Map<P, { limit: number; delivered: number }>();

  constructor(private readonly maxBlocks: number) {}

  /** True for a peer whose window is below the maximum: another peer proved faster, and it has not grown back yet. */
  isSlow(peer: P): boolean {
    return this.byPeer.has(peer);
  }

  /** Blocks `peer` may have in flight now. */
  of(peer: P): number {
    return this.byPeer.get(peer)?.limit ?? this.maxBlocks;
  }

  /** Another peer sent the block the chain needed first while `peer` held it: its window halves. */
  shrink(peer: P): void {
    const limit = Math.max(MIN_PEER_WINDOW_BLOCKS, Math.floor(this.of(peer) / 2));
    this.byPeer.set(peer, { limit, delivered: 0 });
  }

  /** `peer` delivered a block it was asked for first: a window's worth of them grows its window by one. */
  delivered(peer: P): void {
    const record = this.byPeer.get(peer);
    if (!record) return;
    if (++record.delivered < record.limit) return;
    record.limit++;
    record.delivered = 0;
    if (record.limit >= this.maxBlocks) this.byPeer.delete(peer);
  }

  forget(peer: P): void {
    this.byPeer.delete(peer);
  }

  /** Peers with a window below the maximum (tests). */
  get size(): number {
    return this.byPeer.size;
  }
}
