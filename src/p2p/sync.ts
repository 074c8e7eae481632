/**
 * Block sync's front door: picks the peer to take headers from (the most work), runs one
 * SyncSession at a time (sync-session.ts: headers first from that peer, bodies from every peer
 * that has them), serves other peers' get-blocks, and keeps the progress log and the sync status.
 * A session that ends (caught up, stalled, its source left) is dropped and the next one starts
 * when some peer still reports more work.
 */
import type { Chain } from '../chain/chain.js';
import type { Block, BlockHeader } from '../primitives/block.js';
import type { Logger } from '../util/logger.js';
import type { BlockIntake } from './block-intake.js';
import type { P2PConfig } from './config.js';
import {
  GET_BLOCKS_BURST,
  GET_BLOCKS_PER_SEC,
  MAX_FRUITLESS_SYNCS_IN_A_ROW,
  SYNC_FRUITLESS_PEER_COOLDOWN_MS,
  SYNC_START_LOG_INTERVAL_MS,
  SYNC_START_LOG_KEYS,
  SYNC_STALLED_PEER_COOLDOWN_MS,
  SYNC_TIME_TOO_NEW_RETRY_MS,
} from './constants.js';
import { headersAfterLocator } from './headers.js';
import { LogThrottle } from './log-throttle.js';
import type { Peer } from './peer.js';
import type { PeerSet } from './peers.js';
import { TokenBucket } from './rate-limit.js';
import { AdaptiveStallTimeout } from './stall-timeout.js';
import { SyncProgress } from './sync-progress.js';
import { type SyncEnd, SyncSession } from './sync-session.js';
import { type SyncStatus, SyncStatusTracker } from './sync-status.js';
import { UnconnectingHeaders } from './unconnecting-headers.js';
import type { GetBlocksMessage, InvItem } from './wire/index.js';

export interface BlockSyncOptions {
  chain: Chain;
  peers: PeerSet;
  intake: BlockIntake;
  config: P2PConfig;
  logger: Logger;
  /** Clock of the per-peer get-blocks limit and the stall checks (tests); default Date.now. */
  now?: () => number;
  /** The sync state, on start, at most once a second while syncing, and once when a sync ends. */
  onStatus?: (status: SyncStatus) => void;
  /** Core's -assumevalid (chain.assumeValid): signatures of this block's ancestors are not checked during sync. */
  assumeValid?: Buffer | null;
}

export class BlockSync {
  private readonly options: BlockSyncOptions;
  private readonly logger: Logger;
  private session: SyncSession | undefined;
  /** Most blocks ever in flight at once over finished sessions (stats: shows the download is pipelined). */
  private peakFinished = 0;
  /** Time the chain waited for the download over finished sessions (ChainWaitClock). */
  private waitedFinishedMs = 0;
  /** Work a peer reported when syncing from it brought nothing: not chosen again until it reports other work. */
  private readonly fruitless = new WeakMap<Peer, bigint>();
  /** Peers whose last sync stalled or gained nothing: others are preferred until then, whatever work they claim. */
  private readonly cooledUntilMs = new WeakMap<Peer, number>();
  /** Sources whose next header was too far in the future: not chosen before then (SYNC_TIME_TOO_NEW_RETRY_MS). */
  private readonly futureUntilMs = new WeakMap<Peer, number>();
  /** Syncs in a row from a peer that gained no work while it claimed more (reset by one that gained some). */
  private readonly fruitlessInARow = new WeakMap<Peer, number>();
  /** Our tip's work when the running session started: what it gained is measured against it. */
  private startWork = 0n;
  private readonly progress: SyncProgress;
  private readonly tracker: SyncStatusTracker;
  /** get-blocks served per peer (each may cost 2,000 header reads). */
  private readonly getBlocksLimits = new WeakMap<Peer, TokenBucket>();
  private readonly unconnecting = new UnconnectingHeaders();
  /** Start and end lines of a sync: info once per address per interval, repeats at debug. */
  private readonly startLog = new LogThrottle(SYNC_START_LOG_KEYS, SYNC_START_LOG_INTERVAL_MS);
  private syncLogLevel: 'info' | 'debug' = 'info';
  /** The last sync ended because its connection lost a duplicate tie-break: the next start keeps its log level. */
  private handover = false;
  /** Set while stop() ends the session: no restart. */
  private stopping = false;
  /** The block-stall timeout, adapted across sessions (stall-timeout.ts). */
  private readonly stallTimeout: AdaptiveStallTimeout;

