/**
 * Block download from the peer with the most work: get-blocks (our locator) → headers (checked
 * for linkage and PoW) → bodies with get-data, up to maxBlocksInFlight at once → handed to the
 * chain in order through the block intake (which reorganises when the branch has more work), up
 * to maxBlocksInFlight of them submitted before the oldest is done, so the chain verifies their
 * signatures in parallel and commits them in groups → the next batch of headers, until caught
 * up. One sync peer at a time; a stalled one is dropped for another.
 */
import type { Chain } from '../chain/chain.js';
import type { Block, BlockHeader } from '../primitives/block.js';
import { ZERO_HASH } from '../primitives/hash.js';
import type { Logger } from '../util/logger.js';
import { type BlockIntake, type IntakeStatus, isIntakeFailure } from './block-intake.js';
import type { P2PConfig } from './config.js';
import { GET_BLOCKS_BURST, GET_BLOCKS_PER_SEC, SYNC_START_LOG_INTERVAL_MS, SYNC_START_LOG_KEYS, SYNC_STALLED_PEER_COOLDOWN_MS } from './constants.js';
import { checkHeaderBatch, headersAfterLocator } from './headers.js';
import { LogThrottle } from './log-throttle.js';
import type { Peer } from './peer.js';
import type { PeerSet } from './peers.js';
import { TokenBucket } from './rate-limit.js';
import { SyncProgress } from './sync-progress.js';
import { type SyncStatus, SyncStatusTracker } from './sync-status.js';
import { UnconnectingHeaders } from './unconnecting-headers.js';
import { MAX_HEADERS_PER_MESSAGE, MAX_LOCATOR_HASHES, type GetBlocksMessage, type InvItem } from './wire/index.js';

export interface BlockSyncOptions {
  chain: Chain;
  peers: PeerSet;
  intake: BlockIntake;
  config: P2PConfig;
  logger: Logger;
  /** Clock of the per-peer get-blocks limit (tests); default Date.now. */
  now?: () => number;
  /** The sync state, on start, at most once a second while syncing, and once when a sync ends. */
  onStatus?: (status: SyncStatus) => void;
}

const hashKey = (hash: Buffer): string => hash.toString('latin1');

export class BlockSync {
  private readonly options: BlockSyncOptions;
  private readonly logger: Logger;
  private syncPeer: Peer | undefined;
  private awaitingHeaders = false;
  /** Headers of the current batch that we still lack, in chain order. */
  private batch: BlockHeader[] = [];
  private batchFull = false;
  private lastHeader: BlockHeader | undefined;
  private nextToRequest = 0;
  private nextToConnect = 0;
  private readonly inFlight = new Set<string>();
  private readonly downloaded = new Map<string, Block>();
  /** Blocks handed to the intake whose outcome is not back yet. */
  private submitted = 0;
  private lastSubmittedHash: Buffer | undefined;
  /** Bumped when a sync ends: outcomes of blocks submitted before are then ignored. */
  private generation = 0;
  /** Most blocks ever in flight at once (stats: shows the download is pipelined). */
  peakBlocksInFlight = 0;
  private stallTimer: NodeJS.Timeout | undefined;
  /** Work a peer reported when syncing from it brought nothing: not chosen again until it reports other work. */
  private readonly fruitless = new WeakMap<Peer, bigint>();
  private readonly stalledUntilMs = new WeakMap<Peer, number>();
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

  constructor(options: BlockSyncOptions) {
    this.options = options;
    this.logger = options.logger.child({ component: 'sync' });
    this.progress = new SyncProgress(this.logger);
    this.tracker = new SyncStatusTracker({ chain: options.chain, emit: (status) => options.onStatus?.(status) });
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
    return this.syncPeer !== undefined;
  }

  get syncPeerLabel(): string | undefined {
    return this.syncPeer?.label;
  }

  /** Starts a sync when some ready peer reports more work than our tip (called on handshake, ping/pong, sync end). */
  maybeStart(): void {
    if (this.syncPeer) return;
    const ourWork = this.options.chain.tip?.chainWork ?? 0n;
    const now = Date.now();
    const candidates = this.options.peers
      .ready()
      .filter((p) => p.bestWork > ourWork && this.fruitless.get(p) !== p.bestWork)
      .sort((a, b) => (b.bestWork > a.bestWork ? 1 : b.bestWork < a.bestWork ? -1 : 0));
    const fresh = candidates.filter((p) => (this.stalledUntilMs.get(p) ?? 0) <= now);
    const peer = fresh[0] ?? candidates[0];
    if (peer) this.startWith(peer);
    else this.handover = false;
  }

