/**
 * Second requests for a slow peer's run (sync-download.ts asks them first, before blocks further
 * ahead). Core's download (and this sync's stall rule) keeps a peer that answers each request
 * within the block-stall timeout, however slowly: a peer on a poor line, or one dripping its blocks
 * on purpose, holds the chain to its pace for every run of its window while the others idle (in
 * the lab, a third source at 0.5 Mbit/s made a sync from two at 10 Mbit/s 1.6× slower). So once
 * the needed block has been in flight from the same peer for `hedgeAfterMs` (its consecutive
 * blocks counting as one hold), that peer has sent something meanwhile (one that sends nothing is
 * left to the stall rule), and another peer that could send it has half its window free, that
 * one is asked for it too, with the rest of the first peer's run as far as its window allows; the
 * first copy of each is taken, the other quietly (takeOwed()). The first peer keeps its requests
 * — a helper that withholds gains nothing, and the first peer is not blamed for what it does —
 * and a block is asked of two peers at a time at most: a second request costs bandwidth, never a
 * peer. A helper that has not sent the needed block within `hedgeAfterMs` either loses its second
 * requests to another, and is asked again only when no peer in good standing can help, until it
 * has sent as many needed blocks as it withheld (HelperRecords): a withholder no longer costs the
 * sync one `hedgeAfterMs` on every slow run.
 */
import type { BlockHeader } from '../primitives/block.js';
import { type Hedge, HelperRecords, Hedges, OwedCopies } from './sync-duplicates.js';
import { type BlockRequests, type Flight, keyOf } from './sync-requests.js';
import type { InvItem } from './wire/index.js';

/** Copies owed by peers whose block came from another, remembered at most (sync-duplicates.ts). */
const MAX_OWED_COPIES = 4_096;

export interface SecondRequestsOptions<P> {
  readonly perPeerWindow: number;
  readonly hedgeAfterMs: number;
  /** Whether `peer` can be asked for the block of `header` (it is ahead far enough). */
  readonly serves: (peer: P, header: BlockHeader) => boolean;
}

export class SecondRequests<P> {
  /** Blocks of a slow peer's run asked of a second peer too. */
  private readonly hedges = new Hedges<P>();
  /** Copies still expected from peers whose block came from another (takeOwed()). */
  private readonly owed = new OwedCopies<P>(MAX_OWED_COPIES);
  /** Who sent or withheld the needed block when asked as the second peer (a withholder is not asked again). */
  private readonly helpers = new HelperRecords<P>();
  /**
   * The peer the needed block has been in flight from, and since when this download has seen the
   * needed block in flight from it (across its consecutive blocks: a peer that sends each block of
   * its run in time still holds the chain for the whole run).
   */
  private holder: { readonly peer: P; readonly sinceMs: number } | undefined;

  constructor(
    private readonly requests: BlockRequests<P>,
    private readonly options: SecondRequestsOptions<P>,
  ) {}

  /** Who the block the chain needs next (`needed`) is in flight from now (the hold's clock); undefined when nobody. */
  noteHolder(needed: BlockHeader | undefined, nowMs: number): Flight<P> | undefined {
    const flight = needed && this.requests.flight(keyOf(needed.hash));
    if (!flight) this.holder = undefined;
    else if (this.holder?.peer !== flight.peer) this.holder = { peer: flight.peer, sinceMs: nowMs };
    return flight;
  }

  /** Asks a helper for the held run, when the hold has lasted (see the file's comment); adds its get-data items to `out`. */
  askHelper(needed: BlockHeader | undefined, peers: readonly P[], nowMs: number, out: Map<P, InvItem[]>): void {
    const flight = this.noteHolder(needed, nowMs);
    if (!flight || !this.holder) return;
    const { header } = flight;
    const key = keyOf(header.hash);
    if (nowMs - this.holder.sinceMs < this.options.hedgeAfterMs) return;
    // One that answered nothing since it came to hold the needed block is a staller, not slow: the stall rule drops it.
    if ((this.requests.answeredAtMs(flight.peer) ?? Number.NEGATIVE_INFINITY) <= this.holder.sinceMs) return;
    const hedge = this.hedges.get(key);
    // Its second peer has not sent it either within as long: another one is asked instead, if there
    // is one (a withholding helper first in line would otherwise cancel the help for good).
    if (hedge && nowMs - hedge.sinceMs < this.options.hedgeAfterMs) return;
    const window = this.options.perPeerWindow;
    const able = (p: P): boolean => p !== flight.peer && p !== hedge?.peer && this.mayAsk(p, key, header) && this.requests.openFrom(p) <= window / 2;
    // One that withheld the needed block more often than it sent it only when no other can help (HelperRecords).
    const helper = peers.find((p) => able(p) && this.helpers.preferred(p)) ?? peers.find(able);
    if (helper === undefined) return;
    if (hedge) this.withdraw(hedge.peer, flight.peer);
    let items = out.get(helper);
    // The holder's requests in the order it was asked (its run), from the needed block on.
    let fromHead = false;
    for (const runKey of this.requests.keysOf(flight.peer) ?? []) {
      fromHead ||= runKey === key;
      if (!fromHead) continue;
      if (this.requests.openFrom(helper) >= window) break;
      const runHeader = this.requests.flight(runKey)?.header;
      if (!runHeader || this.hedges.has(runKey) || !this.mayAsk(helper, runKey, runHeader)) continue;
      this.hedges.add(runKey, helper, nowMs);
      this.requests.askSecond(helper, runKey);
      if (!items) out.set(helper, (items = []));
      items.push({ type: 'block', hash: runHeader.hash });
    }
  }

