/**
 * Which block body of a sync is fetched from whom (Core's block download, simplified): the
 * headers of the sync, in chain order, are requested up to `perPeerWindow` per peer and
 * `globalWindow` ahead of the next block the chain needs, in consecutive runs over every peer
 * that has them. A block comes back from anyone; one that was not delivered (not-found, its
 * peer stalled or left) goes back to the front of the line for the other peers. Downloaded
 * blocks wait here until the session hands them to the chain in order (bounded in bytes).
 */
import type { Block, BlockHeader } from '../primitives/block.js';
import { Hedges, OwedCopies } from './sync-duplicates.js';
import type { InvItem } from './wire/index.js';

export interface BlockDownloadOptions<P> {
  readonly perPeerWindow: number;
  readonly globalWindow: number;
  readonly maxBufferedBytes: number;
  /**
   * The block the chain needs next, in flight this long from one peer while another that could
   * send it has half its window free, is asked of that one too, with the rest of the first's run
   * as far as its window allows (hedgeHeld()).
   */
  readonly hedgeAfterMs: number;
  /** The chain already has this block (arrived by relay, or before the sync). */
  readonly have: (hash: Buffer) => boolean;
  /** Whether `peer` can be asked for the block of `header` (it is ahead far enough). */
  readonly serves: (peer: P, header: BlockHeader) => boolean;
}

interface Flight<P> {
  readonly peer: P;
  /** When it was requested. */
  readonly sinceMs: number;
  readonly header: BlockHeader;
}

/** A downloaded block and who sent it (who answers for it if it is invalid). */
export interface Downloaded<P> {
  readonly block: Block;
  readonly from: P;
}

/** Copies owed by peers whose block came from another, remembered at most (sync-duplicates.ts). */
const MAX_OWED_COPIES = 4_096;

/** The queue is compacted once this many connected headers sit in front of it. */
const COMPACT_AFTER_HEADERS = 4_096;

const keyOf = (hash: Buffer): string => hash.toString('latin1');

export class BlockDownload<P extends object> {
  private queue: BlockHeader[] = [];
  /** Index of the next header to hand to the chain. */
  private head = 0;
  /** Index of the next header never requested yet. */
  private nextToRequest = 0;
  /** Requested once and not delivered: asked again first, of another peer. */
  private readonly retry = new Map<string, BlockHeader>();
  private readonly inFlight = new Map<string, Flight<P>>();
  /** Each peer's blocks in flight, in the order they were requested (a peer answers a get-data in order). */
  private readonly perPeer = new Map<P, Map<string, number>>();
  /** Numbers every request (first or second) in the order sent: which of a peer's requests came first (takeOwed()). */
  private requestSeq = 0;
  /**
   * When each peer last answered the oldest request it had in flight (Core's m_downloading_since):
   * from then on it is working on the next one. A peer's stall clock starts here, not at the
   * request, which may be a whole window of blocks earlier.
   */
  private readonly answeredOldestMs = new Map<P, number>();
  /** Peers that said not-found or stalled on a block: not asked for it again in this sync. */
  private readonly lacks = new Map<string, Set<P>>();
  private readonly downloaded = new Map<string, Downloaded<P>>();
  /** Blocks of a slow peer's run asked of a second peer too (hedgeHeld()). */
  private readonly hedges = new Hedges<P>();
  /** Copies still expected from peers whose block came from another (takeOwed()). */
  private readonly owed = new OwedCopies<P>(MAX_OWED_COPIES);
  /**
   * The peer the needed block has been in flight from, and since when this download has seen the
   * needed block in flight from it (across its consecutive blocks: a peer that sends each block of
   * its run in time still holds the chain for the whole run).
   */
  private holder: { readonly peer: P; readonly sinceMs: number } | undefined;
  private bufferedBytes = 0;
  /** Most bodies ever in flight at once (stats). */
  peak = 0;

  constructor(private readonly options: BlockDownloadOptions<P>) {}

  /** Headers queued and not handed to the chain yet. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  inFlightFrom(peer: P): number {
    return this.perPeer.get(peer)?.size ?? 0;
  }

  /** Appends headers that continue the queue (the session checked the linkage). */
  add(headers: readonly BlockHeader[]): void {
    for (const header of headers) this.queue.push(header);
  }

