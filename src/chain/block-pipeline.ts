/**
 * How blocks handed to Chain.processBlock reach the database: each block's signature check starts
 * on arrival (on the verify pool: its workers and free turns of this thread), blocks are processed one group at a time in arrival order, each
 * group under one commit, and the tip moves and the blocks' events fire only after that commit.
 * The rules themselves are BlockProcessor's (block-processor.ts); Chain (chain.ts) owns the tip
 * readers see and the events.
 */
import type { Block } from '../primitives/block.js';
import { compactToTarget, hashMeetsTarget } from '../primitives/pow.js';
import { Arrival, gatherReady, takeGroup } from './commit-group.js';
import { type BlockProcessor, branchWork } from './block-processor.js';
import { StorageError } from './errors.js';
import { loadTip } from './load-tip.js';
import { PendingBlocks, mayConnect } from './pending-blocks.js';
import type { ChainParams } from './params.js';
import { SerialQueue } from './queue.js';
import type { ChainStore } from './store/store.js';
import type { ChainTip, ProcessBlockResult } from './types.js';
import type { SignatureCache } from './signature-cache.js';
import { verifyBlockSignatures } from './validate-block.js';
import type { VerifyPool } from './verify-pool/index.js';

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

export interface BlockPipelineOptions {
  readonly store: ChainStore;
  readonly params: ChainParams;
  readonly processor: BlockProcessor;
  readonly verifyPool: VerifyPool;
  /** Transactions the mempool verified: their signatures are not checked again in a block. */
  readonly signatureCache: SignatureCache;
  /** The chain is closing: no new signature checks, and a group not started fails with storage-closed. */
  readonly isClosed: () => boolean;
  /** The tip of the last commit (what an unrequested block's work is compared with before its check starts). */
  readonly committedTip: () => ChainTip | undefined;
  /** The clock a block's timestamp is held to (a future block is not verified early). */
  readonly nowMs: () => number;
  /** A group's commit ended (or failed): the tip it left, set before the blocks' events fire. */
  readonly committed: (tip: ChainTip | undefined) => void;
  /** The commit itself failed to write (Chain emits storage:failed). */
  readonly storageFailed: (error: StorageError) => void;
}

/** The verdict of a signature check that is not run (ProcessBlockOptions.skipSignatures). */
const SIGNATURES_ASSUMED_VALID: Promise<void> = Promise.resolve();

export class BlockPipeline {
  private readonly queue = new SerialQueue();
  /** Blocks handed to process() and not yet processed, in arrival order. */
  private readonly arrivals: Arrival[] = [];
  /** Blocks handed to process() and not settled: a child may have its signatures checked early (pending-blocks.ts). */
  private readonly pendingBlocks = new PendingBlocks();
  /**
   * Set while a group is between its transaction and the end of its block events. Readers on this
   * thread may already see the group's coins then (e.g. a reorg's inputs unspent again), while the
   * mempool has not yet been told (the disconnected txs not yet back): see Chain.settled().
   */
  private commitInFlight: Promise<void> | undefined;

  constructor(private readonly options: BlockPipelineOptions) {}

  /** Validates, stores and (if it makes the heaviest chain) connects `block`. Throws ValidationError. */
  process(block: Block, options: ProcessBlockOptions = {}): Promise<ProcessBlockResult> {
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

  /** Resolves once no group is between its commit and its block events. */
  settled(): Promise<void> {
    return this.commitInFlight ?? Promise.resolve();
  }

  /** Resolves once every block queued so far is processed. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /**
   * An unrequested block that would be refused for too little work as things stand: its signature
   * check is not started (BlockProcessor.processReady decides, against the tip of its turn).
   */
  private lacksWork(block: Block): boolean {
    const tip = this.options.committedTip();
    // Closed: process() must still answer with a rejected promise (processGroup says why), not throw here.
    if (this.options.isClosed() || tip === undefined) return false;
    // Hostile bits (a negative or overflowing target) would make branchWork throw here, outside any
    // handler; BlockProcessor refuses them with a ValidationError in the block's turn.
    if (block.header.bits !== this.options.params.powBits) return false;
    const parent = this.options.store.getIndex(block.header.prevHash);
    return parent !== undefined && branchWork(parent, block.header) <= tip.chainWork;
  }

  /**
   * Signature validity depends on the block alone, so its check starts when the block arrives, on
   * the verify pool (its workers, and this thread between its other work), while earlier blocks are still being connected (a sync hands over blocks
   * without awaiting each). Its verdict is used at the usual point in BlockProcessor.processReady(), so errors
   * keep their order. Only new blocks with valid proof-of-work qualify: a peer cannot make us verify junk cheaply.
   */
  private startSignatureCheck(block: Block): Promise<void> | undefined {
    const { header } = block;
    // A coinbase-only block has no signature to check: no worker round trip, no index read.
    if (block.transactions.length < 2) return undefined;
    if (this.options.isClosed() || header.bits !== this.options.params.powBits || !hashMeetsTarget(header.hash, compactToTarget(header.bits))) return undefined;
    const { store, params } = this.options;
    if (store.getIndex(block.hash)) return undefined;
    const stored = (hash: Buffer): boolean => store.getIndex(hash) !== undefined;
    const context = { pending: this.pendingBlocks, stored, chainEmpty: this.options.committedTip() === undefined, nowSec: Math.floor(this.options.nowMs() / 1000), maxFutureBlockTimeSec: params.maxFutureBlockTimeSec };
    if (!mayConnect(header, context)) return undefined;
    const pending = verifyBlockSignatures(block, this.options.verifyPool, this.options.signatureCache);
    pending.catch(() => undefined); // observed through Arrival; this only stops an unhandled-rejection report meanwhile
    return pending;
  }

  /** Processes `first` and the ready blocks queued behind it under one commit (commit-group.ts). */
  private async processGroup(first: Arrival): Promise<void> {
    if (this.options.isClosed()) {
      this.arrivals.splice(this.arrivals.indexOf(first), 1);
      first.outcome = { error: new StorageError('storage-closed', `the chain database at ${this.options.store.path} is closed`) };
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
    const { store, processor } = this.options;
    const announcements: Array<() => void> = [];
    try {
      // The commit's fsync runs off this thread (transactionAsync): blocks keep arriving and
      // their signature checks keep being handed to the verify pool meanwhile.
      await store.transactionAsync(() => {
        if (processor.connectChained(group, announcements)) return;
        for (const arrival of group) {
          try {
            const { result, announce } = processor.processReady(arrival, announcements);
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
      const tip = loadTip(store);
      processor.workingTip = tip;
      this.options.committed(tip);
      if (error instanceof StorageError && error.code === 'storage-write-failed') this.options.storageFailed(error);
      return;
    }
    this.options.committed(processor.workingTip);
    for (const announce of announcements) announce();
  }
}
