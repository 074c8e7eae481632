/**
 * Making a branch the active chain: the branch ending at a new or stored block is connected in
 * one (child) LMDB transaction (reorg.ts); a block of it breaking a rule is recorded invalid
 * (invalid.ts), and activateBestValid then switches to the best valid stored branch left (Core's
 * ActivateBestChain). Log lines and events wait for the commit: each activation returns them as
 * `announce`, which the caller runs after it.
 */
import type { EventEmitter } from 'node:events';
import type { Block } from '../primitives/block.js';
import { errorMessage } from '../util/errors.js';
import { type Logger, flushLogsSync } from '../util/logger.js';
import { REORG_LOG_FLUSH_MIN_BLOCKS } from './constants.js';
import { branchSwitched, findBestCandidate } from './candidates.js';
import { ValidationCode as Code, ValidationError } from './errors.js';
import { invalidateWithDescendants, recordInvalid } from './invalid.js';
import type { ChainParams } from './params.js';
import { BranchConnectError, type BranchPlan, type BranchResult, applyBranch, planBranch } from './reorg.js';
import type { IndexEntry } from './store/codecs.js';
import type { ChainStore } from './store/store.js';
import type { ChainEvents, ChainTip, ProcessBlockResult } from './types.js';

/** A branch made active: what processBlock reports, the new working tip, and what to log and emit after the commit. */
export interface Activation {
  readonly result: ProcessBlockResult;
  readonly tip: ChainTip;
  readonly announce: () => void;
}

export class BranchActivator {
  constructor(
    private readonly store: ChainStore,
    private readonly params: ChainParams,
    private readonly logger: Logger,
    /** Where `announce` emits (the Chain). */
    private readonly events: EventEmitter<ChainEvents>,
    /** True: this block's "block connected" line goes to debug (ChainOptions.quietBlockLog). */
    private readonly quietBlockLog: (block: Block) => boolean,
  ) {}

  /**
   * Makes the branch ending at `block` (new, or stored) active over `oldTip`, in one (child) LMDB
   * transaction; the caller adopts the returned tip.
   */
  activate(block: Block, entry: IndexEntry, parent: IndexEntry | undefined, oldTip: ChainTip | undefined, stored: boolean): Activation {
    let result: BranchResult;
    let plan: BranchPlan | undefined;
    try {
      plan = planBranch(this.store, entry, oldTip?.height, oldTip?.hash);
      const branch = plan;
      // A deep switch holds the thread for its whole transaction: say what it is doing before, not only after.
      if (branch.disconnect.length > 0) {
        this.logger.info({ forkHeight: branch.forkHeight, disconnect: branch.disconnect.length, connect: branch.connect.length, newTip: block.hashHex }, 'chain reorganisation started');
        // Only a switch long enough to matter holds the line back noticeably (kill -9 tests wait for it).
        if (branch.disconnect.length >= REORG_LOG_FLUSH_MIN_BLOCKS) flushLogsSync();
      }
      result = this.store.transaction(() => {
        this.store.putBlock(block, entry);
        const applied = applyBranch(this.store, branch, block, this.params);
        // Extending the tip with a new block (the common case) leaves the candidate tips as they are.
        if (stored || branch.disconnect.length > 0 || branch.connect.length > 1) branchSwitched(this.store, oldTip && this.store.getIndex(oldTip.hash), branch.connect);
        return applied;
      });
    } catch (err) {
      if (err instanceof BranchConnectError) throw this.branchFailed(block, stored, err, oldTip);
      if (err instanceof ValidationError) {
        if (stored) invalidateWithDescendants(this.store, this.logger, entry);
        else recordInvalid(this.store, this.logger, block.header, parent);
      }
      throw err;
    }
    const tip: ChainTip = { hash: block.hash, height: block.height, chainWork: entry.chainWork, header: block.header };
    const forkHeight = plan.forkHeight;
    const forkHash = result.disconnected.length > 0 ? this.store.getHashAtHeight(forkHeight)?.toString('hex') : undefined;
    const announce = (): void => {
      if (result.disconnected.length > 0) {
        this.logger.warn({ forkHeight, forkHash, depth: result.disconnected.length, newTip: block.hashHex, newHeight: block.height }, 'chain reorganisation');
      }
      for (const b of result.connected) {
        this.logger[this.quietBlockLog(b) ? 'debug' : 'info']({ height: b.height, hash: b.hashHex, txs: b.transactions.length }, 'block connected');
      }
      for (const b of result.disconnected) this.emitSafely('block:disconnected', b);
      for (const b of result.connected) this.emitSafely('block:connected', b);
    };
    return { result: { status: result.disconnected.length > 0 ? 'reorganized' : 'connected', hash: block.hash, ...result }, tip, announce };
  }

  /**
   * Core's ActivateBestChain after a branch failed: switch at once to the stored branch with the
   * most work and no invalid block, if it beats `tip`, retrying while candidates fail. Each
   * failure marks at least one stored block invalid, so the loop ends. Returns the new tip, or
   * undefined when `tip` stays; `announcements` receives the switch's announcement.
   */
  activateBestValid(tip: ChainTip | undefined, announcements: Array<() => void>): ChainTip | undefined {
    if (!tip) return undefined;
    const tried = new Set<string>(); // in case recording a failure itself failed: never retry a block
    for (;;) {
      const best = this.store.transaction(() => findBestCandidate(this.store, tip.chainWork));
      if (!best || tried.has(best.header.hashHex)) return undefined;
      tried.add(best.header.hashHex);
      const block = this.store.getBlock(best.header.hash);
      if (!block) return undefined; // findBestCandidate only returns blocks whose data is stored
      this.logger.info({ hash: best.header.hashHex, height: best.header.height }, 'switching to the best valid stored branch');
      try {
        const activation = this.activate(block, best, this.store.getIndex(best.header.prevHash), tip, true);
        announcements.push(activation.announce);
        return activation.tip;
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
      }
    }
  }

  /**
   * The aborted transaction left the old chain in place. Mark the failing block and every stored
   * block built on it invalid (the new block too, when it is not stored), and explain which block was at fault.
   */
  private branchFailed(block: Block, stored: boolean, failure: BranchConnectError, keptTip: ChainTip | undefined): ValidationError {
    const { failedHash, validationError } = failure;
    const failedStored = stored || !failedHash.equals(block.hash);
    const failedEntry = failedStored ? this.store.getIndex(failedHash) : undefined;
    if (failedEntry) invalidateWithDescendants(this.store, this.logger, failedEntry);
    if (!stored) recordInvalid(this.store, this.logger, block.header, this.store.getIndex(block.header.prevHash));
    this.logger.warn({ failed: failedHash.toString('hex'), reason: validationError.code, keptTip: keptTip?.header.hashHex }, 'rejected a heavier branch with an invalid block; keeping the current chain');
    if (failedHash.equals(block.hash)) return validationError;
    return new ValidationError(Code.InvalidAncestor, `block ${block.hashHex} builds on block ${failedHash.toString('hex')}, which is invalid: ${validationError.message}`);
  }

  private emitSafely<K extends keyof ChainEvents>(event: K, block: Block): void {
    try {
      (this.events.emit as (e: K, b: Block) => boolean).call(this.events, event, block);
    } catch (err) {
      this.logger.error({ event, hash: block.hashHex, err: errorMessage(err) }, 'a chain event listener threw');
    }
  }
}
