/**
 * One block sync (design.md §6: a SyncSession per sync, named states, finish() drops it).
 * Headers first, from one peer (the one reporting the most work), checked for linkage, PoW and
 * timestamps and kept up to SYNC_MAX_QUEUED_HEADERS ahead of the chain; bodies from every ready peer that
 * has them (sync-download.ts: a window per peer and a global one); handed to the chain in header
 * order through the block intake, a SubmitWindow's worth ahead of its commits (sync-submission.ts).
 *
 *   'headers'  waiting for the source's headers, nothing to download
 *   'blocks'   bodies queued, in flight or being connected (a headers request may run ahead)
 *   'finished' ended (caught up, stalled, a bad block, the source left); nothing it does counts any more
 *
 * A peer that holds the block the chain needs next past the block-stall timeout (blockStallTimeoutMs,
 * doubled per staller dropped: stall-timeout.ts), while others could send it, loses its blocks to
 * them and is dropped; no progress at all for syncStallTimeoutMs ends the session (the sync then
 * restarts with another peer).
 */
import type { Chain } from '../chain/chain.js';
import type { Block, BlockHeader } from '../primitives/block.js';
import { ZERO_HASH } from '../primitives/hash.js';
import type { Logger } from '../util/logger.js';
import type { BlockIntake } from './block-intake.js';
import type { P2PConfig } from './config.js';
import { SYNC_GLOBAL_WINDOW_BLOCKS, SYNC_HEDGE_AFTER_MS, SYNC_MAX_BUFFERED_BYTES, SYNC_MAX_QUEUED_HEADERS } from './constants.js';
import type { Peer } from './peer.js';
import type { PeerSet } from './peers.js';
import { BlockDownload } from './sync-download.js';
import { HeaderTrail } from './sync-header-trail.js';
import { judgeHeaders } from './sync-header-verdict.js';
import { LightBranch } from './sync-light-branch.js';
import type { AdaptiveStallTimeout } from './stall-timeout.js';
import { ChainWaitClock, SyncStallClocks } from './sync-stall.js';
import { SyncSubmission } from './sync-submission.js';
import type { UnconnectingHeaders } from './unconnecting-headers.js';
import type { InvItem } from './wire/index.js';

export type SyncState = 'headers' | 'blocks' | 'finished';

/** How a session ended, for the peer choice of the next one. */
export interface SyncEnd {
  readonly reason: string;
  /** The source could not deliver what it claimed: not chosen again until it reports other work. */
  readonly unhelpful: boolean;
  /** Nothing came for syncStallTimeoutMs: the source is cooled down. */
  readonly stalled: boolean;
  /**
   * The source's next header was too far in the future (time-too-new): not a source again for
   * SYNC_TIME_TOO_NEW_RETRY_MS, never counted towards 'fruitless-sync' (our clock may be the wrong one).
   */
  readonly timeTooNew?: boolean;
}

export interface SyncSessionOptions {
  readonly chain: Chain;
  readonly peers: PeerSet;
  readonly intake: BlockIntake;
  readonly config: P2PConfig;
  readonly logger: Logger;
  readonly unconnecting: UnconnectingHeaders;
  /** The block-stall timeout, shared by the node's sessions: raised by each staller dropped, lowered by blocks connected. */
  readonly stallTimeout: AdaptiveStallTimeout;
  /** Core's -assumevalid: signatures of this block's ancestors in the source's headers are not checked. */
  readonly assumeValid: Buffer | undefined;
  readonly now: () => number;
  /** Headers up to this height are proven (status). */
  readonly onProved: (height: number) => void;
  /** Called once, after the state became 'finished'. */
  readonly onFinished: (session: SyncSession, end: SyncEnd) => void;
}

export class SyncSession {
  state: SyncState = 'headers';
  private readonly download: BlockDownload<Peer>;
  /** A get-blocks to the source is unanswered. */
  private headersOut = false;
  private readonly trail: HeaderTrail;
  /** Blocks handed to the chain (sync-submission.ts). */
  private readonly submission: SyncSubmission;
  private readonly stall: SyncStallClocks;
  private readonly chainWait = new ChainWaitClock();
  /** An advance() is queued (advanceSoon). */
  private advanceQueued = false;
  /** The source sent a header too far in the future: nothing after it is asked for (SyncEnd.timeTooNew). */
  private timeTooNew = false;
  /** Headers of a branch not (yet) heavier than ours, held back from the download (sync-light-branch.ts). */
  private readonly light = new LightBranch();