  /**
   * Gives each peer with free slots the next blocks it can serve, a run of consecutive blocks per
   * peer (Core's FindNextBlocksToDownload): a source reads and sends neighbouring blocks, and one
   * get-data carries a peer's whole window. Round-robin (every peer every Nth block) gave 0.83–0.95×
   * of one source in the sync-multi bench, consecutive runs 0.92–1.12× (mean 1.01); under load the
   * two differ by less than the noise (docs/architecture.md, "sync-multi on this machine").
   * Returns the get-data items per peer.
   */
  schedule(peers: readonly P[], nowMs: number): Map<P, InvItem[]> {
    const out = new Map<P, InvItem[]>();
    // The needed block first: a peer with room helps with a slow peer's run before it asks for blocks further ahead.
    this.hedgeHeld(peers, nowMs, out);
    for (const peer of peers) {
      while (this.inFlightFrom(peer) < this.options.perPeerWindow) {
        const header = this.nextFor(peer);
        if (!header) break;
        this.request(peer, header, nowMs);
        let items = out.get(peer);
        if (!items) out.set(peer, (items = []));
        items.push({ type: 'block', hash: header.hash });
      }
    }
    this.noteHolder(nowMs); // the needed block may have just been asked for
    this.peak = Math.max(this.peak, this.inFlight.size);
    return out;
  }

  /** Who the needed block is in flight from now (hedgeHeld()'s clock); undefined when nobody. */
  private noteHolder(nowMs: number): Flight<P> | undefined {
    const header = this.queue[this.head];
    const flight = header && this.inFlight.get(keyOf(header.hash));
    if (!flight) this.holder = undefined;
    else if (this.holder?.peer !== flight.peer) this.holder = { peer: flight.peer, sinceMs: nowMs };
    return flight;
  }

  /**
   * Core's download (and this one's stall rule) keeps a peer that answers each request within the
   * block-stall timeout, however slowly: a peer on a poor line, or one dripping its blocks on
   * purpose, holds the chain to its pace for every run of its window while the others idle (in the
   * lab, a third source at 0.5 Mbit/s made a sync from two at 10 Mbit/s 1.6× slower). So once the
   * needed block has been in flight from the same peer for `hedgeAfterMs` (its consecutive blocks
   * counting as one hold), that peer has sent something meanwhile (one that sends nothing is left
   * to the stall rule), and another peer that could send it has half its window free, that one
   * is asked for it too, with the rest of the first peer's run as far as its window allows; the
   * first copy of each is taken, the other quietly (takeOwed()). The first peer keeps its requests
   * — a helper that withholds gains nothing, and the first peer is not blamed for what it does —
   * and a block is asked of two peers at a time at most: a second request costs bandwidth, never
   * a peer. A helper that has not sent the needed block within `hedgeAfterMs` either loses its
   * second requests to another.
   */
  private hedgeHeld(peers: readonly P[], nowMs: number, out: Map<P, InvItem[]>): void {
    const flight = this.noteHolder(nowMs);
    if (!flight || !this.holder) return;
    const { header } = flight;
    const key = keyOf(header.hash);
    if (nowMs - this.holder.sinceMs < this.options.hedgeAfterMs) return;
    // One that answered nothing since it came to hold the needed block is a staller, not slow: staller() drops it.
    if ((this.answeredOldestMs.get(flight.peer) ?? Number.NEGATIVE_INFINITY) <= this.holder.sinceMs) return;
    const hedge = this.hedges.get(key);
    // Its second peer has not sent it either within as long: another one is asked instead, if there
    // is one (a withholding helper first in line would otherwise cancel the help for good).
    if (hedge && nowMs - hedge.sinceMs < this.options.hedgeAfterMs) return;
    const helper = peers.find((p) => p !== flight.peer && p !== hedge?.peer && this.mayHedge(p, key, header) && this.inFlightFrom(p) <= this.options.perPeerWindow / 2);
    if (helper === undefined) return;
    if (hedge) this.withdrawHedges(hedge.peer, flight.peer);
    let items = out.get(helper);
    // The holder's requests in the order it was asked (its run), from the needed block on.
    let fromHead = false;
    for (const runKey of this.perPeer.get(flight.peer)?.keys() ?? []) {
      fromHead ||= runKey === key;
      if (!fromHead) continue;
      if (this.inFlightFrom(helper) >= this.options.perPeerWindow) break;
      const runHeader = this.inFlight.get(runKey)?.header;
      if (!runHeader || this.hedges.has(runKey) || !this.mayHedge(helper, runKey, runHeader)) continue;
      this.hedges.add(runKey, helper, nowMs);
      this.requestedOf(helper).set(runKey, this.requestSeq++);
      if (!items) out.set(helper, (items = []));
      items.push({ type: 'block', hash: runHeader.hash });
    }
  }

