/**
 * Every block a peer sends goes through here, its outcome handled one at a time in submission
 * order: into the chain, into the orphan pool when its parent is unknown (then its waiting
 * children follow it in), or — when it is consensus-invalid — to the sender's penalty (misbehaviour.ts). Sync
 * submits `pipelined`: the block goes to the chain at once, behind the blocks before it but
 * without waiting for them, so the chain verifies and commits several together.
 */
import type { ProcessBlockOptions } from '../chain/chain.js';
import { ValidationCode, ValidationError } from '../chain/errors.js';
import type { ProcessBlockResult } from '../chain/types.js';
import type { Block, BlockHeader } from '../primitives/block.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { MAX_UNSOLICITED_BLOCKS_QUEUED_PER_PEER, REFUSED_BLOCK_LOG_INTERVAL_MS, REFUSED_BLOCK_LOG_KEYS } from './constants.js';
import { BoundedHashSet } from '../util/bounded-hash-set.js';
import { LogThrottle } from './log-throttle.js';
import { OrphanPool } from './orphans.js';
import type { Peer } from './peer.js';
import type { IntakeChain } from './relay-deps.js';
import type { OnUseful } from './types.js';
import { MessageType } from './wire/index.js';

/** 'abandoned': pipelined behind a parent that failed (see SubmitOptions.afterParent), or sent unasked by a session that closed before its turn. */
export type IntakeStatus = 'connected' | 'reorganized' | 'side-branch' | 'duplicate' | 'orphan' | 'invalid' | 'refused' | 'error' | 'abandoned';

export interface SubmitOptions {
  /** Hand the block to the chain now instead of after the earlier submissions are done. */
  readonly pipelined?: boolean;
  /**
   * Pipelined right behind its parent: if the parent failed, drop this block quietly instead of
   * holding it as an orphan. It was only handed over because sync does not wait for each block;
   * the sync batch stops at the parent's failure, and the peer was dealt with for that one.
   */
  readonly afterParent?: boolean;
  /** An ancestor of the assumevalid block (sync-session.ts): the chain skips its signature checks, nothing else. */
  readonly skipSignatures?: boolean;
  /** Rebuilt from a compact block: an invalid body is not the relaying peer's fault (misbehaviour.ts penaltyForCompactBlock). */
  readonly viaCompact?: boolean;
  /**
   * Not asked for by header sync (chain.ts ProcessBlockOptions.unrequested): stored only if its
   * branch has more work than our chain. submitUnsolicited sets it; adopted orphans always have it.
   */
  readonly unrequested?: boolean;
  /**
   * Relayed, but asked of this peer by a get-data of ours (relay.ts): judged even when its session
   * closed before its turn. Its request is done and its other announcers are not asked again, so
   * dropped it could come only by sync; and these are bounded by our requests in flight, not by
   * what the peer chooses to send.
   */
  readonly requested?: boolean;
}

type ChainOutcome = { readonly result: ProcessBlockResult } | { readonly error: unknown };

/** Failed blocks remembered for SubmitOptions.afterParent: a few sync windows is plenty. */
const FAILED_HASHES_REMEMBERED = 1_024;
/** Outcomes that stop a sync batch (an orphan does not: its parent may still come). */
const FAILURES: ReadonlySet<IntakeStatus> = new Set<IntakeStatus>(['invalid', 'refused', 'error', 'abandoned']);
export const isIntakeFailure = (status: IntakeStatus): boolean => FAILURES.has(status);

export interface BlockIntakeOptions {
  chain: IntakeChain;
  orphans: OrphanPool<Peer>;
  logger: Logger;
  /** A block from `peer` builds on something we lack: ask that peer for the missing blocks. */
  onUnknownParent: (peer: Peer, block: Block) => void;
  /** A block joined the active chain (progress logging). */
  onConnected: (block: Block) => void;
  /** A block from `peer` was new to our block tree (not a duplicate): it earns eviction protection. */
  onUseful: OnUseful;
}

export class BlockIntake {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly failed = new BoundedHashSet(FAILED_HASHES_REMEMBERED);
  /** 'block refused' at info once per address and code per interval, repeats at debug. */
  private readonly refusedLog = new LogThrottle(REFUSED_BLOCK_LOG_KEYS, REFUSED_BLOCK_LOG_INTERVAL_MS);
  /**
   * Unasked blocks refused for too little work (chain.ts ProcessBlockOptions.unrequested): not
   * fetched again on the next peer's announcement (Relay's `have`). A stale rival is announced
   * by each peer that has it, and each would otherwise send us its whole body to be refused.
   */
  private readonly light = new BoundedHashSet(FAILED_HASHES_REMEMBERED);
  /** Unsolicited blocks of each peer waiting in the queue (a WeakMap: a closed peer's count goes with it). */
  private readonly unsolicited = new WeakMap<Peer, number>();

  constructor(private readonly options: BlockIntakeOptions) {}

  /**
   * A block no request of ours asked for (a relayed new tip, a rebuilt compact block): at most
   * MAX_UNSOLICITED_BLOCKS_QUEUED_PER_PEER of one peer's wait here (beyond: dropped, undefined).
   * Without that, a peer replaying a known block faster than the chain answers grew the queue
   * without limit, each entry holding a decoded block. (A duplicate still goes to the chain: one
   * known to be invalid costs its sender, as Core's.)
   */
  submitUnsolicited(peer: Peer, block: Block, options: SubmitOptions = {}): Promise<IntakeStatus> | undefined {
    const queued = this.unsolicited.get(peer) ?? 0;
    if (queued >= MAX_UNSOLICITED_BLOCKS_QUEUED_PER_PEER) return undefined;
    this.unsolicited.set(peer, queued + 1);
    return this.submit(peer, block, { ...options, unrequested: true }).finally(() => this.unsolicited.set(peer, (this.unsolicited.get(peer) ?? 1) - 1));
  }