  /**
   * The block of `flight` arrived from `peer`, and it was the one the chain needs next or not
   * (`needed`): the second request of it, if any, is closed, and whoever of the two did not send
   * it owes its copy. Call before the flight itself is closed (the owed copies keep their numbers).
   */
  delivered(key: string, flight: Flight<P>, peer: P, needed: boolean, nowMs: number): void {
    if (flight.peer !== peer) this.owe(key, flight.peer);
    // Owed while the block is still in flight: `peer` was a second peer, withdrawn as late, and its copy came first after all.
    if (this.owed.take(key, peer) !== undefined && needed) this.helpers.sent(peer);
    const hedge = this.hedges.take(key);
    if (!hedge) return;
    if (hedge.peer === peer) {
      this.requests.noteAnswered(peer, key, nowMs);
      // What a helper is judged on: the block the chain needs, sent first (withdraw() is the other side).
      if (needed) this.helpers.sent(peer);
    } else {
      this.owe(key, hedge.peer);
    }
    this.requests.unlist(hedge.peer, key);
  }

  /**
   * A block the download did not take: true when `peer` still owed it (asked of it, and another
   * peer's copy came first): its late copy, dropped quietly rather than treated as a block nobody
   * asked for.
   */
  takeOwed(peer: P, key: string, nowMs: number): boolean {
    const seq = this.owed.take(key, peer);
    if (seq === undefined) return false;
    // A copy of what it was asked before its oldest request still open: it works through its
    // requests in order, so its stall clock restarts as for an answer to its oldest. A copy of a
    // later request does not: another peer delivering a withholder's other blocks must not keep
    // the withholder's clock running forever.
    const oldestSeq = this.requests.oldestSeq(peer);
    if (oldestSeq !== undefined && seq < oldestSeq) this.requests.restartClock(peer, nowMs);
    return true;
  }

  /** Closes `peer`'s second request of `key` if it has one (not-found, or it left); true when it did. The first peer is still on it. */
  dropSecond(key: string, peer: P): boolean {
    return this.hedges.takeOf(key, peer);
  }

  /** The first peer will not send `key`: the second peer asked for it, if any, which then holds it alone. */
  takeOver(key: string): Hedge<P> | undefined {
    return this.hedges.take(key);
  }

  /** The peer left: it owes nothing, and its record as a helper goes. */
  forget(peer: P): void {
    this.owed.forget(peer);
    this.helpers.forget(peer);
  }

  /**
   * `helper`'s second requests for `holder`'s blocks are withdrawn: its copies are still taken
   * quietly if they come (owed), and it is not asked for those blocks again in this sync.
   */
  private withdraw(helper: P, holder: P): void {
    this.helpers.lost(helper);
    for (const key of [...(this.requests.keysOf(helper) ?? [])]) {
      if (this.requests.flight(key)?.peer !== holder || !this.hedges.takeOf(key, helper)) continue;
      this.owe(key, helper);
      this.requests.unlist(helper, key);
      this.requests.markLacks(key, helper);
    }
  }

  private mayAsk(peer: P, key: string, header: BlockHeader): boolean {
    return !this.requests.lacked(key, peer) && this.options.serves(peer, header);
  }

  /** `peer` was asked for `key` and another's copy came first: its own copy is owed (takeOwed()). */
  private owe(key: string, peer: P): void {
    const seq = this.requests.seqOf(peer, key);
    if (seq !== undefined) this.owed.add(key, peer, seq);
  }
}