  /**
   * `helper`'s second requests for `holder`'s blocks are withdrawn: its copies are still taken
   * quietly if they come (owed), and it is not asked for those blocks again in this sync.
   */
  private withdrawHedges(helper: P, holder: P): void {
    for (const key of [...(this.perPeer.get(helper)?.keys() ?? [])]) {
      if (this.inFlight.get(key)?.peer !== holder || !this.hedges.takeOf(key, helper)) continue;
      this.owe(key, helper);
      this.perPeer.get(helper)?.delete(key);
      this.markLacks(key, helper);
    }
  }

  private mayHedge(peer: P, key: string, header: BlockHeader): boolean {
    return !this.lacks.get(key)?.has(peer) && this.options.serves(peer, header);
  }

  /**
   * A block arrived from `peer`: true when it is one this sync asked for (of anyone), which is
   * then held until its turn; false for anything else (the caller treats it as unsolicited).
   */
  received(peer: P, block: Block, nowMs: number): boolean {
    const key = keyOf(block.hash);
    const flight = this.inFlight.get(key);
    if (!flight) return false;
    // Only the peer's own answer restarts its clock: another peer sending the block says nothing of it.
    if (flight.peer === peer) this.noteAnswered(peer, key, nowMs);
    else this.owe(key, flight.peer);
    const hedge = this.hedges.take(key);
    if (hedge) {
      if (hedge.peer === peer) this.noteAnswered(peer, key, nowMs);
      else this.owe(key, hedge.peer);
      this.perPeer.get(hedge.peer)?.delete(key);
    }
    this.inFlight.delete(key);
    this.perPeer.get(flight.peer)?.delete(key);
    this.downloaded.set(key, { block, from: peer });
    this.bufferedBytes += block.size;
    return true;
  }

  /**
   * A block received() did not take: true when `peer` still owed it (asked of it, and another
   * peer's copy came first): its late copy, dropped quietly rather than treated as a block nobody
   * asked for.
   */
  takeOwed(peer: P, hash: Buffer, nowMs: number): boolean {
    const seq = this.owed.take(keyOf(hash), peer);
    if (seq === undefined) return false;
    // A copy of what it was asked before its oldest request still open: it works through its
    // requests in order, so its stall clock restarts as for an answer to its oldest. A copy of a
    // later request does not: another peer delivering a withholder's other blocks must not keep
    // the withholder's clock running forever.
    const oldestSeq = this.perPeer.get(peer)?.values().next().value;
    if (oldestSeq !== undefined && seq < oldestSeq) this.answeredOldestMs.set(peer, nowMs);
    return true;
  }

  /** `peer` does not have these: they go to the others. True if any was in flight from it. */
  notFound(peer: P, hashes: readonly Buffer[], nowMs: number): boolean {
    let wasInFlight = false;
    for (const hash of hashes) {
      const key = keyOf(hash);
      if (this.hedges.takeOf(key, peer)) {
        // Its second request: the first peer is still on it.
        wasInFlight = true;
        this.perPeer.get(peer)?.delete(key);
        this.markLacks(key, peer);
        continue;
      }
      if (this.inFlight.get(key)?.peer !== peer) continue;
      wasInFlight = true;
      this.noteAnswered(peer, key, nowMs);
      this.markLacks(key, peer);
      this.release(key);
    }
    return wasInFlight;
  }

  /** The peer left or stalled: everything in flight from it is requestable again from the others. */
  dropPeer(peer: P, stalled: boolean): void {
    for (const key of [...(this.perPeer.get(peer)?.keys() ?? [])]) {
      if (stalled) this.markLacks(key, peer);
      // A second request of ours: the first peer is still on it.
      if (!this.hedges.takeOf(key, peer)) this.release(key);
    }
    this.perPeer.delete(peer);
    this.answeredOldestMs.delete(peer);
    this.owed.forget(peer);
    // Gone: nothing is asked of it again, so the "lacks" marks would only keep the closed session
    // (and its known-inventory set) alive for the rest of the sync.
    if (!stalled) this.forgetLacks(peer);
  }

  /** Peers remembered as lacking some block (tests: a closed peer is not kept). */
  get peersMarkedLacking(): number {
    const peers = new Set<P>();
    for (const set of this.lacks.values()) for (const p of set) peers.add(p);
    return peers.size;
  }

  private forgetLacks(peer: P): void {
    for (const [key, peers] of this.lacks) {
      peers.delete(peer);
      if (peers.size === 0) this.lacks.delete(key);
    }
  }

