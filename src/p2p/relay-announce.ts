/**
 * The announcing side of relay (relay.ts): what we offer peers with `inv` — a new item to every
 * ready peer that does not know it, the pool to a peer that just connected, old pool txs again on
 * a timer, and the txs a reorg put back once it settles. The fetching side stays in relay.ts.
 */
import { afterPendingIo, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { MAX_REORG_REANNOUNCE_TXS, REBROADCAST_MAX_TXS, REBROADCAST_MIN_AGE_MS } from './constants.js';
import type { Peer } from './peer.js';
import type { RelayMempool, RelayPeers } from './relay-deps.js';
import { MAX_INV_ITEMS, type InvItem } from './wire/index.js';

export interface AnnouncerOptions {
  readonly mempool: RelayMempool;
  readonly peers: RelayPeers;
  readonly clock: Clock;
  readonly logger: Logger;
}

export class Announcer {
  /** Txs a reorg in progress put back, oldest first: re-announced once it settles. */
  private readded: Buffer[] = [];
  private reannounceScheduled = false;

  constructor(private readonly options: AnnouncerOptions) {}

  /** Announces to every ready peer that does not have the item yet, and remembers that it now knows. */
  announce(item: InvItem): number {
    let sent = 0;
    for (const peer of this.options.peers.ready()) {
      if (peer.known.has(item.hash)) continue;
      peer.known.add(item.hash);
      if (peer.send({ kind: 'inv', items: [item] })) sent++;
    }
    return sent;
  }

  /**
   * Offers the pool's txs older than REBROADCAST_MIN_AGE_MS (oldest, so parents, first; at most
   * REBROADCAST_MAX_TXS) to every ready peer again: a peer that lacks one fetches it, one that has
   * it ignores the announcement. Returns the number of inv messages sent.
   */
  rebroadcast(nowMs: number): number {
    const items: InvItem[] = [];
    for (const { tx, addedAtMs } of this.options.mempool.entries()) {
      if (items.length >= REBROADCAST_MAX_TXS) break;
      if (nowMs - addedAtMs >= REBROADCAST_MIN_AGE_MS) items.push({ type: 'tx', hash: tx.txid });
    }
    return items.length === 0 ? 0 : this.offerToAll(items);
  }

  /**
   * A peer that just connected never heard the announcements made while it was away: offer it
   * the pool once (parents first, as entries() orders them), capped at one inv message.
   */
  announcePool(peer: Peer): void {
    const items: InvItem[] = [];
    for (const { tx } of this.options.mempool.entries()) {
      if (items.length >= MAX_INV_ITEMS) break;
      if (peer.known.has(tx.txid)) continue;
      peer.known.add(tx.txid);
      items.push({ type: 'tx', hash: tx.txid });
    }
    if (items.length > 0) peer.send({ kind: 'inv', items });
  }

  /**
   * A tx back from a disconnected block: a peer we announced it to long ago (or whose announcement
   * we answered not-found while it was confirmed here) may not have it. Without this, after a
   * partition healed over surviving sessions the losing side's txs stayed on that side. Not now:
   * the reorg may still evict it (finish() trims the pool) or the new branch confirm it.
   */
  noteReadded(txid: Buffer): void {
    if (this.readded.length < MAX_REORG_REANNOUNCE_TXS * 4) this.readded.push(txid);
  }

  /** The reorg settled: re-announce what it put back. */
  onReorgSettled(): void {
    if (this.reannounceScheduled || this.readded.length === 0) return;
    // The new branch's blocks are connected in the same turn: after them, confirmed txs are gone.
    this.reannounceScheduled = true;
    afterPendingIo(this.options.clock, () => {
      this.reannounceScheduled = false;
      this.reannounceReadded();
    });
  }

  /**
   * Re-added txs still in the pool, at most MAX_REORG_REANNOUNCE_TXS (the rest: see the constant),
   * to every ready peer whether or not it knew them, in one inv each (receivers that have them
   * ignore the items).
   */
  private reannounceReadded(): void {
    const { mempool } = this.options;
    const items: InvItem[] = [];
    const seen = new Set<string>();
    for (const txid of this.readded) {
      if (items.length >= Math.min(MAX_REORG_REANNOUNCE_TXS, MAX_INV_ITEMS)) break;
      const key = txid.toString('latin1');
      if (seen.has(key) || !mempool.has(txid)) continue; // evicted or confirmed: it would be answered not-found
      seen.add(key);
      items.push({ type: 'tx', hash: txid });
    }
    this.readded = [];
    if (items.length === 0) return;
    const peers = this.offerToAll(items);
    this.options.logger.debug({ txs: items.length, peers }, 're-announced transactions a reorg put back');
  }

  /** One inv of `items` to every ready peer, known or not; returns the invs sent. */
  private offerToAll(items: InvItem[]): number {
    let sent = 0;
    for (const peer of this.options.peers.ready()) {
      for (const item of items) peer.known.add(item.hash);
      if (peer.send({ kind: 'inv', items })) sent++;
    }
    return sent;
  }
}