  constructor(
    /** The header source: the peer reporting the most work when the sync started. */
    readonly peer: Peer,
    private readonly options: SyncSessionOptions,
  ) {
    this.download = new BlockDownload<Peer>({
      perPeerWindow: options.config.maxBlocksInFlight,
      globalWindow: SYNC_GLOBAL_WINDOW_BLOCKS,
      maxBufferedBytes: SYNC_MAX_BUFFERED_BYTES,
      hedgeAfterMs: SYNC_HEDGE_AFTER_MS,
      have: (hash) => options.chain.hasBlock(hash),
      serves: (p, header) => this.serves(p, header),
    });
    this.trail = new HeaderTrail(options.chain, options.assumeValid, options.logger, options.now);
    this.stall = new SyncStallClocks(options.config.syncStallTimeoutMs, () => this.checkStall(), () => this.noProgress());
    this.submission = new SyncSubmission({
      intake: options.intake,
      download: this.download,
      peers: options.peers,
      trail: this.trail,
      source: peer,
      serves: (p, header) => this.serves(p, header),
      isFinished: () => this.isFinished(),
      onSettled: () => this.advanceSoon(),
      onFailed: (reason, unhelpful) => this.finish({ reason, unhelpful, stalled: false }),
    });
  }

  /** A method, not a field comparison: TypeScript's narrowing does not see finish() run in between. */
  private isFinished(): boolean {
    return this.state === 'finished';
  }

  get awaitingHeaders(): boolean {
    return this.headersOut && this.state !== 'finished';
  }

  /** Time the chain sat idle waiting for this session's download (ChainWaitClock). */
  get waitedForBlocksMs(): number {
    return this.chainWait.waitedMs(this.options.now());
  }

  /** Most bodies in flight at once in this session. */
  get peakBlocksInFlight(): number {
    return this.download.peak;
  }

  start(): void {
    this.requestHeaders();
  }

  /** The source answered our get-blocks (BlockSync checked it is ours to take). */
  onHeaders(received: readonly BlockHeader[]): void {
    this.headersOut = false;
    const { chain } = this.options;
    const queued = this.download.queued > 0;
    const verdict = judgeHeaders(received, this.trail, this.peer, this.options.unconnecting, this.options.logger);
    if (verdict.kind === 'ignore') return;
    if (verdict.kind === 'end') {
      if (verdict.timeTooNew) this.timeTooNew = true;
      return this.finish({ reason: verdict.reason, unhelpful: verdict.unhelpful, stalled: false, ...(verdict.timeTooNew ? { timeTooNew: true } : {}) });
    }
    const { headers, tooNew } = verdict;
    if (tooNew) this.timeTooNew = true;
    const missing = headers.filter((h) => !chain.hasBlock(h.hash));
    const broken = this.trail.breaks(headers, missing, queued || this.light.holding);
    if (broken === 'switched') return this.finish({ reason: 'the sync peer switched to another branch', unhelpful: false, stalled: false });
    if (broken === 'replayed') return this.finish({ reason: 'the sync peer sent headers we have, not after its last batch', unhelpful: true, stalled: false });
    this.trail.accept(headers, missing, tooNew);
    const tipHeight = chain.tip?.height ?? -1;
    const wanted = this.light.take(missing, this.trail.last?.height, tipHeight, (header) => this.options.intake.orphanAbove(header, tipHeight));
    if (wanted === 'too-many') {
      const count = this.light.countWith(missing.length);
      this.finish({ reason: `the sync peer's branch is still not heavier than ours after ${count} headers`, unhelpful: true, stalled: false });
      return;
    }
    this.download.add(wanted);
    this.trail.noteAssumeValid(wanted);
    if (this.trail.last) this.options.onProved(this.trail.last.height);
    this.options.logger.debug({ peer: this.peer.label, headers: headers.length, missing: missing.length, queued: this.download.queued }, 'received headers');
    this.advance();
  }

  /** True when the block is one this session asked for (of anyone); it is then connected in order. */
  onBlock(peer: Peer, block: Block): boolean {
    if (this.state === 'finished') return false;
    const nowMs = this.options.now();
    // A copy it still owed of a block another peer sent first: ours, but no progress.
    if (!this.download.received(peer, block, nowMs)) return this.download.takeOwed(peer, block.hash, nowMs);
    this.stall.progress();
    this.advanceSoon();
    return true;
  }

  onNotFound(peer: Peer, items: readonly InvItem[]): void {
    if (this.state === 'finished' || !this.download.notFound(peer, items.map((i) => i.hash), this.options.now())) return;
    // The source announced these headers itself; another peer may just be on another branch.
    if (peer === this.peer) this.finish({ reason: 'sync peer does not have the blocks it announced', unhelpful: true, stalled: false });
    else this.advance();
  }

  /** A peer left: the source's leaving ends the session, another's blocks go to the rest. */
  onPeerClosed(peer: Peer, reason: string): void {
    if (this.state === 'finished') return;
    if (peer === this.peer) return this.finish({ reason, unhelpful: false, stalled: false });
    this.download.dropPeer(peer, false);
    this.advance();
  }

