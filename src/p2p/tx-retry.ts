/**
 * Transactions a peer sent us that our pool refused for a reason a new block can lift: too many
 * unconfirmed ancestors or descendants, a fee below a full pool's minimum, an immature block
 * reward. After the next block they are asked of that peer again. Without this, a chain of
 * unconfirmed txs longer than txpool.maxAncestors — which a reorg puts back into the losing
 * side's pools unchecked, as Core's does — stays on that side for good: its nodes announce it
 * once, the other side refuses the tail, and nobody announces it again (Core leans on its
 * wallets' periodic rebroadcast; our pool is the wallet's only record). Bounded in all and per peer
 * (a stranger's refused junk cannot crowd out others), asked at most MAX_RETRY_AFTER_BLOCK_ATTEMPTS times.
 */
// Which refusals are retried: RETRY_AFTER_BLOCK_CODES in misbehaviour.ts, with the other policy on peers' txs.

interface RetryEntry<P> {
  readonly txid: Buffer;
  /** The first peer that sent it: a later sender (perhaps one about to leave) does not take it over. */
  readonly peer: P;
  /** Times it was asked again already. */
  attempts: number;
  /** False while the reason it was refused still holds (a retry would be refused again): not asked, no attempt counted. */
  readonly ready: () => boolean;
}

export interface TxRetryListOptions {
  /** Entries in all. */
  capacity: number;
  /** Entries of one peer: a stranger's junk cannot take the whole list. */
  perPeer: number;
  /**
   * Asks per txid, then it is forgotten: a tx the peer no longer has (or never delivers) is not
   * asked again block after block. One it delivers and we refuse again is listed afresh by that
   * refusal (a chain that needs several blocks keeps moving); each such round costs the peer a
   * delivery, and its share stays capped by `perPeer`.
   */
  maxAttempts: number;
}

export class TxRetryList<P> {
  /** Insertion order = refusal order: a chain's parents are asked again before their children. */
  private readonly entries = new Map<string, RetryEntry<P>>();
  private readonly perPeer = new Map<P, number>();

  constructor(private readonly options: TxRetryListOptions) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * Remembers that `peer` has `txid`. A txid already listed keeps its first sender and attempt
   * count. A peer at its cap has its own oldest entry forgotten; a full list forgets the oldest
   * entry of the peer holding the most, so one peer's flood never evicts another's entries first.
   */
  add(txid: Buffer, peer: P, ready: () => boolean = () => true): void {
    const key = txid.toString('latin1');
    if (this.entries.has(key)) return;
    if ((this.perPeer.get(peer) ?? 0) >= this.options.perPeer) this.evictOldestOf(peer);
    else if (this.entries.size >= this.options.capacity) this.evictOldestOf(this.largestPeer());
    this.entries.set(key, { txid, peer, attempts: 0, ready });
    this.perPeer.set(peer, (this.perPeer.get(peer) ?? 0) + 1);
  }

  /** The tx was confirmed, admitted, or is otherwise no longer worth asking for. */
  remove(txid: Buffer): void {
    const key = txid.toString('latin1');
    const entry = this.entries.get(key);
    if (entry) this.delete(key, entry);
  }

  removePeer(peer: P): void {
    for (const [key, entry] of this.entries) if (entry.peer === peer) this.delete(key, entry);
  }

  /**
   * The txids to ask again now, per peer, oldest first, at most `batchPerPeer` each. Each taken
   * entry counts an attempt and is forgotten after its last, or else moves behind the entries not
   * asked yet; the ones not taken (over the batch, or not ready) wait for the next call. Entries
   * `skip` names are forgotten.
   */
  take(batchPerPeer: number, skip: (txid: Buffer) => boolean = () => false): Map<P, Buffer[]> {
    const byPeer = new Map<P, Buffer[]>();
    const asked: Array<[string, RetryEntry<P>]> = [];
    for (const [key, entry] of this.entries) {
      if (skip(entry.txid)) {
        this.delete(key, entry);
        continue;
      }
      let list = byPeer.get(entry.peer);
      if (!list) byPeer.set(entry.peer, (list = []));
      if (list.length >= batchPerPeer || !entry.ready()) continue;
      list.push(entry.txid);
      entry.attempts++;
      this.delete(key, entry);
      if (entry.attempts < this.options.maxAttempts) asked.push([key, entry]);
    }
    // Behind the ones not asked yet: a peer's next batch starts with those, not with repeats.
    for (const [key, entry] of asked) {
      this.entries.set(key, entry);
      this.perPeer.set(entry.peer, (this.perPeer.get(entry.peer) ?? 0) + 1);
    }
    for (const [peer, list] of byPeer) if (list.length === 0) byPeer.delete(peer);
    return byPeer;
  }

  private delete(key: string, entry: RetryEntry<P>): void {
    this.entries.delete(key);
    const n = (this.perPeer.get(entry.peer) ?? 1) - 1;
    if (n > 0) this.perPeer.set(entry.peer, n);
    else this.perPeer.delete(entry.peer);
  }

  private evictOldestOf(peer: P | undefined): void {
    for (const [key, entry] of this.entries) {
      if (entry.peer === peer) return this.delete(key, entry);
    }
  }

  private largestPeer(): P | undefined {
    let best: P | undefined;
    let most = 0;
    for (const [peer, n] of this.perPeer) {
      if (n > most) {
        best = peer;
        most = n;
      }
    }
    return best;
  }
}
