/**
 * The block chain: validates blocks, stores them in LMDB, keeps the UTXO set of the chain with
 * the most work, and reorganises to a heavier branch. processBlock calls are serialised, and
 * events fire only after the LMDB commit they describe.
 */
import { EventEmitter } from 'node:events';
import type { Block, BlockHeader } from '../primitives/block.js';
import { compactToTarget, hashMeetsTarget } from '../primitives/pow.js';
import type { OutPoint } from '../primitives/tx.js';
import type { Logger } from '../util/logger.js';
import { StorageError } from './errors.js';
import { locatorHeights } from './locator.js';
import type { ChainParams } from './params.js';
import { SerialQueue } from './queue.js';
import { ChainStore } from './store/store.js';
import type { ChainEvents, ChainTip, Coin, CoinEntry, CoinView, ProcessBlockResult } from './types.js';
import { verifyBlockSignatures } from './validate-block.js';
import { VerifyPool, type VerifyPoolStats } from './verify-pool/pool.js';
import { Arrival, gatherReady, takeGroup } from './commit-group.js';
import { HeaderCache } from './header-cache.js';
import { loadTip } from './load-tip.js';
import { checkGenesisPin } from './genesis-pin.js';
import { ensureTipIndex } from './candidates.js';
import { BranchActivator } from './activate.js';
import { BlockProcessor, branchWork } from './block-processor.js';
import { PendingBlocks, mayConnect } from './pending-blocks.js';
import { prepareStore } from './open-store.js';
import { SnapshotChecks } from './checks.js';
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
   * Worker threads verifying block signatures; default os.availableParallelism(). 0 or 1 verifies
   * on the calling thread.
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

export interface ProcessBlockOptions {
  /**
   * Do not check the block's signatures (assumevalid: the caller established that the block is an
   * ancestor of the configured assumevalid block). PoW, merkle, UTXO, amounts and maturity are still checked.
   */
  readonly skipSignatures?: boolean;
  /**
   * Nobody asked for this block (a peer relayed it unasked, or we fetched it on a mere `inv`, not
   * through header sync): it is taken only if its branch has more work than the active chain,
   * else refused with `too-little-work` before its signatures are checked (Bitcoin Core's
   * AcceptBlock for !fRequested, stricter on equal work: block-processor.ts says why). Without
   * this a peer could make us verify and store, for ever, side blocks forking off any block, each
   * costing it one block's proof of work.
   */
  readonly unrequested?: boolean;
}

/** The verdict of a signature check that is not run (ProcessBlockOptions.skipSignatures). */
const SIGNATURES_ASSUMED_VALID: Promise<void> = Promise.resolve();

export class Chain extends EventEmitter<ChainEvents> implements CoinView {
  readonly params: ChainParams;
  private readonly queue = new SerialQueue();
  /** The tip as of the last commit: what every reader outside block processing sees. */
  private committedTip: ChainTip | undefined;
  /**
   * Set while a group is between its transaction and the end of its block events. Readers on this
   * thread may already see the group's coins then (e.g. a reorg's inputs unspent again), while the
   * mempool has not yet been told (the disconnected txs not yet back): see settled().
   */
  private commitInFlight: Promise<void> | undefined;
  private closed = false;
  /** Signature workers; they start with the first block big enough to need them. */
  private readonly verifyPool: VerifyPool;
  /** Blocks handed to processBlock and not yet processed, in arrival order. */
  private readonly arrivals: Arrival[] = [];
  /** Blocks handed to processBlock and not settled: a child may have its signatures checked early (pending-blocks.ts). */
  private readonly pendingBlocks = new PendingBlocks();
  /** Checks and connects the blocks of a group inside its transaction; holds the working tip (block-processor.ts). */
  private readonly processor: BlockProcessor;
  /** gettxoutsetinfo and verifychain on snapshots (checks.ts). */
  private readonly checks: SnapshotChecks;

  private constructor(
    private readonly store: ChainStore,
    options: ChainOptions,
    private readonly logger: Logger,
    private readonly nowMs: () => number,
  ) {
    super();
    this.params = options.params;
    this.committedTip = loadTip(store);
    if (ensureTipIndex(store)) logger.info({ path: store.path }, 'built the candidate-tip index of an older chain database');
    const headers = new HeaderCache((hash) => store.getIndex(hash));
    const activator = new BranchActivator(store, options.params, logger, this, options.quietBlockLog ?? (() => false));
    this.processor = new BlockProcessor(store, options.params, logger, nowMs, headers, activator, this.committedTip);
    this.verifyPool = new VerifyPool({ ...(options.verifyThreads !== undefined ? { threads: options.verifyThreads } : {}), logger });
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
    await this.queue.idle();
    await this.checks.stop();
    await this.verifyPool.close();
    await this.store.close();
  }

