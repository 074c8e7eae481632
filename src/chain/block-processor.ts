/**
 * Block processing inside a commit group's transaction (chain.ts schedules the groups): a block's
 * checks against its parent, then storing it as a side branch or making its branch active
 * (activate.ts). Owns the working tip, the tip inside the open group transaction, which moves
 * block by block and becomes the chain's committed tip once the group's commit is durable.
 */
import type { Block, BlockHeader } from '../primitives/block.js';
import { ZERO_HASH } from '../primitives/hash.js';
import { compactToTarget, workForTarget } from '../primitives/pow.js';
import type { Logger } from '../util/logger.js';
import type { BranchActivator } from './activate.js';
import { storeSideBlock } from './candidates.js';
import type { Arrival } from './commit-group.js';
import { ValidationCode as Code, ValidationError } from './errors.js';
import { checkPinnedGenesis } from './genesis-pin.js';
import type { HeaderCache } from './header-cache.js';
import { recordInvalid } from './invalid.js';
import type { ChainParams } from './params.js';
import type { IndexEntry } from './store/codecs.js';
import type { ChainStore } from './store/store.js';
import type { ChainTip, ProcessBlockResult } from './types.js';
import type { SignatureCache } from './signature-cache.js';
import { checkBlockSanity, checkHeaderContext, medianTimePast, verifyBlockSignaturesInline } from './validate-block.js';

export class BlockProcessor {
  /** The tip inside the open group transaction (= the chain's committed tip between groups). */
  workingTip: ChainTip | undefined;

  constructor(
    private readonly store: ChainStore,
    private readonly params: ChainParams,
    private readonly logger: Logger,
    private readonly nowMs: () => number,
    /** Ancestor headers for the median-time-past rule, without an index read each. */
    private readonly headers: HeaderCache,
    /** Connects branches and falls back to the best valid one (activate.ts). */
    private readonly activator: BranchActivator,
    tip: ChainTip | undefined,
    /** Transactions the mempool verified (signature-cache.ts): skipped by the inline signature check. */
    private readonly signatureCache: SignatureCache,
  ) {
    this.workingTip = tip;
  }

  /**
   * The sync's common case: each block of the group extends the one before it, the first extends
   * the working tip. They are connected in one ChainStore.batch, without a child transaction per
   * block (~25 µs of this thread each). If any block fails, the batch is undone and this returns
   * false: the caller connects the group block by block, each in its own child transaction, so a
   * failing block still fails alone (a group holding an invalid block costs its work twice).
   */
  connectChained(group: readonly Arrival[], announcements: Array<() => void>): boolean {
    if (group.length < 2) return false;
    let prev = this.workingTip?.hash;
    for (const { block } of group) {
      if (!prev || !block.header.prevHash.equals(prev)) return false;
      prev = block.hash;
    }
    const startTip = this.workingTip;
    const done: Array<{ result: ProcessBlockResult; announce?: () => void }> = [];
    const fallbacks: Array<() => void> = [];
    try {
      this.store.batch(() => {
        for (const arrival of group) done.push(this.processReady(arrival, fallbacks));
      });
    } catch {
      this.workingTip = startTip;
      return false;
    }
    for (let i = 0; i < group.length; i++) {
      const { result, announce } = done[i]!;
      group[i]!.outcome = { result };
      if (announce) announcements.push(announce);
    }
    announcements.push(...fallbacks);
    return true;
  }

