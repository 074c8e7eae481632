/**
 * What compact block relay keeps per peer: whether it speaks compact blocks, the rebuilds waiting
 * for its block-txn, the blocks whose txs we asked it for, and the blocks whose compact form from
 * it is not rebuilt again. The remembered sets are bounded here; the rebuilds by the caller
 * (MAX_PENDING_COMPACT_BLOCKS_PER_PEER, MAX_PENDING_COMPACT_BLOCKS).
 */
import { BLOCK_TXN_REQUESTS_REMEMBERED, COMPACT_BLOCK_TXN_TIMEOUT_MS, FULL_ONLY_BLOCKS_PER_PEER_REMEMBERED } from '../constants.js';
import { BoundedHashSet } from '../../util/bounded-hash-set.js';
import type { Peer } from '../peer.js';
import type { PartialBlock } from './partial-block.js';

export interface Pending {
  readonly partial: PartialBlock;
  readonly askedAtMs: number;
}

export interface PeerCompactState {
  /** The peer sent send-compact version 1: it understands cmpct-block. */
  speaksCompact: boolean;
  readonly pending: Map<string, Pending>;
  readonly requested: BoundedHashSet;
  /** Blocks whose rebuild failed through this peer's own message: fetched whole when it announces them. */
  readonly fullOnly: BoundedHashSet;
}

export const hashKey = (hash: Buffer): string => hash.toString('latin1');

export class CompactPeerStates {
  private readonly state = new Map<Peer, PeerCompactState>();

  get(peer: Peer): PeerCompactState | undefined {
    return this.state.get(peer);
  }

  /** The peer's state, made on first use. */
  of(peer: Peer): PeerCompactState {
    let state = this.state.get(peer);
    if (!state) {
      state = {
        speaksCompact: false,
        pending: new Map(),
        requested: new BoundedHashSet(BLOCK_TXN_REQUESTS_REMEMBERED),
        fullOnly: new BoundedHashSet(FULL_ONLY_BLOCKS_PER_PEER_REMEMBERED),
      };
      this.state.set(peer, state);
    }
    return state;
  }

  /** Forgets the peer; returns the rebuilds it left unfinished. */
  drop(peer: Peer): Iterable<Pending> {
    const pending = this.state.get(peer)?.pending;
    this.state.delete(peer);
    return pending?.values() ?? [];
  }

  /** A get-block-txn for this block is out to some peer. */
  isRebuilding(hash: Buffer): boolean {
    const key = hashKey(hash);
    for (const state of this.state.values()) if (state.pending.has(key)) return true;
    return false;
  }

  /** Peers whose block-txn for `hash` we are waiting for. */
  rebuildsOf(hash: Buffer): number {
    const key = hashKey(hash);
    let count = 0;
    for (const state of this.state.values()) if (state.pending.has(key)) count++;
    return count;
  }

  /** Rebuilds waiting for a block-txn, all peers together. */
  pendingTotal(): number {
    let total = 0;
    for (const state of this.state.values()) total += state.pending.size;
    return total;
  }

  /** Every peer's rebuild of `hash` ends (`requested` keeps the hash: a block-txn still coming is late). */
  endRebuilds(hash: Buffer): void {
    const key = hashKey(hash);
    for (const state of this.state.values()) state.pending.delete(key);
  }

  /** Ends and returns the rebuilds whose get-block-txn is COMPACT_BLOCK_TXN_TIMEOUT_MS old at `nowMs`. */
  takeTimedOut(nowMs: number): Array<{ peer: Peer; hash: Buffer }> {
    const timedOut: Array<{ peer: Peer; hash: Buffer }> = [];
    for (const [peer, state] of this.state) {
      for (const [key, pending] of state.pending) {
        if (nowMs - pending.askedAtMs < COMPACT_BLOCK_TXN_TIMEOUT_MS) continue;
        state.pending.delete(key);
        timedOut.push({ peer, hash: pending.partial.header.hash });
      }
    }
    return timedOut;
  }
}