  constructor(options: BlockSyncOptions) {
    this.options = options;
    this.logger = options.logger.child({ component: 'sync' });
    this.progress = new SyncProgress(this.logger);
    this.tracker = new SyncStatusTracker({ chain: options.chain, emit: (status) => options.onStatus?.(status) });
    this.stallTimeout = new AdaptiveStallTimeout(options.config.blockStallTimeoutMs);
  }

  /** The block-stall timeout now: blockStallTimeoutMs, or more after stallers were dropped (stats). */
  get blockStallTimeoutMs(): number {
    return this.stallTimeout.currentMs;
  }

  /** Headers, blocks, progress and the initial-download flag (getblockchaininfo). */
  status(): SyncStatus {
    return this.tracker.status();
  }

  /** A sync that started more than a block behind is running: its blocks are logged at debug. */
  get isCatchingUp(): boolean {
    return this.tracker.catchingUp;
  }

  get isSyncing(): boolean {
    return this.session !== undefined;
  }

  get syncPeerLabel(): string | undefined {
    return this.session?.peer.label;
  }

  /** Most block bodies ever requested at once (over all peers). */
  get peakBlocksInFlight(): number {
    return Math.max(this.peakFinished, this.session?.peakBlocksInFlight ?? 0);
  }

  /** Time the chain sat idle waiting for a sync's download, over every sync so far. */
  get waitedForBlocksMs(): number {
    return this.waitedFinishedMs + (this.session?.waitedForBlocksMs ?? 0);
  }

  /**
   * Starts a sync when some ready peer reports more work than our tip (called on handshake,
   * ping/pong, sync end); while one runs, a newly ready peer gets a share of its download.
   */
  maybeStart(): void {
    if (this.session) {
      this.session.poke();
      return;
    }
    const ourWork = this.options.chain.tip?.chainWork ?? 0n;
    const now = Date.now();
    const candidates = this.options.peers
      .ready()
      .filter((p) => p.bestWork > ourWork && this.fruitless.get(p) !== p.bestWork && (this.futureUntilMs.get(p) ?? 0) <= now)
      .sort((a, b) => (b.bestWork > a.bestWork ? 1 : b.bestWork < a.bestWork ? -1 : 0));
    const fresh = candidates.filter((p) => (this.cooledUntilMs.get(p) ?? 0) <= now);
    const peer = fresh[0] ?? candidates[0];
    if (peer) this.startWith(peer);
    else this.handover = false;
  }

  /** A block from `peer` had an unknown parent: fetch what leads to it (unless a sync is already running). */
  onUnknownParent(peer: Peer): void {
    if (!this.session && peer.isReady) this.startWith(peer);
  }

  onPeerClosed(peer: Peer): void {
    const session = this.session;
    if (!session) return;
    // The loser of simultaneous dials: the sync goes on over the connection kept, quietly.
    if (peer === session.peer && peer.lostDuplicate) this.handover = true;
    session.onPeerClosed(peer, peer.lostDuplicate ? 'sync peer connection replaced by another to the same node' : 'sync peer disconnected');
  }

  /** Serve a get-blocks: headers of our active chain after the fork point. */
  serveGetBlocks(peer: Peer, msg: GetBlocksMessage): void {
    let limit = this.getBlocksLimits.get(peer);
    if (!limit) {
      limit = new TokenBucket({ ratePerSec: GET_BLOCKS_PER_SEC, burst: GET_BLOCKS_BURST, ...(this.options.now ? { now: this.options.now } : {}) });
      this.getBlocksLimits.set(peer, limit);
    }
    if (!limit.take()) {
      this.logger.debug({ peer: peer.label }, 'get-blocks ignored: rate limit');
      return;
    }
    peer.send({ kind: 'headers', headers: headersAfterLocator(this.options.chain, msg.locator, msg.stopHash) });
  }

  onHeaders(peer: Peer, headers: readonly BlockHeader[]): void {
    const answersOurs = this.unconnecting.answered(peer);
    const session = this.session;
    if (!session || peer !== session.peer || !session.awaitingHeaders) {
      this.logger.debug({ peer: peer.label, count: headers.length, late: answersOurs }, 'ignoring headers outside a sync batch');
      // A reply to our locator connects, however late; only an empty one ("nothing follows") may not.
      if (this.connects(headers)) this.unconnecting.reset(peer);
      else if (!answersOurs || headers.length > 0) this.unconnecting.count(peer);
      return;
    }
    session.onHeaders(headers);
  }

