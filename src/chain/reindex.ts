/**
 * `cli start --reindex` (Bitcoin Core's -reindex-chainstate, scaled): rebuild the chain state —
 * UTXO set, address index, undo data, height index, tip, candidate tips — from the stored blocks.
 * The branch re-connected is the stored one with the most work whose every block has its data
 * and is not known invalid, walked from genesis; each block is re-validated as if new (block
 * rules, its place after its parent, signatures, UTXO rules) while it is connected.
 *
 * Crash safety: the state is wiped and a 'reindex' marker set in one commit; chunks of blocks
 * are then connected one commit each, their progress kept under 'reindex-tip', and the marker is
 * removed and 'tip' written only in the last. Chain.open sees a marker left by a kill -9 and
 * continues from the committed progress, so a partial state never passes for a finished one; the
 * wipe keeps height 0 indexed, so a build that knows no marker refuses the database ("blocks but
 * no tip") instead of taking a partial state for an empty or short chain.
 *
 * A block found invalid is marked so in the index and the reindex goes on with the best branch
 * left: from the committed progress when that lies on the branch left, else from genesis again
 * (the state is not rolled back to the fork point). Blocks whose data is missing or damaged, and
 * their descendants, are forgotten (reindex-prune.ts), so peers' copies are taken again.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Block } from '../primitives/block.js';
import { compactToTarget, workForTarget } from '../primitives/pow.js';
import { KadchainError, errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { ensureTipIndex } from './candidates.js';
import { pruneUnconnectable } from './reindex-prune.js';
import { connectBlock } from './connect.js';
import { REINDEX_CHUNK_BLOCKS, REINDEX_LOG_INTERVAL_MS, STORE_FORMAT_VERSION } from './constants.js';
import { StorageError, ValidationError } from './errors.js';
import { HeaderCache } from './header-cache.js';
import type { ChainParams } from './params.js';
import type { IndexEntry } from './store/codecs.js';
import type { ChainStore } from './store/store.js';
import { checkBlockSanity, checkHeaderContext, medianTimePast, verifyBlockSignatures } from './validate-block.js';
import { VerifyPool } from './verify-pool/index.js';

export interface ReindexOptions {
  store: ChainStore;
  params: ChainParams;
  logger: Logger;
  /** Threads verifying signatures, the caller included (see ChainOptions.verifyThreads). */
  verifyThreads?: number;
  /** Aborted when the node is asked to stop: the reindex ends after its current chunk's commit. */
  signal?: AbortSignal;
}

export interface ReindexSummary {
  /** Tip height reached (-1: no usable stored block). */
  readonly height: number;
  /** Blocks connected by this run (a resumed run counts only its own). */
  readonly connected: number;
  readonly elapsedMs: number;
  /** Blocks the re-validation found invalid (now marked so). */
  readonly invalid: number;
  /** Blocks whose stored data was damaged (undecodable, or another block): their data was dropped. */
  readonly dropped: number;
}

/** A block of the branch has stored data that does not decode or is another block: treated as missing. */
class BranchBlockUnreadable extends KadchainError<'branch-block-unreadable'> {
  constructor(
    readonly entry: IndexEntry,
    readonly problem: string,
  ) {
    super('branch-block-unreadable', `block ${entry.header.hashHex} at height ${entry.header.height}: ${problem}`);
  }
}

/** A block of the branch broke a rule: which one, for marking it invalid. */
class BranchBlockInvalid extends KadchainError<'branch-block-invalid'> {
  constructor(
    readonly entry: IndexEntry,
    readonly validationError: ValidationError,
  ) {
    super('branch-block-invalid', `block ${entry.header.hashHex} at height ${entry.header.height}: ${validationError.message}`);
  }
}

