/**
 * Instant relay: a tx accepted into the mempool or a block connected is announced with `inv`
 * at once to every ready peer not known to have it (never back to its sender; relay-announce.ts); announced
 * items we lack are fetched through the request tracker (one announcer at a time, fail-over to
 * the next); get-data and get-block are served in order, rate-limited and queue-bounded per
 * peer, replies paced by the socket's backpressure (relay-serve.ts).
 */
import type { Block } from '../primitives/block.js';
import type { Transaction } from '../primitives/tx.js';
import { type Clock, steadyReader, SYSTEM_CLOCK, type TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { RandomSource } from '../util/random-source.js';
import {
  INBOUND_TX_REQUEST_DELAY_MS,
  MAX_PEER_PENDING_ANNOUNCEMENTS,
  MAX_PEER_REQUESTS_IN_FLIGHT,
  REBROADCAST_INTERVAL_MS,
  REQUEST_EXPIRY_MS,
} from './constants.js';
import { CompactRelay } from './compact/compact-relay.js';
import type { OrphanPool } from './orphans.js';
import type { Peer } from './peer.js';
import { Announcer } from './relay-announce.js';
import type { RelayChain, RelayMempool, RelayPeers, RelayPoolEntry } from './relay-deps.js';
import { RelayServer } from './relay-serve.js';
import { RequestTracker } from './request-tracker.js';
import type { TxIntake } from './tx-intake.js';
import type { GetBlockMessage, InvItem } from './wire/index.js';

export interface RelayOptions {
  chain: RelayChain;
  mempool: RelayMempool;
  peers: RelayPeers;
  orphans: OrphanPool<Peer>;
  /** Admits peers' txs, holds orphan txs, and knows which txs we refused recently. */
  txs: TxIntake;
  logger: Logger;
  /** Time of the per-peer rate limits and request expiry, and the relay's timers (tests, the simulator); default SYSTEM_CLOCK. */
  clock?: Clock;
  /** A block rebuilt from a compact block: on to sync / block intake (P2PNetwork routes it as a block message, viaCompact). */
  deliverCompact?: (peer: Peer, block: Block) => void;
  /** The compact blocks' short-id nonces (the simulator's seeded source); default CRYPTO_RANDOM. */
  random?: RandomSource;
  /** A block refused unasked for too little work (BlockIntake.refusedAsLight): not fetched again on an announcement. */
  refusedBlock?: (hash: Buffer) => boolean;
}

export class Relay {
  private readonly options: RelayOptions;
  private readonly logger: Logger;
  /** get-data and get-block answered, rate-limited and queued per peer (relay-serve.ts). */
  private readonly server: RelayServer;
  /** What we offer peers with inv (relay-announce.ts). */
  private readonly announcer: Announcer;
  /** Announced items we fetch, one peer at a time each, with per-peer caps. */
  readonly requests: RequestTracker<Peer>;
  /** Compact block relay (BIP152) with the peers of protocol version ≥ 3. */
  readonly compact: CompactRelay;
  private readonly have = (item: InvItem): boolean =>
    item.type === 'tx'
      ? this.options.txs.alreadyHave(item.hash)
      : this.options.chain.hasBlock(item.hash) || this.options.orphans.has(item.hash) || this.options.refusedBlock?.(item.hash) === true;
  /**
   * A block being rebuilt from a compact block: its announcers stay candidates, not asked while the
   * rebuild runs (it would fetch the block twice), and are asked when it ends without the block —
   * so a peer that starts rebuilds and never answers cannot make us forget who else has it.
   */
  private readonly busy = (item: InvItem): boolean => item.type !== 'tx' && this.compact.isRebuilding(item.hash);
  private readonly onTxAdded = (entry: RelayPoolEntry, readded: boolean): void => {
    if (readded) this.announcer.noteReadded(entry.tx.txid);
    else this.announce({ type: 'tx', hash: entry.tx.txid });
  };
  private readonly onReorgSettled = (): void => this.announcer.onReorgSettled();
  private readonly onBlockConnected = (block: Block): void => {
    // The tip goes as cmpct-block to high-bandwidth peers (if not pushed already on arrival); a
    // batch connected by sync or a reorg is announced with inv only (one per block, as before).
    // A genesis builds on nothing a peer could rebuild it from: inv only.
    this.compact.onBlockConnected(block.hash);
    if (block.height > 0 && this.options.chain.tip?.hash.equals(block.hash)) this.compact.push(block);
    this.announce({ type: 'block', hash: block.hash });
  };
  private readonly clock: Clock;
  /** The clock's reading, never going back (steadyReader): what the request tracker's times are in. */
  private readonly now: () => number;
  private expiryTimer: TimerHandle | undefined;
  /** One timer per peer with held-back announcements (INBOUND_TX_REQUEST_DELAY_MS): when the first comes due. */
  private readonly duePolls = new Map<Peer, TimerHandle>();
  private rebroadcastTimer: TimerHandle | undefined;

  constructor(options: RelayOptions) {
    this.options = options;
    this.logger = options.logger.child({ component: 'relay' });
    this.clock = options.clock ?? SYSTEM_CLOCK;
    // One steady reading for the tracker's due times and ages and the timers set from them.
    const now = (this.now = steadyReader(this.clock.nowMs));
    this.announcer = new Announcer({ mempool: options.mempool, peers: options.peers, clock: this.clock, logger: this.logger });
    this.requests = new RequestTracker<Peer>({
      maxInFlightPerPeer: MAX_PEER_REQUESTS_IN_FLIGHT,
      maxPendingPerPeer: MAX_PEER_PENDING_ANNOUNCEMENTS,
      expiryMs: REQUEST_EXPIRY_MS,
      delayMs: (peer, type) => (type === 'tx' && peer.direction === 'inbound' ? INBOUND_TX_REQUEST_DELAY_MS : 0),
      now,
    });
    this.server = new RelayServer({
      chain: options.chain,
      mempool: options.mempool,
      logger: this.logger,
      serveCompact: (peer, hash) => this.compact.serve(peer, hash),
      pushedBlockBytes: (hash) => this.compact.pushedBlockBytes(hash),
      now,
    });
    this.compact = new CompactRelay({
      chain: options.chain,
      mempool: options.mempool,
      orphans: options.orphans,
      logger: options.logger,
      extraTxs: () => options.txs.orphans.transactions(),
      deliver: options.deliverCompact ?? (() => undefined),
      requestFull: (peer, hash) => this.requestFull(peer, hash),
      candidate: (peer, hash) => this.request(peer, this.requests.announce(peer, [{ type: 'block', hash }], this.have, this.busy)),
      rebuildEnded: (hash) => this.pollAll(this.requests.candidatesOf(hash)),
      serve: (peer, items, task) => this.server.enqueue(peer, items, task),
      countUnknown: (peer, count) => this.server.countUnknown(peer, count),
      now,
      random: options.random,
    });
  }

  start(): void {
    this.options.mempool.on('tx:added', this.onTxAdded);
    this.options.mempool.on('reorg:settled', this.onReorgSettled);
    this.options.chain.on('block:connected', this.onBlockConnected);
    // A stalled peer sends nothing that would make us look at its requests: check on a timer,
    // a tenth of the expiry, so an item is asked of its next announcer at most 10 % late.
    this.expiryTimer = this.clock.setInterval(() => this.expireRequests(), REQUEST_EXPIRY_MS / 10);
    this.rebroadcastTimer = this.clock.setInterval(() => this.rebroadcast(), REBROADCAST_INTERVAL_MS);
  }

  stop(): void {
    this.options.mempool.off('tx:added', this.onTxAdded);
    this.options.mempool.off('reorg:settled', this.onReorgSettled);
    this.options.chain.off('block:connected', this.onBlockConnected);
    this.clock.clear(this.expiryTimer);
    this.expiryTimer = undefined;
    this.clock.clear(this.rebroadcastTimer);
    this.rebroadcastTimer = undefined;
    for (const timer of this.duePolls.values()) this.clock.clear(timer);
    this.duePolls.clear();
  }

  /** Offers the pool's old txs to every ready peer again (relay-announce.ts); returns the inv messages sent. */
  rebroadcast(nowMs = this.clock.nowMs()): number {
    return this.announcer.rebroadcast(nowMs);
  }

  /** Announces to every ready peer that does not have the item yet (relay-announce.ts). */
  announce(item: InvItem): number {
    return this.announcer.announce(item);
  }

  /** Offers the pool once to a peer that just connected (relay-announce.ts). */
  announcePool(peer: Peer): void {
    this.announcer.announcePool(peer);
  }

  /**
   * Announcements (rate-limited by the Peer, 'inv-flood'): only what we lack and nobody is
   * fetching is requested, at most MAX_PEER_REQUESTS_IN_FLIGHT from this peer at once; the rest
   * waits (bounded) for free slots.
   */
  onInv(peer: Peer, items: readonly InvItem[]): void {
    for (const item of items) peer.known.add(item.hash);
    // 'cmpct-block' is a way to ask for a block, not something to announce: such items are ignored.
    const announced = items.some((item) => item.type === 'cmpct-block') ? items.filter((item) => item.type !== 'cmpct-block') : items;
    this.request(peer, this.requests.announce(peer, announced, this.have, this.busy));
    this.pollWhenDue(peer);
  }

  /**
   * An orphan tx's missing parents, from the peer that sent the orphan: through the tracker, as
   * if it had announced them (Core's AddTxAnnouncement for each parent). The peer knows them.
   */
  requestParents(peer: Peer, txids: readonly Buffer[]): void {
    if (peer.isClosed) return;
    const items = txids.map((hash): InvItem => ({ type: 'tx', hash }));
    for (const item of items) peer.known.add(item.hash);
    this.request(peer, this.requests.announce(peer, items, this.have, this.busy));
    this.pollWhenDue(peer);
  }

  /** Asks `peer` for its held-back announcements once the first comes due (one timer per peer, so bounded by the peer count). */
  private pollWhenDue(peer: Peer): void {
    if (this.duePolls.has(peer)) return;
    const dueMs = this.requests.nextDueMs(peer);
    if (dueMs === undefined) return;
    const timer = this.clock.setTimeout(() => {
      this.duePolls.delete(peer);
      if (peer.isClosed) return;
      this.request(peer, this.requests.next(peer, this.have, this.busy));
      this.pollWhenDue(peer);
    }, Math.max(0, dueMs - this.now()));
    this.duePolls.set(peer, timer);
  }

  /**
   * A compact block from `peer` could not be rebuilt: the full block. A request of ours to that
   * peer for it (a low-bandwidth cmpct-block) is still open: ask again on it, as 'block'; else
   * the block goes through the tracker like an announcement.
   */
  private requestFull(peer: Peer, hash: Buffer): void {
    if (this.requests.requestedFrom(hash) === peer) return void peer.send({ kind: 'get-data', items: [{ type: 'block', hash }] });
    // Not `have`: another peer's rebuild of the block must not keep this one from asking for it
    // whole (it could be stalling, and this peer would not even stay a candidate).
    const busyElsewhere = (item: InvItem): boolean => !item.hash.equals(hash) && this.busy(item);
    this.request(peer, this.requests.announce(peer, [{ type: 'block', hash }], this.have, busyElsewhere));
  }

  /** get-data: served by RelayServer (relay-serve.ts), rate-limited and queued per peer. */
  onGetData(peer: Peer, items: readonly InvItem[]): void {
    this.server.onGetData(peer, items);
  }

  /** The tutorial's get-block (type 2), served as get-data is. */
  onGetBlock(peer: Peer, msg: GetBlockMessage): void {
    this.server.onGetBlock(peer, msg);
  }

  /** Admission, orphan handling and punishment live in TxIntake (src/p2p/tx-intake.ts). */
  onTransaction(peer: Peer, tx: Transaction): void {
    this.delivered(tx.txid);
    this.options.txs.receive(peer, tx);
  }

  /** A block arrived (whoever handles it): a request of ours for it is done. */
  onBlock(block: Block): Peer | undefined {
    return this.delivered(block.hash);
  }

  /** The peer does not have some items we asked it for: free those slots, ask for more, and ask other announcers for those. */
  onNotFound(peer: Peer, items: readonly InvItem[]): void {
    const others = this.requests.notFound(peer, items.map((i) => i.hash));
    this.request(peer, this.requests.next(peer, this.have, this.busy));
    this.pollAll(others);
  }

  /** What was requested of the peer is asked of its other announcers. */
  onPeerClosed(peer: Peer): void {
    this.compact.onPeerClosed(peer);
    this.clock.clear(this.duePolls.get(peer));
    this.duePolls.delete(peer);
    this.pollAll(this.requests.removePeer(peer));
  }

  /** Ends requests older than REQUEST_EXPIRY_MS and asks their other announcers (run by a timer). */
  private expireRequests(): void {
    this.pollAll(this.requests.expire());
    this.compact.expire();
  }

  /** Returns the peer the item was requested from, if any. */
  private delivered(hash: Buffer): Peer | undefined {
    const from = this.requests.received(hash);
    if (from && !from.isClosed) this.request(from, this.requests.next(from, this.have, this.busy));
    return from;
  }

  /** Peers that may have something to request now (an item another peer's request no longer holds). */
  private pollAll(peers: readonly Peer[]): void {
    for (const peer of peers) if (!peer.isClosed) this.request(peer, this.requests.next(peer, this.have, this.busy));
  }

  /** Blocks are asked as compact blocks of a peer that takes them (BIP152 low-bandwidth mode), unless rebuilding one failed. */
  private request(peer: Peer, items: InvItem[]): void {
    if (items.length === 0) return;
    peer.send({ kind: 'get-data', items: items.map((item) => (item.type === 'block' && this.compact.prefersCompact(peer, item.hash) ? { type: 'cmpct-block', hash: item.hash } : item)) });
  }
}