  /**
   * One block, inside the group's transaction; every write goes through a child transaction.
   * `fallbacks` receives the announcement of a switch to another branch after this one failed.
   */
  processReady(arrival: Arrival, fallbacks: Array<() => void>): { result: ProcessBlockResult; announce?: () => void } {
    const { block } = arrival;
    const hash = block.hash;
    const known = this.store.getIndex(hash);
    if (known?.status === 'invalid') throw new ValidationError(Code.KnownInvalid, `block ${block.hashHex} was already found invalid`);
    if (known) return { result: { status: 'duplicate', hash, disconnected: [], connected: [] } };

    checkBlockSanity(block, this.params);
    const parent = this.findParent(block);
    const tip = this.workingTip;
    // Before the signatures and any write: a peer must not buy our verification and disk with
    // blocks of a branch we would not switch to (Core's AcceptBlock, !fRequested). Stricter than
    // Core, which keeps an equal-work rival (fHasMoreOrSameWork): Core's rivals cost real PoW,
    // ours ~256 hashes, so a peer could store a rival of our tip per megabyte it sent. A rival's
    // child (more work) arrives as an orphan and starts a sync, which fetches the rival asked-for.
    if (arrival.unrequested && tip && parent && branchWork(parent, block.header) <= tip.chainWork) {
      throw new ValidationError(Code.TooLittleWork, `block ${block.hashHex} at height ${block.height} was not asked for and its branch has no more work than our chain (tip at height ${tip.height})`);
    }
    try {
      checkHeaderContext(block.header, {
        parent,
        medianTimePast: parent ? medianTimePast(parent, (h) => this.headers.get(h)) : 0,
        nowSec: Math.floor(this.nowMs() / 1000),
        params: this.params,
      });
      if (arrival.signaturesStarted) arrival.rethrowSignatureError();
      else verifyBlockSignaturesInline(block, this.signatureCache);
    } catch (err) {
      // The header commits to these transactions (merkle checked), so the verdict is permanent,
      // except for a future timestamp, which time may cure.
      if (err instanceof ValidationError && err.code !== Code.TimeTooNew) recordInvalid(this.store, this.logger, block.header, parent);
      throw err;
    }

    this.headers.remember(block.header);
    const entry: IndexEntry = { header: block.header, chainWork: branchWork(parent, block.header), status: 'valid' };
    if (tip && entry.chainWork <= tip.chainWork) {
      this.store.transaction(() => storeSideBlock(this.store, block, entry, parent));
      return {
        result: { status: 'side-branch', hash, disconnected: [], connected: [] },
        announce: () => this.logger.debug({ height: block.height, hash: block.hashHex }, 'stored side-branch block'),
      };
    }
    try {
      const activation = this.activator.activate(block, entry, parent, tip, false);
      this.workingTip = activation.tip;
      return activation;
    } catch (err) {
      if (err instanceof ValidationError) this.workingTip = this.activator.activateBestValid(this.workingTip, fallbacks) ?? this.workingTip;
      throw err;
    }
  }

  /** Parent index entry, or undefined for an acceptable genesis block. */
  private findParent(block: Block): IndexEntry | undefined {
    const { header } = block;
    if (header.height === 0) {
      if (this.workingTip) throw new ValidationError(Code.BadGenesis, `block ${block.hashHex} is a different genesis block than this chain's ${this.store.getHashAtHeight(0)?.toString('hex')}`);
      checkPinnedGenesis(block, this.params.genesisHash);
      if (!header.prevHash.equals(ZERO_HASH)) throw new ValidationError(Code.BadPrevHash, `genesis block ${block.hashHex} must have an all-zero previous block hash`);
      return undefined;
    }
    if (header.prevHash.equals(ZERO_HASH)) throw new ValidationError(Code.BadPrevHash, `block ${block.hashHex} at height ${header.height} has no previous block hash`);
    // The common case, every block of a sync: the parent is the working tip, valid by definition (no index read and decode).
    const tip = this.workingTip;
    if (tip && header.prevHash.equals(tip.hash)) return { header: tip.header, chainWork: tip.chainWork, status: 'valid' };
    const parent = this.store.getIndex(header.prevHash);
    if (!parent) throw new ValidationError(Code.UnknownParent, `block ${block.hashHex} builds on unknown block ${header.prevHash.toString('hex')}`);
    if (parent.status === 'invalid') {
      recordInvalid(this.store, this.logger, header, parent);
      throw new ValidationError(Code.InvalidAncestor, `block ${block.hashHex} builds on block ${header.prevHash.toString('hex')}, which is invalid`);
    }
    return parent;
  }
}

/** Cumulative work of the chain ending at a block with `header` on `parent` (undefined: a genesis). */
export function branchWork(parent: { readonly chainWork: bigint } | undefined, header: BlockHeader): bigint {
  return (parent?.chainWork ?? 0n) + workForTarget(compactToTarget(header.bits));
}
