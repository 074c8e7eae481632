/**
 * The sync state a person or a status page asks for (Bitcoin Core's getblockchaininfo: headers,
 * blocks, verification progress, initial-download flag), kept from what BlockSync tells it: a
 * sync session starts, a header batch passes its PoW check, a block connects, the session ends.
 * Emits a status at most once per interval while syncing and once when a session ends.
 */
import { CATCHING_UP_MIN_BLOCKS, IBD_MAX_BLOCKS_BEHIND, IBD_MAX_TIP_AGE_SEC, SYNC_STATUS_EVENT_INTERVAL_MS } from './constants.js';

export interface SyncStatus {
  syncing: boolean;
  /** Our tip's height; null before a genesis. */
  height: number | null;
  /**
   * Best height we hold proof-of-work for: our tip, or the last header of the current sync's
   * batches that passed the linkage + PoW check (Core's "headers"). A peer's bare claim never
   * counts here: it only feeds targetHeight.
   */
  headers: number | null;
  /** What the sync aims at: headers, or the sync peer's claimed height when higher (its handshake/ping). */
  targetHeight: number | null;
  /** height / targetHeight (0..1); 1 when caught up. Core's verificationprogress, by blocks (we have no tx-count estimate). */
  progress: number;
  initialBlockDownload: boolean;
  /** Blocks connected per second since the sync started; null when not syncing. */
  blocksPerSec: number | null;
  /** The sync peer's label; null when not syncing. */
  peer: string | null;
  /** When the current sync started (ISO 8601); null when not syncing. */
  startedAt: string | null;
}

/** What a finished sync did: the end-of-sync log line. */
export interface SyncSummary {
  peer: string;
  blocks: number;
  txs: number;
  durationMs: number;
  blocksPerSec: number;
  height: number | null;
}

/** What the tracker reads of the chain (the real Chain satisfies it). */
export interface SyncStatusChain {
  readonly tip: { readonly height: number; readonly header: { readonly timestamp: number } } | undefined;
}

/** What the tracker reads of the sync peer (the real Peer satisfies it). */
export interface SyncPeerView {
  readonly label: string;
  /** Height the peer claims (handshake, pings): unproven. */
  readonly bestHeight: number;
}

export interface SyncStatusOptions {
  chain: SyncStatusChain;
  /** Receives the status: on start, at most once per eventIntervalMs while syncing, and once at the end. */
  emit: (status: SyncStatus) => void;
  nowMs?: () => number;
  eventIntervalMs?: number;
}

interface Session {
  readonly peer: SyncPeerView;
  readonly startedAtMs: number;
  /** Our height when it started (-1: no chain). */
  readonly startHeight: number;
  provenHeight: number;
  blocks: number;
  txs: number;
  /** The proven headers were once IBD_MAX_BLOCKS_BEHIND ahead of us: initial download until it ends. */
  farBehind: boolean;
}

export class SyncStatusTracker {
  private session: Session | undefined;
  private lastEventMs = Number.NEGATIVE_INFINITY;
  /** Core's latch: once out of initial download (outside a sync), a node stays out until restarted. */
  private leftInitialDownload = false;
  private readonly nowMs: () => number;
  private readonly intervalMs: number;

  constructor(private readonly options: SyncStatusOptions) {
    this.nowMs = options.nowMs ?? Date.now;
    this.intervalMs = options.eventIntervalMs ?? SYNC_STATUS_EVENT_INTERVAL_MS;
  }

  get syncing(): boolean {
    return this.session !== undefined;
  }

  /**
   * True while a sync that started at least CATCHING_UP_MIN_BLOCKS behind runs: its blocks are
   * logged at debug (one new block at the tip stays at info).
   */
  get catchingUp(): boolean {
    const s = this.session;
    return s !== undefined && this.targetOf(s) - s.startHeight >= CATCHING_UP_MIN_BLOCKS;
  }

  started(peer: SyncPeerView): void {
    this.session = { peer, startedAtMs: this.nowMs(), startHeight: this.height() ?? -1, provenHeight: -1, blocks: 0, txs: 0, farBehind: false };
    this.emitNow();
  }

  /** A header batch up to `height` passed the linkage and PoW check. */
  proved(height: number): void {
    const s = this.session;
    if (!s) return;
    s.provenHeight = Math.max(s.provenHeight, height);
    if (s.provenHeight - (this.height() ?? -1) >= IBD_MAX_BLOCKS_BEHIND) s.farBehind = true;
    this.maybeEmit();
  }

  /** A block joined the active chain (from any source). */
  connected(block: { readonly transactions: { readonly length: number } }): void {
    const s = this.session;
    if (!s) return;
    s.blocks++;
    s.txs += block.transactions.length;
    this.maybeEmit();
  }

  /** The session ended: emits the final status (syncing false) and returns what it did. */
  ended(): SyncSummary | undefined {
    const s = this.session;
    if (!s) return undefined;
    this.session = undefined;
    const durationMs = Math.max(0, this.nowMs() - s.startedAtMs);
    this.emitNow();
    return { peer: s.peer.label, blocks: s.blocks, txs: s.txs, durationMs, blocksPerSec: rate(s.blocks, durationMs), height: this.height() };
  }

  status(): SyncStatus {
    const s = this.session;
    const height = this.height();
    const headers = s && s.provenHeight > (height ?? -1) ? s.provenHeight : height;
    const target = s ? this.targetOf(s) : headers;
    const progress = height === null || target === null ? 0 : target <= 0 ? 1 : Math.min(1, height / target);
    return {
      syncing: s !== undefined,
      height,
      headers,
      targetHeight: target,
      progress,
      initialBlockDownload: this.initialBlockDownload(),
      blocksPerSec: s ? rate(s.blocks, this.nowMs() - s.startedAtMs) : null,
      peer: s?.peer.label ?? null,
      startedAt: s ? new Date(s.startedAtMs).toISOString() : null,
    };
  }

  /**
   * Core's rule: no chain, or a tip older than a day; plus a sync whose proven headers were far
   * ahead of us. A peer's claimed height alone never makes us "in initial download".
   */
  private initialBlockDownload(): boolean {
    if (this.leftInitialDownload) return false;
    const tip = this.options.chain.tip;
    const inDownload = tip === undefined || tip.header.timestamp < this.nowMs() / 1000 - IBD_MAX_TIP_AGE_SEC || this.session?.farBehind === true;
    if (!inDownload && !this.session) this.leftInitialDownload = true;
    return inDownload;
  }

  private targetOf(s: Session): number {
    return Math.max(s.provenHeight, s.peer.bestHeight, this.height() ?? -1);
  }

  private height(): number | null {
    return this.options.chain.tip?.height ?? null;
  }

  private maybeEmit(): void {
    if (this.nowMs() - this.lastEventMs >= this.intervalMs) this.emitNow();
  }

  private emitNow(): void {
    this.lastEventMs = this.nowMs();
    this.options.emit(this.status());
  }
}

/** Blocks per second, one decimal; 0 for an instant. */
function rate(blocks: number, durationMs: number): number {
  return durationMs > 0 ? Math.round((blocks * 10_000) / durationMs) / 10 : 0;
}