  /**
   * The peer holding the block the chain needs next, if it has been on it for more than
   * `timeoutMs` (it stalls the whole download: everything behind it waits). "On it" counts from
   * the later of the request and the peer's last answer to its oldest request (Core's
   * m_downloading_since): a peer sends a get-data's blocks in order, so a block at the back of
   * its window waits for the ones before it. Counted from the request alone, a peer sending a
   * window of 1 MB blocks at under 8 MB/s was dropped while it delivered steadily. A peer that
   * answers nothing stalls from its last answer; one that sends later blocks and withholds this
   * one gains nothing (only answers to its oldest request count), so it is bounded by its window.
   */
  staller(nowMs: number, timeoutMs: number): P | undefined {
    const header = this.queue[this.head];
    if (!header) return undefined;
    const flight = this.inFlight.get(keyOf(header.hash));
    if (!flight) return undefined;
    const onItSinceMs = Math.max(flight.sinceMs, this.answeredOldestMs.get(flight.peer) ?? flight.sinceMs);
    return nowMs - onItSinceMs > timeoutMs ? flight.peer : undefined;
  }

  /** The header the chain needs next, if any is queued. */
  peekHeader(): BlockHeader | undefined {
    return this.queue[this.head];
  }

  /**
   * The next block to hand to the chain: its body if downloaded, 'have' when the chain got it
   * another way meanwhile (skip it), undefined while it is still to come.
   */
  takeNext(): Downloaded<P> | 'have' | undefined {
    const header = this.queue[this.head];
    if (!header) return undefined;
    const key = keyOf(header.hash);
    const got = this.downloaded.get(key);
    if (got) {
      this.downloaded.delete(key);
      this.bufferedBytes -= got.block.size;
    } else if (this.inFlight.has(key) || !this.options.have(header.hash)) {
      return undefined;
    }
    this.retry.delete(key);
    this.lacks.delete(key);
    this.head++;
    if (this.head >= COMPACT_AFTER_HEADERS) this.compact();
    return got ?? 'have';
  }

  private request(peer: P, header: BlockHeader, nowMs: number): void {
    const key = keyOf(header.hash);
    this.retry.delete(key);
    this.inFlight.set(key, { peer, sinceMs: nowMs, header });
    this.requestedOf(peer).set(key, this.requestSeq++);
  }

  /** The keys asked of `peer` and not delivered (first or second requests), in the order asked, with their request numbers. */
  private requestedOf(peer: P): Map<string, number> {
    let keys = this.perPeer.get(peer);
    if (!keys) this.perPeer.set(peer, (keys = new Map()));
    return keys;
  }

  /** `peer` was asked for `key` and another's copy came first: its own copy is owed (takeOwed()). */
  private owe(key: string, peer: P): void {
    const seq = this.perPeer.get(peer)?.get(key);
    if (seq !== undefined) this.owed.add(key, peer, seq);
  }

  private nextFor(peer: P): BlockHeader | undefined {
    for (const [key, header] of this.retry) {
      if (this.lacks.get(key)?.has(peer) || !this.options.serves(peer, header)) continue;
      return header;
    }
    if (this.bufferedBytes >= this.options.maxBufferedBytes) return undefined;
    while (this.nextToRequest < this.queue.length && this.nextToRequest < this.head + this.options.globalWindow) {
      const header = this.queue[this.nextToRequest];
      // Past what this peer has: it gets nothing now, the block stays for a peer further ahead.
      if (!this.options.serves(peer, header)) return undefined;
      this.nextToRequest++;
      if (!this.options.have(header.hash)) return header;
    }
    return undefined;
  }

  /** `key` was answered by `peer`: if it was the oldest it had in flight, it has moved on to the next. */
  private noteAnswered(peer: P, key: string, nowMs: number): void {
    const oldest = this.perPeer.get(peer)?.keys().next().value;
    if (oldest === key) this.answeredOldestMs.set(peer, nowMs);
  }

  /** The first peer asked for `key` will not send it: its second peer (if any) takes over, else it is asked again. */
  private release(key: string): void {
    const flight = this.inFlight.get(key);
    if (!flight) return;
    this.perPeer.get(flight.peer)?.delete(key);
    const hedge = this.hedges.take(key);
    if (hedge) {
      this.inFlight.set(key, { peer: hedge.peer, sinceMs: hedge.sinceMs, header: flight.header });
      return;
    }
    this.inFlight.delete(key);
    this.retry.set(key, flight.header);
  }

  private markLacks(key: string, peer: P): void {
    let peers = this.lacks.get(key);
    if (!peers) this.lacks.set(key, (peers = new Set()));
    peers.add(peer);
  }

  private compact(): void {
    this.queue = this.queue.slice(this.head);
    this.nextToRequest -= this.head;
    this.head = 0;
  }
}
