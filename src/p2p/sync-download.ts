/**
 * Which block body of a sync is fetched from whom (Core's block download, simplified): the
 * headers of the sync, in chain order, are requested up to `perPeerWindow` per peer and
 * `globalWindow` ahead of the next block the chain needs, in consecutive runs over every peer
 * that has them. A block comes back from anyone; one that was not delivered (not-found, its
 * peer stalled or left) goes back to the front of the line for the other peers. Downloaded
 * blocks wait here until the session hands them to the chain in order (bounded in bytes). The
 * record of requests is sync-requests.ts; second requests for a slow peer's run, sync-hedging.ts.
 */
import type { Block, BlockHeader } from '../primitives/block.js';
import { SecondRequests } from './sync-hedging.js';
import { BlockRequests, keyOf } from './sync-requests.js';
import type { InvItem } from './wire/index.js';

export interface BlockDownloadOptions<P> {
  readonly perPeerWindow: number;
  readonly globalWindow: number;
  readonly maxBufferedBytes: number;
  /**
   * The block the chain needs next, in flight this long from one peer while another that could
   * send it has half its window free, is asked of that one too, with the rest of the first's run
   * as far as its window allows (sync-hedging.ts).
   */
  readonly hedgeAfterMs: number;
  /** The chain already has this block (arrived by relay, or before the sync). */
  readonly have: (hash: Buffer) => boolean;
  /** Whether `peer` can be asked for the block of `header` (it is ahead far enough). */
  readonly serves: (peer: P, header: BlockHeader) => boolean;
}

/** A downloaded block and who sent it (who answers for it if it is invalid). */
export interface Downloaded<P> {
  readonly block: Block;
  readonly from: P;
}

/** The queue is compacted once this many connected headers sit in front of it. */
const COMPACT_AFTER_HEADERS = 4_096;

export class BlockDownload<P extends object> {
  private queue: BlockHeader[] = [];
  /** Index of the next header to hand to the chain. */
  private head = 0;
  /** Index of the next header never requested yet. */
  private nextToRequest = 0;
  /** Requested once and not delivered: asked again first, of another peer. */
  private readonly retry = new Map<string, BlockHeader>();
  /** What is in flight from whom, each peer's requests in order, its stall clock, and who lacks what. */
  private readonly requests = new BlockRequests<P>();
  /** Second requests for a slow peer's run, and the copies owed once another's came first. */
  private readonly second: SecondRequests<P>;
  private readonly downloaded = new Map<string, Downloaded<P>>();
  private bufferedBytes = 0;
  /** Most bodies ever in flight at once (stats). */
  peak = 0;

  constructor(private readonly options: BlockDownloadOptions<P>) {
    this.second = new SecondRequests(this.requests, { perPeerWindow: options.perPeerWindow, hedgeAfterMs: options.hedgeAfterMs, serves: options.serves });
  }

  /** Headers queued and not handed to the chain yet. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  get inFlightCount(): number {
    return this.requests.count;
  }

  /** Requests open with `peer`, first and second ones. */
  inFlightFrom(peer: P): number {
    return this.requests.openFrom(peer);
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
    this.second.askHelper(this.queue[this.head], peers, nowMs, out);
    for (const peer of peers) {
      while (this.requests.openFrom(peer) < this.options.perPeerWindow) {
        const header = this.nextFor(peer);
        if (!header) break;
        this.retry.delete(keyOf(header.hash));
        this.requests.ask(peer, header, nowMs);
        let items = out.get(peer);
        if (!items) out.set(peer, (items = []));
        items.push({ type: 'block', hash: header.hash });
      }
    }
    this.second.noteHolder(this.queue[this.head], nowMs); // the needed block may have just been asked for
    this.peak = Math.max(this.peak, this.requests.count);
    return out;
  }

  /**
   * A block arrived from `peer`: true when it is one this sync asked for (of anyone), which is
   * then held until its turn; false for anything else (the caller treats it as unsolicited).
   */
  received(peer: P, block: Block, nowMs: number): boolean {
    const key = keyOf(block.hash);
    const flight = this.requests.flight(key);
    if (!flight) return false;
    // Only the peer's own answer restarts its clock: another peer sending the block says nothing of it.
    if (flight.peer === peer) this.requests.noteAnswered(peer, key, nowMs);
    this.second.delivered(key, flight, peer, this.queue[this.head]?.hash.equals(block.hash) === true, nowMs);
    this.requests.land(key);
    this.requests.unlist(flight.peer, key);
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
    return this.second.takeOwed(peer, keyOf(hash), nowMs);
  }

  /** `peer` does not have these: they go to the others. True if any was in flight from it. */
  notFound(peer: P, hashes: readonly Buffer[], nowMs: number): boolean {
    let wasInFlight = false;
    for (const hash of hashes) {
      const key = keyOf(hash);
      if (this.second.dropSecond(key, peer)) {
        // Its second request: the first peer is still on it.
        wasInFlight = true;
        this.requests.unlist(peer, key);
        this.requests.markLacks(key, peer);
        continue;
      }
      if (this.requests.flight(key)?.peer !== peer) continue;
      wasInFlight = true;
      this.requests.noteAnswered(peer, key, nowMs);
      this.requests.markLacks(key, peer);
      this.release(key);
    }
    return wasInFlight;
  }

  /** The peer left or stalled: everything in flight from it is requestable again from the others. */
  dropPeer(peer: P, stalled: boolean): void {
    for (const key of [...(this.requests.keysOf(peer) ?? [])]) {
      if (stalled) this.requests.markLacks(key, peer);
      // A second request of ours: the first peer is still on it.
      if (!this.second.dropSecond(key, peer)) this.release(key);
    }
    // A staller keeps its "lacks" marks: it is not asked for those blocks again.
    this.requests.forgetPeer(peer, stalled);
    this.second.forget(peer);
  }

  /** Peers remembered as lacking some block (tests: a closed peer is not kept). */
  get peersMarkedLacking(): number {
    return this.requests.peersMarkedLacking;
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
    const flight = header && this.requests.flight(keyOf(header.hash));
    if (!flight) return undefined;
    return nowMs - this.requests.onItSinceMs(flight) > timeoutMs ? flight.peer : undefined;
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
    } else if (this.requests.flight(key) !== undefined || !this.options.have(header.hash)) {
      return undefined;
    }
    this.retry.delete(key);
    this.requests.clearLacks(key);
    this.head++;
    if (this.head >= COMPACT_AFTER_HEADERS) this.compact();
    return got ?? 'have';
  }

  private nextFor(peer: P): BlockHeader | undefined {
    for (const [key, header] of this.retry) {
      if (this.requests.lacked(key, peer) || !this.options.serves(peer, header)) continue;
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

  /** The first peer asked for `key` will not send it: its second peer (if any) takes over, else it is asked again. */
  private release(key: string): void {
    const flight = this.requests.flight(key);
    if (!flight) return;
    this.requests.unlist(flight.peer, key);
    const hedge = this.second.takeOver(key);
    if (hedge) {
      this.requests.handOver(key, { peer: hedge.peer, sinceMs: hedge.sinceMs, header: flight.header });
      return;
    }
    this.requests.land(key);
    this.retry.set(key, flight.header);
  }

  private compact(): void {
    this.queue = this.queue.slice(this.head);
    this.nextToRequest -= this.head;
    this.head = 0;
  }
}
