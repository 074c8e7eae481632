/**
 * The block chain: validates blocks, stores them in LMDB, keeps the UTXO set of the chain with
 * the most work, and reorganises to a heavier branch. processBlock calls are serialised, and
 * events fire only after the LMDB commit they describe.
 */
import { EventEmitter } from 'node:events';
import type { Block, BlockHeader } from '../primitives/block.js';
import type { OutPoint, Transaction } from '../primitives/tx.js';
import type { Logger } from '../util/logger.js';
import { StorageError } from './errors.js';
import { locatorHeights } from './locator.js';
import type { ChainParams } from './params.js';
import { ChainStore } from './store/store.js';
import type { ChainEvents, ChainTip, Coin, CoinEntry, CoinView, ProcessBlockResult } from './types.js';
import { VerifyPool, type VerifyPoolStats } from './verify-pool/index.js';
import { HeaderCache } from './header-cache.js';
import { loadTip } from './load-tip.js';
import { checkGenesisPin } from './genesis-pin.js';
import { ensureTipIndex } from './candidates.js';
import { BranchActivator } from './activate.js';
import { BlockProcessor } from './block-processor.js';
import { BlockPipeline, type ProcessBlockOptions } from './block-pipeline.js';
import { prepareStore } from './open-store.js';
import { SnapshotChecks } from './checks.js';
import { SIGNATURE_CACHE_MAX_TXS } from './constants.js';
import { SignatureCache } from './signature-cache.js';
import type { UtxoSetInfo } from './utxo-digest.js';
import type { VerifyChainResult } from './verify-chain.js';

export interface ChainOptions {
  /** LMDB directory. */
  path: string;
  params: ChainParams;
  logger: Logger;
  /** Clock for the future-timestamp rule (tests inject one). */
  nowMs?: () => number;
  /**
   * Threads verifying block signatures, the chain's own included (threads - 1 workers, as Bitcoin
   * Core's -par); default os.availableParallelism(). 0 or 1 verifies on the calling thread alone.
   */
  verifyThreads?: number;
  /** Rebuild the chain state from the stored blocks before opening (reindex.ts); an unfinished reindex always continues. */
  reindex?: boolean;
  /** Aborted when the node stops while Chain.open still runs a reindex: it ends after its current chunk (reindex.ts). */
  signal?: AbortSignal;
  /**
   * True for a block whose "block connected" line belongs at debug because another line tells of
   * it: a sync catching up (progress lines and a summary) or our own miner ("mined a block"). The
   * node injects it (the chain knows nothing of peers or the miner); default: every block at info.
   */
  quietBlockLog?: (block: Block) => boolean;
}

export type { ProcessBlockOptions } from './block-pipeline.js';

export class Chain extends EventEmitter<ChainEvents> implements CoinView {
  readonly params: ChainParams;
  /** The tip as of the last commit: what every reader outside block processing sees. */
  private committedTip: ChainTip | undefined;
  private closed = false;
  /** Transactions whose signatures the mempool verified: a block holding them does not check them again. */
  private readonly signatureCache = new SignatureCache(SIGNATURE_CACHE_MAX_TXS);
  /** Signature workers; they start with the first block big enough to need them. */
  private readonly verifyPool: VerifyPool;
  /** Arrival, grouping and commit of the blocks handed to processBlock (block-pipeline.ts). */
  private readonly pipeline: BlockPipeline;
  /** gettxoutsetinfo and verifychain on snapshots (checks.ts). */
  private readonly checks: SnapshotChecks;

  private constructor(
    private readonly store: ChainStore,
    options: ChainOptions,
    private readonly logger: Logger,
    nowMs: () => number,
  ) {
    super();
    this.params = options.params;
    this.committedTip = loadTip(store);
    if (ensureTipIndex(store)) logger.info({ path: store.path }, 'built the candidate-tip index of an older chain database');
    const headers = new HeaderCache((hash) => store.getIndex(hash));
    const activator = new BranchActivator(store, options.params, logger, this, options.quietBlockLog ?? (() => false));
    // Checks and connects the blocks of a group inside its transaction; holds the working tip (block-processor.ts).
    const processor = new BlockProcessor(store, options.params, logger, nowMs, headers, activator, this.committedTip, this.signatureCache);
    this.verifyPool = new VerifyPool({ ...(options.verifyThreads !== undefined ? { threads: options.verifyThreads } : {}), logger });
    this.pipeline = new BlockPipeline({
      store,
      params: options.params,
      processor,
      verifyPool: this.verifyPool,
      signatureCache: this.signatureCache,
      isClosed: () => this.closed,
      committedTip: () => this.committedTip,
      nowMs,
      committed: (tip) => (this.committedTip = tip),
      storageFailed: (error) => this.emit('storage:failed', error),
    });
    this.checks = new SnapshotChecks(store, options.params, this.verifyPool);
  }