  /** An orphan held builds on `header` above `height` (sync-light-branch.ts: that branch is heavier). */
  orphanAbove(header: BlockHeader, height: number): boolean {
    return this.options.orphans.hasChildAbove(header, height);
  }

  /** Refused unasked as no heavier than our chain (a sync still fetches it if its branch turns heavier). */
  refusedAsLight(hash: Buffer): boolean {
    return this.light.has(hash);
  }

  /**
   * Queues the block behind earlier ones; resolves with what became of it. An unrequested block
   * (submitUnsolicited) is dropped ('abandoned') if its session closed before its turn, as Core
   * drops a disconnected peer's unprocessed messages. Kept, each waiting block held the dead
   * session until the chain got to it, and a sender reconnecting after every
   * MAX_UNSOLICITED_BLOCKS_QUEUED_PER_PEER blocks queued as many as it liked behind a busy chain.
   * Not a block rebuilt from a compact block (compact relay rebuilds a block once and ignores its
   * next compact forms) nor one we asked that peer for (`requested`): dropped, either could come
   * only by sync.
   */
  submit(peer: Peer, block: Block, options: SubmitOptions = {}): Promise<IntakeStatus> {
    const chainOptions: ProcessBlockOptions = { skipSignatures: options.skipSignatures === true, unrequested: options.unrequested === true };
    const early = options.pipelined ? this.handOver(peer, block, chainOptions) : undefined;
    const run = this.tail.then((): IntakeStatus | Promise<IntakeStatus> =>
      options.unrequested === true && early === undefined && options.viaCompact !== true && options.requested !== true && peer.isClosed
        ? 'abandoned'
        : this.process(peer, block, early ?? this.handOver(peer, block, chainOptions), options.afterParent === true, options.viaCompact === true),
    );
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Gives the block to the chain (which keeps the order of its calls); never rejects. */
  private handOver(peer: Peer, block: Block, options: ProcessBlockOptions): Promise<ChainOutcome> {
    peer.known.add(block.hash);
    return this.options.chain.processBlock(block, options).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
  }

  private async process(peer: Peer, block: Block, outcome: Promise<ChainOutcome>, afterParent: boolean, viaCompact: boolean): Promise<IntakeStatus> {
    const settled = await outcome;
    let status: IntakeStatus;
    if (afterParent && !('result' in settled) && this.failed.has(block.header.prevHash)) {
      this.options.logger.debug({ hash: block.hashHex, peer: peer.label }, 'dropped a pipelined block whose parent failed');
      status = 'abandoned';
    } else {
      status = this.handleOutcome(peer, block, settled, viaCompact);
    }
    // A block refused earlier (a future timestamp) may connect now: its children are judged on their own again.
    if (FAILURES.has(status)) this.failed.add(block.hash);
    else this.failed.delete(block.hash);
    // Only with orphans held: the async call and its await cost every synced block ~3 microtask turns for nothing.
    if ((status === 'connected' || status === 'reorganized' || status === 'side-branch') && this.options.orphans.size > 0) await this.adoptOrphans(block.hash);
    return status;
  }

  /** Children that were waiting for `parentHash` (and theirs, depth first). */
  private async adoptOrphans(parentHash: Buffer): Promise<void> {
    const stack = [parentHash];
    for (let hash = stack.pop(); hash; hash = stack.pop()) {
      for (const orphan of this.options.orphans.takeChildren(hash)) {
        // Unrequested: an orphan is held whoever sent it, so a branch no heavier than ours must not slip in this way.
        const status = this.handleOutcome(orphan.from, orphan.block, await this.handOver(orphan.from, orphan.block, { unrequested: true }));
        if (status === 'connected' || status === 'reorganized' || status === 'side-branch') stack.push(orphan.block.hash);
      }
    }
  }

  private handleOutcome(peer: Peer, block: Block, outcome: ChainOutcome, viaCompact = false): IntakeStatus {
    const { logger } = this.options;
    if ('result' in outcome) {
      const { result } = outcome;
      if (result.status === 'connected' || result.status === 'reorganized') {
        if (block.height > peer.bestHeight) peer.bestHeight = block.height;
        for (const b of result.connected) this.options.onConnected(b);
      }
      if (result.status !== 'duplicate') this.options.onUseful(peer, 'block');
      return result.status;
    }
    const err = outcome.error;
    if (!(err instanceof ValidationError)) {
      logger.error({ hash: block.hashHex, err: errorMessage(err) }, 'could not process a block from a peer');
      return 'error';
    }
    if (err.code === ValidationCode.UnknownParent) {
      // Not for a session that closed while the chain judged the block: its close dropped its orphans already.
      if (!peer.isClosed) this.options.orphans.add(block, peer);
      logger.debug({ hash: block.hashHex, height: block.height, peer: peer.label }, 'orphan block held until its parent arrives');
      this.options.onUnknownParent(peer, block);
      return 'orphan';
    }
    if (err.code === ValidationCode.TooLittleWork) this.light.add(block.hash);
    // The policy (misbehaviour.ts) decides the reject and the penalty; a race or our clock's fault costs nothing.
    const action = peer.punish(err.code, `sent invalid block ${block.hashHex}: ${err.message}`, { messageType: viaCompact ? MessageType.CompactBlock : MessageType.Block, hash: block.hash }, viaCompact);
    if (action !== 'none') return 'invalid';
    logger[this.refusedLog.shouldWarn(`${peer.ip} ${err.code}`) ? 'info' : 'debug']({ hash: block.hashHex, code: err.code, peer: peer.label }, 'block refused');
    return 'refused';
  }
}