  /** A block from `peer` had an unknown parent: fetch what leads to it (unless a sync is already running). */
  onUnknownParent(peer: Peer): void {
    if (!this.syncPeer && peer.isReady) this.startWith(peer);
  }

  onPeerClosed(peer: Peer): void {
    if (peer !== this.syncPeer) return;
    // The loser of simultaneous dials: the sync goes on over the connection kept, quietly.
    if (peer.lostDuplicate) this.handover = true;
    this.finish(peer.lostDuplicate ? 'sync peer connection replaced by another to the same node' : 'sync peer disconnected', false);
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
    if (peer !== this.syncPeer || !this.awaitingHeaders) {
      this.logger.debug({ peer: peer.label, count: headers.length, late: answersOurs }, 'ignoring headers outside a sync batch');
      // A reply to our locator connects, however late; only an empty one ("nothing follows") may not.
      if (this.connects(headers)) this.unconnecting.reset(peer);
      else if (!answersOurs || headers.length > 0) this.unconnecting.count(peer);
      return;
    }
    this.awaitingHeaders = false;
    const { chain } = this.options;
    const check = checkHeaderBatch(headers, (hash) => chain.hasBlock(hash), chain.params.powBits, !chain.tip);
    if (!check.ok) {
      if (check.code === 'bad-headers') peer.punish(check.code, check.reason);
      // An honest reply to our locator connects; counted, or a peer claiming ever new work is synced from for nothing.
      else if (!this.unconnecting.count(peer)) return;
      this.finish(check.reason, true);
      return;
    }
    this.unconnecting.reset(peer);
    this.batch = headers.filter((h) => !chain.hasBlock(h.hash));
    this.batchFull = headers.length >= MAX_HEADERS_PER_MESSAGE;
    this.lastHeader = headers.at(-1) ?? this.lastHeader;
    this.nextToRequest = 0;
    this.nextToConnect = 0;
    if (this.lastHeader) this.tracker.proved(this.lastHeader.height);
    this.logger.debug({ peer: peer.label, headers: headers.length, missing: this.batch.length }, 'received headers');
    if (this.batch.length === 0) this.batchDone();
    else this.requestMore();
  }

  /** Returns true when the block was one sync requested (then sync connects it in order). */
  onBlock(peer: Peer, block: Block): boolean {
    const key = hashKey(block.hash);
    if (!this.inFlight.delete(key)) return false;
    this.downloaded.set(key, block);
    if (peer === this.syncPeer) this.touch();
    this.connectReady();
    return true;
  }

  /** The sync peer answered some of our get-data with not-found: it cannot serve this batch. */
  onNotFound(peer: Peer, items: readonly InvItem[]): void {
    if (peer !== this.syncPeer || !items.some((i) => this.inFlight.has(hashKey(i.hash)))) return;
    this.finish('sync peer does not have the blocks it announced', true);
  }

  /** Called for every block that joins the active chain (from any source): progress log. */
  onConnected(block: Block): void {
    if (!this.syncPeer) return;
    this.tracker.connected(block);
    this.progress.onConnected(block, this.syncPeer);
  }

  stop(): void {
    this.finish('stopping', false, false);
  }

  private startWith(peer: Peer): void {
    this.syncPeer = peer;
    this.progress.restart();
    this.tracker.started(peer);
    const handover = this.handover;
    this.handover = false;
    if (!handover) this.syncLogLevel = this.startLog.shouldWarn(peer.ip) ? 'info' : 'debug';
    this.logger[handover ? 'debug' : this.syncLogLevel]({ peer: peer.label, ourHeight: this.options.chain.tip?.height ?? -1, peerHeight: peer.bestHeight }, 'starting block sync');
    this.requestHeaders();
  }

  private requestHeaders(): void {
    const peer = this.syncPeer;
    if (!peer) return;
    const base = this.options.chain.getLocator();
    // Continue after the last header of the previous batch, which may be on a side branch our locator does not reach.
    const locator = this.lastHeader && !base.some((h) => h.equals(this.lastHeader?.hash ?? ZERO_HASH)) ? [this.lastHeader.hash, ...base] : base;
    this.awaitingHeaders = true;
    this.touch();
    this.unconnecting.requested(peer);
    peer.send({ kind: 'get-blocks', locator: locator.slice(0, MAX_LOCATOR_HASHES), stopHash: ZERO_HASH });
  }

