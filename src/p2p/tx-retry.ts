/**
 * Transactions a peer sent us that our pool refused for a reason a new block can lift: too many
 * unconfirmed ancestors or descendants, a fee below a full pool's minimum, an immature block
 * reward. After the next block they are asked of that peer again. Without this, a chain of
 * unconfirmed txs longer than txpool.maxAncestors — which a reorg puts back into the losing
 * side's pools unchecked, as Core's does — stays on that side for good: its nodes announce it
 * once, the other side refuses the tail, and nobody announces it again (Core leans on its
 * wallets' periodic rebroadcast; our pool is the wallet's only record). Bounded, oldest first out.
 */
import type { MempoolErrorCode } from '../mempool/errors.js';

/** Refusals that a connected block can turn into acceptance. */
export const RETRY_AFTER_BLOCK_CODES: ReadonlySet<MempoolErrorCode> = new Set<MempoolErrorCode>([
  'too-many-ancestors',
  'too-many-descendants',
  'mempool-full',
  'mempool-min-fee-not-met',
  'bad-txns-premature-spend-of-coinbase',
]);

export class TxRetryList<P> {
  /** Insertion order = refusal order: a chain's parents are asked again before their children. */
  private readonly entries = new Map<string, { readonly txid: Buffer; readonly peer: P }>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** Remembers that `peer` has `txid`; beyond the capacity the oldest entry is forgotten. */
  add(txid: Buffer, peer: P): void {
    const key = txid.toString('latin1');
    this.entries.delete(key);
    this.entries.set(key, { txid, peer });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  removePeer(peer: P): void {
    for (const [key, entry] of this.entries) if (entry.peer === peer) this.entries.delete(key);
  }

  /** Empties the list: the txids to ask again, per peer, oldest first. */
  takeByPeer(): Map<P, Buffer[]> {
    const byPeer = new Map<P, Buffer[]>();
    for (const { txid, peer } of this.entries.values()) {
      const list = byPeer.get(peer);
      if (list) list.push(txid);
      else byPeer.set(peer, [txid]);
    }
    this.entries.clear();
    return byPeer;
  }
}