  static async open(options: ChainOptions): Promise<Chain> {
    const store = ChainStore.open(options.path);
    try {
      // The layout check, the genesis pin and a pending or asked-for reindex (open-store.ts).
      await prepareStore(store, options);
      const chain = new Chain(store, options, options.logger.child({ component: 'chain' }), options.nowMs ?? Date.now);
      const tip = chain.committedTip;
      checkGenesisPin(options.path, chain.genesisHash, options.params.genesisHash);
      chain.logger.info({ path: options.path, height: tip?.height, tip: tip?.header.hashHex }, tip ? 'chain opened' : 'chain opened empty (no genesis yet)');
      return chain;
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  /** Waits for blocks already queued, then closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pipeline.idle();
    await this.checks.stop();
    await this.verifyPool.close();
    await this.store.close();
  }

  get tip(): ChainTip | undefined {
    return this.committedTip;
  }

  /**
   * Every input signature of `tx` was verified (the mempool, on admission): a block holding it will
   * not check them again. Only for a transaction whose every signature was checked.
   */
  noteVerifiedSignatures(tx: Transaction): void {
    this.signatureCache.add(tx);
  }

  /** How busy and how starved the signature workers were (benches print it: the sync pipeline's health). */
  verifyStats(): VerifyPoolStats {
    return this.verifyPool.stats();
  }

  /**
   * Resolves once no block group is between its commit and its block events, so chain coins and
   * the mempool agree. A payment built in that window could spend the inputs of a tx a reorg is
   * about to put back into the pool and so knock the wallet's own earlier payment out (found by
   * the flapping-link lab test). Core does both under cs_main; here the wallet waits for this.
   */
  settled(): Promise<void> {
    return this.pipeline.settled();
  }

  get genesisHash(): Buffer | undefined {
    return this.committedTip ? this.store.getHashAtHeight(0) : undefined;
  }

  /** gettxoutsetinfo: count, total and digest of the UTXO set with the tip it belongs to, from one snapshot. */
  utxoSetInfo(signal?: AbortSignal): Promise<UtxoSetInfo> {
    return this.checks.utxoSetInfo(signal);
  }

  /**
   * verifychain (verify-chain.ts) on a snapshot of the committed state; `depth` 0 re-validates
   * every block. One at a time (checks.ts); `signal` stops it at its next slice.
   */
  verifyChain(depth: number, onProgress?: (height: number, tipHeight: number) => void, signal?: AbortSignal): Promise<VerifyChainResult> {
    return this.checks.verifyChain(depth, onProgress, signal);
  }

  getCoin(outpoint: OutPoint): Coin | undefined {
    return this.store.getCoin(outpoint);
  }

  getCoinsByPubKeyHash(pubKeyHash: Buffer): CoinEntry[] {
    return this.store.coinsByPubKeyHash(pubKeyHash);
  }

  getBalance(pubKeyHash: Buffer): bigint {
    let total = 0n;
    for (const { coin } of this.store.coinsByPubKeyHash(pubKeyHash)) total += coin.amount;
    return total;
  }

  getHashAtHeight(height: number): Buffer | undefined {
    return this.store.getHashAtHeight(height);
  }

  getHeaderAtHeight(height: number): BlockHeader | undefined {
    const hash = this.store.getHashAtHeight(height);
    return hash ? this.store.getIndex(hash)?.header : undefined;
  }

  /** Header of any stored valid block (active or side branch). */
  getHeader(hash: Buffer): BlockHeader | undefined {
    const entry = this.store.getIndex(hash);
    return entry?.status === 'valid' ? entry.header : undefined;
  }

  getBlock(hash: Buffer): Block | undefined {
    return this.store.getBlock(hash);
  }

  /** Cumulative work up to and including a stored valid block (the explorer's `work`). */
  getChainWork(hash: Buffer): bigint | undefined {
    const entry = this.store.getIndex(hash);
    return entry?.status === 'valid' ? entry.chainWork : undefined;
  }

  /** Coins an active-chain block spent, in spending order (its undo data); undefined off the active chain. */
  getUndo(hash: Buffer): Coin[] | undefined {
    return this.store.getUndo(hash);
  }

  /** The block's canonical encoding as stored (active chain or side branch), for serving it to peers without a decode. */
  getBlockBytes(hash: Buffer): Buffer | undefined {
    return this.store.getBlockBytes(hash);
  }

  /** The first `bytes` of a stored block's encoding and its length (the explorer's summaries), without reading the rest. */
  getBlockPrefix(hash: Buffer, bytes: number): { prefix: Buffer; length: number } | undefined {
    return this.store.getBlockPrefix(hash, bytes);
  }

  /** True when the block's data is stored (active chain or side branch). */
  hasBlock(hash: Buffer): boolean {
    return this.store.hasBlock(hash);
  }

  getLocator(): Buffer[] {
    const tip = this.committedTip;
    if (!tip) return [];
    return locatorHeights(tip.height).map((height) => {
      const hash = this.store.getHashAtHeight(height);
      if (!hash) throw new StorageError('storage-corrupt', `the chain database at ${this.store.path} has no active block at height ${height}`);
      return hash;
    });
  }

  /** Validates, stores and (if it makes the heaviest chain) connects `block`. Throws ValidationError (block-pipeline.ts). */
  processBlock(block: Block, options: ProcessBlockOptions = {}): Promise<ProcessBlockResult> {
    return this.pipeline.process(block, options);
  }
}