export async function reindexChain(options: ReindexOptions): Promise<ReindexSummary> {
  const { store, logger } = options;
  const startMs = Date.now();
  if (!store.reindexPending()) store.transaction(() => startOver(store));
  else logger.warn({ path: store.path }, 'continuing an unfinished reindex');
  const pool = new VerifyPool({ ...(options.verifyThreads !== undefined ? { threads: options.verifyThreads } : {}), logger });
  let connected = 0;
  let invalid = 0;
  let dropped = 0;
  try {
    for (;;) {
      const pruned = store.transaction(() => pruneUnconnectable(store));
      if (pruned.forgotten > 0) {
        const { lowest } = pruned;
        logger.warn(
          { forgotten: pruned.forgotten, ...(lowest ? { lowestHeight: lowest.header.height, lowestHash: lowest.header.hashHex } : {}) },
          'reindex: forgot the blocks whose data (or an ancestor\'s) is missing; peers will send them again',
        );
      }
      const branch = bestStoredBranch(store, store.reindexPreviousTip());
      const from = resumeHeight(store, branch);
      logger.info({ from, to: branch.length - 1 }, from === 0 ? 'reindex: connecting the best stored branch from genesis' : 'reindex: connecting the best stored branch from the committed tip');
      try {
        connected += await connectBranch(options, pool, branch, from, startMs, connected);
      } catch (err) {
        if (err instanceof BranchBlockUnreadable) {
          // Its data is useless: drop it, so the block counts as one without data (the next turn
          // forgets it and its descendants: reindex-prune.ts), and pick the branch again.
          store.transaction(() => store.removeBlock(err.entry.header.hash));
          dropped++;
          logger.warn({ height: err.entry.header.height, hash: err.entry.header.hashHex, problem: err.problem }, 'reindex: the stored data of a block is damaged; dropped it and going on with the best branch left');
          continue;
        }
        if (!(err instanceof BranchBlockInvalid)) throw err;
        invalid++;
        store.transaction(() => store.putIndex({ ...err.entry, status: 'invalid' }));
        logger.warn({ height: err.entry.header.height, hash: err.entry.header.hashHex, reason: err.validationError.message }, 'reindex: a stored block is invalid; marked it and going on with the best branch left');
        continue;
      }
      // One final commit: the candidate tips (side branches) from the block index, the tip, the marker off.
      store.transaction(() => {
        const tip = store.getReindexTip() ?? store.getTipHash();
        if (tip) store.putTipHash(Buffer.from(tip));
        else store.removeHeight(0); // no usable block: an empty chain
        store.setReindexTip(undefined);
        ensureTipIndex(store);
        store.setReindexPending(false);
      });
      const elapsedMs = Date.now() - startMs;
      const summary: ReindexSummary = { height: branch.length - 1, connected, elapsedMs, invalid, dropped };
      logger.info({ ...summary, blocksPerSec: rate(connected, elapsedMs) }, 'reindex done');
      return summary;
    }
  } finally {
    await pool.close();
  }
}

/**
 * One commit: the marker on, the chain state empty. The marker keeps the tip from before (kept
 * across a restart of the reindex), so a tie in work goes to the branch that was active.
 */
function startOver(store: ChainStore): void {
  const previousTip = store.reindexPending() ? store.reindexPreviousTip() : store.getTipHash();
  store.setReindexPending(true, previousTip);
  store.clearChainState(true);
  store.setFormatVersion(STORE_FORMAT_VERSION);
}

/** Height to connect from: past the committed progress when it lies on `branch`, else 0 after wiping the state again. */
function resumeHeight(store: ChainStore, branch: readonly IndexEntry[]): number {
  // 'tip': a reindex left by a build that wrote its progress there.
  const tip = store.getReindexTip() ?? store.getTipHash();
  if (!tip) return 0;
  const entry = store.getIndex(tip);
  if (entry && branch[entry.header.height]?.header.hash.equals(tip)) return entry.header.height + 1;
  store.transaction(() => startOver(store));
  return 0;
}

/**
 * The stored branch with the most work from genesis whose every block is valid so far and has its
 * data, genesis first; empty when there is none. Among equal work, the one ending at `preferred`
 * (the tip before the reindex: the node keeps the first-seen branch, as when it received them).
 * A full scan of the block index (a reindex reads everything anyway).
 */
export function bestStoredBranch(store: ChainStore, preferred?: Buffer): IndexEntry[] {
  const usable = new Map<string, IndexEntry>();
  for (const entry of store.indexEntries()) if (entry.status === 'valid' && store.hasBlock(entry.header.hash)) usable.set(entry.header.hash.toString('latin1'), entry);
  const rank = (e: IndexEntry): number => (preferred?.equals(e.header.hash) ? 0 : 1);
  const candidates = [...usable.values()].sort((a, b) => (a.chainWork === b.chainWork ? rank(a) - rank(b) : a.chainWork > b.chainWork ? -1 : 1));
  /** Blocks known to reach genesis through usable blocks, and blocks known not to. */
  const good = new Set<string>();
  const bad = new Set<string>();
  for (const candidate of candidates) {
    const path: IndexEntry[] = [];
    let cursor: IndexEntry | undefined = candidate;
    let reached = false;
    while (cursor) {
      const key = cursor.header.hash.toString('latin1');
      if (bad.has(key)) break;
      path.push(cursor);
      if (good.has(key) || cursor.header.height === 0) {
        reached = cursor.header.height === 0 || good.has(key);
        break;
      }
      cursor = usable.get(cursor.header.prevHash.toString('latin1'));
    }
    for (const entry of path) (reached ? good : bad).add(entry.header.hash.toString('latin1'));
    if (!reached) continue;
    // Walk again to genesis to list the whole branch (good ancestors included).
    const branch: IndexEntry[] = [];
    for (let e: IndexEntry | undefined = candidate; e; e = e.header.height === 0 ? undefined : usable.get(e.header.prevHash.toString('latin1'))) branch.push(e);
    return branch.reverse();
  }
  return [];
}