  /** Returns true when the block was one sync requested (then sync connects it in order). */
  onBlock(peer: Peer, block: Block): boolean {
    return this.session?.onBlock(peer, block) ?? false;
  }

  /** A peer answered some of our get-data with not-found: its blocks go to others (or the sync ends, if it was the source). */
  onNotFound(peer: Peer, items: readonly InvItem[]): void {
    this.session?.onNotFound(peer, items);
  }

  /** Called for every block that joins the active chain (from any source): progress log. */
  onConnected(block: Block): void {
    this.stallTimeout.blockConnected();
    if (!this.session) return;
    this.tracker.connected(block);
    this.progress.onConnected(block, this.session.peer);
  }

  stop(): void {
    this.stopping = true;
    this.session?.finish({ reason: 'stopping', unhelpful: false, stalled: false });
  }

  private startWith(peer: Peer): void {
    this.progress.restart();
    this.tracker.started(peer);
    const handover = this.handover;
    this.handover = false;
    if (!handover) this.syncLogLevel = this.startLog.shouldWarn(peer.ip) ? 'info' : 'debug';
    this.logger[handover ? 'debug' : this.syncLogLevel]({ peer: peer.label, ourHeight: this.options.chain.tip?.height ?? -1, peerHeight: peer.bestHeight }, 'starting block sync');
    const assumeValid = this.options.assumeValid ?? undefined;
    this.startWork = this.options.chain.tip?.chainWork ?? 0n;
    this.session = new SyncSession(peer, {
      chain: this.options.chain,
      peers: this.options.peers,
      intake: this.options.intake,
      config: this.options.config,
      logger: this.logger,
      unconnecting: this.unconnecting,
      stallTimeout: this.stallTimeout,
      assumeValid: assumeValid && !this.options.chain.hasBlock(assumeValid) ? assumeValid : undefined,
      now: this.options.now ?? Date.now,
      onProved: (height) => this.tracker.proved(height),
      onFinished: (session, end) => this.onFinished(session, end),
    });
    this.session.start();
  }

  /** The session ended: remember what it says about its source, log the end, maybe start the next. */
  private onFinished(session: SyncSession, end: SyncEnd): void {
    if (session !== this.session) return;
    this.session = undefined;
    this.peakFinished = Math.max(this.peakFinished, session.peakBlocksInFlight);
    this.waitedFinishedMs += session.waitedForBlocksMs;
    const peer = session.peer;
    if (end.unhelpful) this.fruitless.set(peer, peer.bestWork);
    if (end.stalled) this.cooledUntilMs.set(peer, Date.now() + SYNC_STALLED_PEER_COOLDOWN_MS);
    const gained = (this.options.chain.tip?.chainWork ?? 0n) > this.startWork;
    if (end.timeTooNew) this.futureUntilMs.set(peer, Date.now() + SYNC_TIME_TOO_NEW_RETRY_MS);
    if (gained) this.fruitlessInARow.delete(peer);
    else if (end.unhelpful && !end.timeTooNew) this.onFruitless(peer);
    this.progress.ended(peer, end.reason, this.tracker.ended(), this.handover ? 'debug' : this.syncLogLevel);
    if (!this.stopping) setImmediate(() => this.maybeStart());
  }

  /**
   * A sync from `peer` gained nothing although it claimed more work: it goes behind every other
   * candidate for a while (a new claim in its next ping does not put it first again), and after
   * MAX_FRUITLESS_SYNCS_IN_A_ROW such syncs it is punished.
   */
  private onFruitless(peer: Peer): void {
    this.cooledUntilMs.set(peer, Date.now() + SYNC_FRUITLESS_PEER_COOLDOWN_MS);
    const inARow = (this.fruitlessInARow.get(peer) ?? 0) + 1;
    this.fruitlessInARow.set(peer, inARow);
    if (inARow > MAX_FRUITLESS_SYNCS_IN_A_ROW) peer.punish('fruitless-sync', `claimed more chain work than it could give us in ${inARow} syncs in a row`);
  }

  /** The first header builds on a block we have (or is one): the message is usable, whoever sent it. */
  private connects(headers: readonly BlockHeader[]): boolean {
    const first = headers[0];
    return first !== undefined && (this.options.chain.hasBlock(first.prevHash) || this.options.chain.hasBlock(first.hash));
  }
}