  get tip(): ChainTip | undefined {
    return this.committedTip;
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
    return this.commitInFlight ?? Promise.resolve();
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

  /** Validates, stores and (if it makes the heaviest chain) connects `block`. Throws ValidationError. */
  processBlock(block: Block, options: ProcessBlockOptions = {}): Promise<ProcessBlockResult> {
    // assumevalid: an already-settled check stands in for the signature verdict; every other rule still runs.
    const unrequested = options.unrequested === true;
    const signatures = options.skipSignatures === true ? SIGNATURES_ASSUMED_VALID : unrequested && this.lacksWork(block) ? undefined : this.startSignatureCheck(block);
    const arrival = new Arrival(block, signatures, unrequested);
    this.arrivals.push(arrival);
    this.pendingBlocks.add(block.hash);
    return this.queue.run(async () => {
      try {
        if (!arrival.outcome) await this.processGroup(arrival);
      } finally {
        this.pendingBlocks.settled(block.hash);
      }
      const outcome = arrival.outcome!;
      if ('error' in outcome) throw outcome.error;
      return outcome.result;
    });
  }

  /**
   * An unrequested block that would be refused for too little work as things stand: its signature
   * check is not started (BlockProcessor.processReady decides, against the tip of its turn).
   */
  private lacksWork(block: Block): boolean {
    const tip = this.committedTip;
    // Closed: processBlock must still answer with a rejected promise (processGroup says why), not throw here.
    if (this.closed || tip === undefined) return false;
    const parent = this.store.getIndex(block.header.prevHash);
    return parent !== undefined && branchWork(parent, block.header) <= tip.chainWork;
  }

  /**
   * Signature validity depends on the block alone, so its check starts when the block arrives, on
   * the worker threads, while earlier blocks are still being connected (a sync hands over blocks
   * without awaiting each). Its verdict is used at the usual point in BlockProcessor.processReady(), so errors
   * keep their order. Only new blocks with valid proof-of-work qualify: a peer cannot make us verify junk cheaply.
   */
  private startSignatureCheck(block: Block): Promise<void> | undefined {
    const { header } = block;
    // A coinbase-only block has no signature to check: no worker round trip, no index read.
    if (block.transactions.length < 2) return undefined;
    if (this.closed || header.bits !== this.params.powBits || !hashMeetsTarget(header.hash, compactToTarget(header.bits))) return undefined;
    if (this.store.getIndex(block.hash)) return undefined;
    const stored = (hash: Buffer): boolean => this.store.getIndex(hash) !== undefined;
    const context = { pending: this.pendingBlocks, stored, chainEmpty: this.committedTip === undefined, nowSec: Math.floor(this.nowMs() / 1000), maxFutureBlockTimeSec: this.params.maxFutureBlockTimeSec };
    if (!mayConnect(header, context)) return undefined;
    const pending = verifyBlockSignatures(block, this.verifyPool);
    pending.catch(() => undefined); // observed through Arrival; this only stops an unhandled-rejection report meanwhile
    return pending;
  }

  /** Processes `first` and the ready blocks queued behind it under one commit (commit-group.ts). */
  private async processGroup(first: Arrival): Promise<void> {
    if (this.closed) {
      this.arrivals.splice(this.arrivals.indexOf(first), 1);
      first.outcome = { error: new StorageError('storage-closed', `the chain database at ${this.store.path} is closed`) };
      return;
    }
    await first.waitReady();
    await gatherReady(this.arrivals, first);
    const group = takeGroup(this.arrivals, first);
    let release: () => void = () => undefined;
    this.commitInFlight = new Promise<void>((resolve) => (release = resolve));
    try {
      await this.commitGroup(group);
    } finally {
      this.commitInFlight = undefined;
      release();
    }
  }

  /** One commit for the group, then (after it) the tip moves and the blocks' events fire. */
  private async commitGroup(group: Arrival[]): Promise<void> {
    const announcements: Array<() => void> = [];
    try {
      // The commit's fsync runs off this thread (transactionAsync): blocks keep arriving and
      // their signature checks keep being handed to the workers meanwhile.
      await this.store.transactionAsync(() => {
        if (this.processor.connectChained(group, announcements)) return;
        for (const arrival of group) {
          try {
            const { result, announce } = this.processor.processReady(arrival, announcements);
            arrival.outcome = { result };
            if (announce) announcements.push(announce);
          } catch (error) {
            arrival.outcome = { error };
          }
        }
      });
    } catch (error) {
      // The commit itself failed: nothing of the group is stored; re-read the tip it may have moved.
      for (const arrival of group) arrival.outcome = { error };
      this.committedTip = this.processor.workingTip = loadTip(this.store);
      if (error instanceof StorageError && error.code === 'storage-write-failed') this.emit('storage:failed', error);
      return;
    }
    this.committedTip = this.processor.workingTip;
    for (const announce of announcements) announce();
  }
}