  private requestMore(): void {
    const peer = this.syncPeer;
    if (!peer) return;
    const items: InvItem[] = [];
    // Downloaded blocks not yet submitted count too: the window bounds what we hold in memory.
    while (this.inFlight.size + this.downloaded.size < this.options.config.maxBlocksInFlight && this.nextToRequest < this.batch.length) {
      const header = this.batch[this.nextToRequest++];
      if (this.options.chain.hasBlock(header.hash)) continue;
      this.inFlight.add(hashKey(header.hash));
      items.push({ type: 'block', hash: header.hash });
    }
    if (items.length > 0) {
      this.peakBlocksInFlight = Math.max(this.peakBlocksInFlight, this.inFlight.size);
      this.touch();
      peer.send({ kind: 'get-data', items });
    }
  }

  /**
   * Hands downloaded blocks to the intake in header order without awaiting each (a block that
   * arrives early waits for its predecessors), keeping up to maxBlocksInFlight submitted.
   */
  private connectReady(): void {
    const { chain, config, intake } = this.options;
    while (this.syncPeer && this.submitted < config.maxBlocksInFlight && this.nextToConnect < this.batch.length) {
      const peer = this.syncPeer;
      const header = this.batch[this.nextToConnect];
      const key = hashKey(header.hash);
      const block = this.downloaded.get(key);
      if (!block) {
        if (this.inFlight.has(key) || !chain.hasBlock(header.hash)) break;
        this.nextToConnect++; // arrived another way (relay) meanwhile
        continue;
      }
      this.downloaded.delete(key);
      this.nextToConnect++;
      const afterParent = this.lastSubmittedHash?.equals(header.prevHash) === true;
      this.lastSubmittedHash = block.hash;
      this.submitted++;
      const generation = this.generation;
      void intake.submit(peer, block, { pipelined: true, afterParent }).then((status) => this.onSubmitted(generation, block, status));
    }
    this.requestMore();
    if (this.syncPeer && !this.awaitingHeaders && this.batch.length > 0 && this.nextToConnect >= this.batch.length && this.submitted === 0) this.batchDone();
  }

  private onSubmitted(generation: number, block: Block, status: IntakeStatus): void {
    if (generation !== this.generation) return;
    this.submitted--;
    if (isIntakeFailure(status)) {
      this.finish(`block ${block.hashHex} of the sync batch was ${status}`, true);
      return;
    }
    this.connectReady();
  }

  private batchDone(): void {
    const peer = this.syncPeer;
    if (!peer) return;
    const ourWork = this.options.chain.tip?.chainWork ?? 0n;
    const progressed = this.batch.length > 0;
    this.batch = [];
    if (this.batchFull || (progressed && peer.bestWork > ourWork)) {
      this.requestHeaders();
      return;
    }
    this.finish('caught up', peer.bestWork > ourWork);
  }

  /** Ends the current sync; `unhelpful` remembers the peer's work so it is not retried for nothing. */
  private finish(reason: string, unhelpful: boolean, restart = true): void {
    const peer = this.syncPeer;
    if (!peer) return;
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    if (unhelpful) this.fruitless.set(peer, peer.bestWork);
    this.syncPeer = undefined;
    this.awaitingHeaders = false;
    this.batch = [];
    this.lastHeader = undefined;
    this.inFlight.clear();
    this.downloaded.clear();
    this.submitted = 0;
    this.lastSubmittedHash = undefined;
    this.generation++;
    this.progress.ended(peer, reason, this.tracker.ended(), this.handover ? 'debug' : this.syncLogLevel);
    if (restart) setImmediate(() => this.maybeStart());
  }

  /** The first header builds on a block we have (or is one): the message is usable, whoever sent it. */
  private connects(headers: readonly BlockHeader[]): boolean {
    const first = headers[0];
    return first !== undefined && (this.options.chain.hasBlock(first.prevHash) || this.options.chain.hasBlock(first.hash));
  }

  /** Progress from the sync peer: push the stall deadline back. */
  private touch(): void {
    if (this.stallTimer) {
      this.stallTimer.refresh();
      return;
    }
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      const peer = this.syncPeer;
      if (!peer) return;
      this.logger.warn({ peer: peer.label, timeoutMs: this.options.config.syncStallTimeoutMs }, 'block sync stalled; trying another peer');
      this.stalledUntilMs.set(peer, Date.now() + SYNC_STALLED_PEER_COOLDOWN_MS);
      this.finish('stalled', false);
    }, this.options.config.syncStallTimeoutMs);
  }
}