/** Connects branch[from..] in chunks, one commit each; returns how many blocks it connected. */
async function connectBranch(options: ReindexOptions, pool: VerifyPool, branch: readonly IndexEntry[], from: number, startMs: number, before: number): Promise<number> {
  const { store, params, logger } = options;
  const headers = new HeaderCache((hash) => store.getIndex(hash));
  let connected = 0;
  let lastLogMs = Date.now();
  let parentWork = from === 0 ? 0n : branch[from - 1]!.chainWork;
  for (let at = from; at < branch.length; at += REINDEX_CHUNK_BLOCKS) {
    const entries = branch.slice(at, at + REINDEX_CHUNK_BLOCKS);
    const blocks = entries.map((entry) => {
      const bytes = store.getBlockBytes(entry.header.hash);
      if (!bytes) throw new StorageError('storage-corrupt', `the chain database at ${store.path} lost the data of block ${entry.header.hashHex} at height ${entry.header.height} during the reindex; start the node again to continue the reindex`);
      let block: Block;
      try {
        block = Block.decode(bytes);
      } catch (err) {
        throw new BranchBlockUnreadable(entry, `its data does not decode: ${errorMessage(err)}`);
      }
      if (!block.hash.equals(entry.header.hash)) throw new BranchBlockUnreadable(entry, `the data stored under it is block ${block.hashHex}`);
      return block;
    });
    // Signatures of the whole chunk on the workers at once; verdicts are used in block order below.
    const verdicts = await Promise.all(blocks.map((block) => verifyBlockSignatures(block, pool).then(() => undefined, (err: unknown) => err)));
    store.transaction(() => {
      for (const [i, block] of blocks.entries()) {
        const entry = entries[i]!;
        const parent = block.height === 0 ? undefined : branch[block.height - 1];
        try {
          checkBlockSanity(block, params);
          checkHeaderContext(block.header, {
            parent,
            medianTimePast: parent ? medianTimePast(parent, (h) => headers.get(h)) : 0,
            // The future-time rule depends on the clock at arrival, not on the block (as in
            // verifychain): a slow clock now must not turn a stored block invalid for good.
            nowSec: block.header.timestamp,
            params,
          });
          if (verdicts[i] !== undefined) throw verdicts[i];
          connectBlock(store, block, params);
        } catch (err) {
          if (err instanceof ValidationError) throw new BranchBlockInvalid(entry, err);
          throw err;
        }
        headers.remember(block.header);
        // Chain work is derived data: rewrite an entry that disagrees with its ancestors.
        const chainWork = parentWork + workForTarget(compactToTarget(block.header.bits));
        if (chainWork !== entry.chainWork) store.putIndex({ ...entry, chainWork });
        parentWork = chainWork;
      }
      // connectBlock wrote 'tip': it becomes the progress, and 'tip' waits for the final commit.
      store.setReindexTip(blocks[blocks.length - 1]!.hash);
      store.removeTipHash();
    });
    connected += blocks.length;
    const height = at + blocks.length - 1;
    logger.debug({ height }, 'reindex chunk committed');
    // A turn of the event loop per chunk: with signatures verified inline nothing else would get
    // one until the end — no log line written out, no SIGINT/SIGTERM handled.
    await yieldToLoop();
    if (options.signal?.aborted) {
      logger.warn({ height, tipHeight: branch.length - 1 }, 'reindex interrupted; it continues from this height on the next start');
      throw new StorageError('reindex-interrupted', `the reindex of the chain database at ${store.path} was interrupted at height ${height} of ${branch.length - 1}; it continues on the next start`);
    }
    if (Date.now() - lastLogMs >= REINDEX_LOG_INTERVAL_MS) {
      lastLogMs = Date.now();
      logger.info({ height, tipHeight: branch.length - 1, blocksPerSec: rate(before + connected, Date.now() - startMs) }, 'reindex progress');
    }
  }
  return connected;
}

function rate(blocks: number, ms: number): number {
  return ms > 0 ? Math.round((blocks * 1000) / ms) : blocks;
}
