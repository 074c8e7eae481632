/**
 * Keeps the transaction and address indexes in step with the active chain, after Bitcoin Core's
 * BaseIndex: a background task with its own best block that catches up from it at start (in
 * chunks that yield to the event loop, logging progress), follows the chain's block events, and
 * rewinds blocks that left the active chain. It pulls from the chain rather than trusting the
 * event order: each step compares its best block with the chain, so a reorg, a restart or a
 * missed event all end the same way — at the chain's tip.
 */
import { setTimeout as sleep, setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { ChainEvents, ChainTip, Coin } from '../../chain/types.js';
import type { Block } from '../../primitives/block.js';
import { errorMessage } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { INDEX_BUSY_CHAIN_DELAY_MS, INDEX_CHUNK_BLOCKS, INDEX_LOG_INTERVAL_MS, INDEX_SETTLE_WAIT_MS, INDEX_SLICE_MS } from '../constants.js';
import type { AddressHistoryEntry, ExplorerIndex, HistoryCursor, IndexBest, TxLocation } from '../types.js';
import { indexBlock, spentCount } from './build.js';
import type { IndexedBlock } from './codecs.js';
import { IndexStore } from './store.js';

/** What the indexer reads from the chain (the real Chain satisfies it). */
export interface IndexerChain {
  readonly tip: ChainTip | undefined;
  getHashAtHeight(height: number): Buffer | undefined;
  getBlock(hash: Buffer): Block | undefined;
  getUndo(hash: Buffer): readonly Coin[] | undefined;
  on<K extends keyof ChainEvents>(event: K, listener: (...args: ChainEvents[K]) => void): unknown;
  off<K extends keyof ChainEvents>(event: K, listener: (...args: ChainEvents[K]) => void): unknown;
}

export interface ChainIndexerOptions {
  /** Directory of the index's own LMDB environment (<datadir>/indexes). */
  path: string;
  chain: IndexerChain;
  logger: Logger;
  nowMs?: () => number;
}

export class ChainIndexer implements ExplorerIndex {
  private readonly store: IndexStore;
  private readonly chain: IndexerChain;
  private readonly logger: Logger;
  private readonly nowMs: () => number;
  private running: Promise<void> | undefined;
  private again = false;
  private started = false;
  private stopped = false;
  /** Set once the index first reached the tip: from then on lookups may wait for it (indexSettled). */
  private following = false;
  private readonly waiters = new Set<() => void>();
  private lastLogMs = 0;
  /** The chain connected blocks during the last chunk (a sync): progress lines go to debug then, the sync logs its own. */
  private chainBusy = false;
  /** A commit failed and none has succeeded since: the error is logged once per streak, not per block. */
  private failing = false;
  private readonly onBlock = (): void => this.wake();

  constructor(options: ChainIndexerOptions) {
    this.store = IndexStore.open(options.path);
    this.chain = options.chain;
    this.logger = options.logger.child({ component: 'index' });
    this.nowMs = options.nowMs ?? Date.now;
  }

  get best(): IndexBest | undefined {
    return this.store.best;
  }

  /** True once the index has reached the chain tip at least once since start. */
  get synced(): boolean {
    return this.following;
  }

  findTx(txid: Buffer): TxLocation | undefined {
    return this.store.findTx(txid);
  }

  addressHistory(pubKeyHash: Buffer, limit: number, before?: HistoryCursor): { entries: AddressHistoryEntry[]; more: boolean } {
    return this.store.addressHistory(pubKeyHash, limit, before);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const best = this.store.best;
    this.logger.info({ path: this.store.path, height: best?.height ?? null, tip: this.chain.tip?.height ?? null }, 'transaction and address index opened');
    this.chain.on('block:connected', this.onBlock);
    this.chain.on('block:disconnected', this.onBlock);
    this.wake();
  }

  /** Stops following the chain, lets the current chunk commit, then closes the database. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.chain.off('block:connected', this.onBlock);
    this.chain.off('block:disconnected', this.onBlock);
    await this.running;
    this.releaseWaiters();
    await this.store.close();
  }

  /** Resolves once the index holds the chain tip, or after `timeoutMs`; at once while it has never caught up (-28 then). */
  indexSettled(timeoutMs = INDEX_SETTLE_WAIT_MS): Promise<void> {
    if (!this.following || this.stopped || this.atTip()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const check = (): void => {
        if (this.atTip() || this.stopped) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(check);
    });
  }

  private atTip(): boolean {
    const tip = this.chain.tip;
    const best = this.store.best;
    return tip === undefined || (best !== undefined && best.hash.equals(tip.hash));
  }

  private releaseWaiters(): void {
    for (const check of [...this.waiters]) check();
  }

  private wake(): void {
    if (this.stopped || !this.started) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        for (;;) {
          const tipBefore = this.chain.tip?.hash;
          if (this.stopped || !(await this.step())) break;
          this.releaseWaiters();
          // The chain connected blocks meanwhile: it is syncing, so leave it most of the thread.
          const busy = tipBefore !== undefined && this.chain.tip !== undefined && !this.chain.tip.hash.equals(tipBefore);
          this.chainBusy = busy;
          if (this.failing) {
            this.failing = false;
            this.logger.info({ height: this.store.best?.height ?? null }, 'indexing resumed');
          }
          if (busy) await sleep(INDEX_BUSY_CHAIN_DELAY_MS);
          else await yieldToEventLoop();
        }
      } catch (err) {
        // The index is an aid, not consensus: log (once per failure streak), and let the next block event try again.
        const fields = { err: errorMessage(err), height: this.store.best?.height ?? null };
        if (this.failing) this.logger.debug(fields, 'indexing failed again');
        else this.logger.error(fields, 'indexing failed; gettransaction and getaddress answer -28 until it recovers (it retries at the next block)');
        this.failing = true;
        this.releaseWaiters();
        return;
      }
    } while (this.again && !this.stopped);
    if (this.atTip()) {
      if (!this.following && this.chain.tip) this.logger.info({ height: this.store.best?.height ?? null }, 'transaction and address index is up to date');
      this.following = this.following || this.chain.tip !== undefined;
    }
    this.releaseWaiters();
  }

  /** One commit: rewinds the best block while it is off the active chain, else connects the next blocks. False when nothing was left to do. */
  private async step(): Promise<boolean> {
    const tip = this.chain.tip;
    if (!tip) return false;
    const best = this.store.best;
    if (best && !this.chain.getHashAtHeight(best.height)?.equals(best.hash)) return this.rewindChunk(best);
    if (best?.hash.equals(tip.hash)) return false;
    const blocks = this.collect(best, tip);
    if (blocks.length === 0) return false;
    await this.store.commit((w) => {
      for (const b of blocks) w.connect(b);
    });
    this.logProgress(blocks.length, tip.height);
    return true;
  }

  /** The next active blocks after `best`, for up to INDEX_SLICE_MS / INDEX_CHUNK_BLOCKS; stops where the chain changes under it. */
  private collect(best: IndexBest | undefined, tip: ChainTip): IndexedBlock[] {
    const deadline = this.nowMs() + INDEX_SLICE_MS;
    const blocks: IndexedBlock[] = [];
    let prev = best?.hash;
    for (let height = (best?.height ?? -1) + 1; height <= tip.height && blocks.length < INDEX_CHUNK_BLOCKS; height++) {
      const hash = this.chain.getHashAtHeight(height);
      const block = hash ? this.chain.getBlock(hash) : undefined;
      if (!block || (prev && !block.header.prevHash.equals(prev))) break;
      const undo = this.chain.getUndo(block.hash) ?? (spentCount(block) === 0 ? [] : undefined);
      if (!undo || undo.length !== spentCount(block)) break; // disconnected meanwhile: the next step sees it
      blocks.push(indexBlock(block, undo));
      prev = block.hash;
      if (this.nowMs() >= deadline) break;
    }
    return blocks;
  }

  private async rewindChunk(best: IndexBest): Promise<boolean> {
    const hashes: Buffer[] = [];
    let at: IndexBest | undefined = best;
    while (at && hashes.length < INDEX_CHUNK_BLOCKS && !this.chain.getHashAtHeight(at.height)?.equals(at.hash)) {
      const record = this.store.undoRecord(at.hash);
      if (!record) {
        this.logger.warn({ height: at.height, hash: at.hash.toString('hex') }, 'index has no undo record for a block to rewind; rebuilding the index from genesis');
        await this.store.clear();
        return true;
      }
      hashes.push(at.hash);
      at = record.height === 0 ? undefined : { hash: record.prevHash, height: record.height - 1 };
    }
    await this.store.commit((w) => {
      for (const hash of hashes) w.rewind(hash);
    });
    this.logger.info({ blocks: hashes.length, height: this.store.best?.height ?? null }, 'index rewound blocks that left the active chain');
    return true;
  }

  private logProgress(blocks: number, tipHeight: number): void {
    const height = this.store.best?.height ?? -1;
    const now = this.nowMs();
    if (height >= tipHeight || this.chainBusy || now - this.lastLogMs < INDEX_LOG_INTERVAL_MS) {
      this.logger.debug({ height, blocks }, 'indexed blocks');
      return;
    }
    this.lastLogMs = now;
    this.logger.info({ height, tip: tipHeight, progress: Number(((height + 1) / (tipHeight + 1)).toFixed(4)) }, 'building the transaction and address index');
  }
}