  /** A peer became ready (or reported new work): give it a share of the download. */
  poke(): void {
    if (this.state !== 'finished') this.advance();
  }

  finish(end: SyncEnd): void {
    if (this.state === 'finished') return;
    this.transition('finished', end.reason);
    this.stall.stop();
    this.chainWait.set(false, this.options.now());
    this.options.onFinished(this, end);
  }

  /** Connects what is ready, keeps headers coming, fills every peer's window, then names the state. */
  private advance(): void {
    this.submission.connectReady();
    if (this.isFinished()) return;
    if (!this.headersOut && this.download.queued < SYNC_MAX_QUEUED_HEADERS && this.trail.more) this.requestHeaders();
    if (!this.headersOut && this.download.queued === 0 && this.submission.blocks === 0) {
      this.allConnected();
      if (this.isFinished()) return;
    }
    this.requestBodies();
    this.chainWait.set(this.download.queued > 0 && this.submission.blocks === 0, this.options.now());
    this.transition(this.download.queued === 0 && this.submission.blocks === 0 ? 'headers' : 'blocks');
  }

  /** Every queued block is in the chain and the source's last batch was not full. */
  private allConnected(): void {
    const ourWork = this.options.chain.tip?.chainWork ?? 0n;
    if (this.trail.lastBatchUseful && this.peer.bestWork > ourWork) {
      this.trail.lastBatchUseful = false;
      this.requestHeaders();
      return;
    }
    this.finish({ reason: 'caught up', unhelpful: this.peer.bestWork > ourWork, stalled: false, timeTooNew: this.timeTooNew });
  }

  private requestHeaders(): void {
    const locator = this.trail.locator();
    this.headersOut = true;
    this.stall.progress();
    this.options.unconnecting.requested(this.peer);
    this.peer.send({ kind: 'get-blocks', locator, stopHash: ZERO_HASH });
  }

  private requestBodies(): void {
    const peers = this.options.peers.ready().filter((p) => p.isReady);
    const requests = this.download.schedule(peers, this.options.now());
    for (const [peer, items] of requests) peer.send({ kind: 'get-data', items });
    if (requests.size > 0) this.stall.progress();
  }

  /**
   * One advance() for everything that arrived together: the blocks of one socket read, the
   * outcomes of one commit group. Run as a microtask, so it follows them at once; per block it
   * cost a get-data write (and a wake-up of the source) for each block received and a pass
   * over the window for each block connected.
   */
  private advanceSoon(): void {
    if (this.advanceQueued) return;
    this.advanceQueued = true;
    queueMicrotask(() => {
      this.advanceQueued = false;
      if (!this.isFinished()) this.advance();
    });
  }

  /** The source has every block it sent headers for; another peer only what its reported height covers. */
  private serves(peer: Peer, header: BlockHeader): boolean {
    return peer === this.peer || peer.bestHeight >= header.height;
  }

  /**
   * The block the chain needs next is late: drop its peer if another could send it. Otherwise a
   * pass over the download: a slow peer's run may be due to be asked of another too (sync-hedging.ts).
   */
  private checkStall(): void {
    if (this.state !== 'blocks') return;
    const { logger, stallTimeout } = this.options;
    const timeoutMs = stallTimeout.currentMs;
    const staller = this.download.staller(this.options.now(), timeoutMs);
    const header = this.download.peekHeader();
    if (!staller || !header) return this.requestBodies();
    const others = this.options.peers.ready().filter((p) => p !== staller && p.isReady && this.serves(p, header));
    if (others.length === 0) return; // nobody else has it: syncStallTimeoutMs decides
    // The next staller gets twice as long: if our own link is the bottleneck, every peer looks like one.
    stallTimeout.stallerDropped();
    logger.warn({ peer: staller.label, height: header.height, timeoutMs, nextTimeoutMs: stallTimeout.currentMs, others: others.length }, 'peer stalls the block download; its blocks go to other peers');
    this.download.dropPeer(staller, true);
    staller.disconnect('block-stall', `did not deliver block ${header.hashHex} at height ${header.height} within ${timeoutMs} ms`);
    if (!this.isFinished()) this.advance();
  }

  private transition(to: SyncState, reason?: string): void {
    if (this.state === to) return;
    this.options.logger.debug({ from: this.state, to, peer: this.peer.label, ...(reason ? { reason } : {}) }, 'sync state');
    this.state = to;
  }

  /** Nothing came for syncStallTimeoutMs. */
  private noProgress(): void {
    if (this.state === 'finished') return;
    this.options.logger.warn({ peer: this.peer.label, timeoutMs: this.options.config.syncStallTimeoutMs }, 'block sync stalled; trying another peer');
    this.finish({ reason: 'stalled', unhelpful: false, stalled: true });
  }
}
