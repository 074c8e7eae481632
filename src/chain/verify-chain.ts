/**
 * verifychain (Bitcoin Core's VerifyDB, scaled): from one snapshot of the store, replay the active
 * chain from genesis into an in-memory UTXO set under the same rules as connectBlock, and check
 *  - every block: stored under its own hash, at its height, linked to its parent, with an index
 *    entry marked valid, and undo data equal to the coins it spent in the replay;
 *  - the last `depth` blocks (0 = all) also as a new block is: proof-of-work, merkle root and the
 *    other context-free rules, its place after its parent (height, median time), its chain work,
 *    and every signature (on the verify pool);
 *  - then the replayed UTXO set against the stored one, coin by coin, and their digests, and the
 *    address index (what balances are read from) against the coins' owners (verify-utxo.ts).
 * It writes nothing. It yields to the event loop after each slice of work, so it can run in a
 * serving node; the snapshot keeps it consistent while blocks are connected meanwhile.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Block, type BlockHeader } from '../primitives/block.js';
import { ZERO_HASH } from '../primitives/hash.js';
import { compactToTarget, workForTarget } from '../primitives/pow.js';
import { KadchainError, errorMessage } from '../util/errors.js';
import { connectBlock } from './connect.js';
import { CHECK_SLICE_MS } from './constants.js';
import { HeaderCache } from './header-cache.js';
import { StorageError, ValidationError } from './errors.js';
import { MemoryUtxo } from './memory-utxo.js';
import type { ChainParams } from './params.js';
import { type IndexEntry, encodeUndo } from './store/codecs.js';
import type { Coin } from './types.js';
import type { ChainSnapshot } from './store/snapshot.js';
import type { UtxoSetStats } from './utxo-digest.js';
import { checkBlockSanity, checkHeaderContext, medianTimePast, verifyBlockSignatures } from './validate-block.js';
import type { VerifyPool } from './verify-pool/index.js';
import { compareUtxo } from './verify-utxo.js';

export interface VerifyChainOptions {
  params: ChainParams;
  /** Blocks from the tip to re-validate in full; 0 = every block. */
  depth: number;
  /** The verify pool (its workers and this thread); inline when absent. */
  pool?: VerifyPool;
  /** Checked between slices: true aborts with StorageError 'storage-closed' (the chain is closing). */
  shouldStop?: () => boolean;
  /** Work between yields to the event loop; default CHECK_SLICE_MS (tests: 0 yields after every block). */
  sliceMs?: number;
  /** Called after each slice with the height replayed so far. */
  onProgress?: (height: number, tipHeight: number) => void;
}

export interface VerifyFailure {
  /** One sentence: what is wrong, where. */
  readonly reason: string;
  readonly height?: number;
  readonly hash?: Buffer;
}

export interface VerifyChainResult {
  readonly ok: boolean;
  /** Tip height of the snapshot checked (-1: empty chain). */
  readonly height: number;
  readonly tip: Buffer | undefined;
  /** Blocks replayed from genesis (UTXO rules, links, undo data). */
  readonly replayedBlocks: number;
  /** Of those, blocks re-validated in full (the last `depth`). */
  readonly checkedBlocks: number;
  /** The UTXO set the replay produced; undefined when the replay stopped at a failure. */
  readonly expected: UtxoSetStats | undefined;
  /** The stored UTXO set; undefined when the replay stopped at a failure. */
  readonly actual: UtxoSetStats | undefined;
  readonly failure: VerifyFailure | undefined;
  readonly elapsedMs: number;
}

/** verifychain's and gettxoutsetinfo's answer on a database whose reindex has not finished. */
export const REINDEX_UNFINISHED = 'a reindex has not finished; start the node to complete it';

/** Thrown inside the replay to stop at the first problem; turned into the result's failure. */
class Mismatch extends KadchainError<'verify-mismatch'> {
  constructor(readonly failure: VerifyFailure) {
    super('verify-mismatch', failure.reason);
  }
}

export async function verifyChain(snapshot: ChainSnapshot, options: VerifyChainOptions): Promise<VerifyChainResult> {
  const startMs = Date.now();
  const tip = snapshot.getTipHash();
  let height = -1;
  let replayed = 0;
  let checked = 0;
  const done = (failure: VerifyFailure | undefined, expected?: UtxoSetStats, actual?: UtxoSetStats): VerifyChainResult => ({
    ok: failure === undefined,
    height,
    tip,
    replayedBlocks: replayed,
    checkedBlocks: checked,
    expected,
    actual,
    failure,
    elapsedMs: Date.now() - startMs,
  });
  // A half-finished reindex leaves a partial state that is consistent with itself: it must not pass.
  if (snapshot.reindexPending()) return done({ reason: REINDEX_UNFINISHED });
  try {
    const utxo = new MemoryUtxo();
    if (tip) {
      const tipEntry = readIndex(snapshot, tip, undefined);
      height = tipEntry.header.height;
      const firstFull = options.depth === 0 ? 0 : Math.max(0, height - options.depth + 1);
      if (!snapshot.getHashAtHeight(height)?.equals(tip)) fail(`the height index does not hold the tip ${tip.toString('hex')} at its height ${height}`, height, tip);
      // With the replay finding every height 0..tip, this makes the height index hold exactly height + 1 entries.
      const highest = snapshot.highestHeight();
      if (highest !== undefined && highest > height) fail(`the height index holds a block at height ${highest}, above the tip`, highest);
      const recent = new HeaderCache((hash) => snapshot.getIndex(hash));
      let parent: { hash: Buffer; chainWork: bigint; header: BlockHeader } | undefined;
      let sliceStart = Date.now();
      for (let h = 0; h <= height; h++) {
        const full = h >= firstFull;
        parent = await replayBlock(snapshot, utxo, h, parent, full, recent, options);
        replayed++;
        if (full) checked++;
        if (Date.now() - sliceStart >= (options.sliceMs ?? CHECK_SLICE_MS)) {
          options.onProgress?.(h, height);
          await pause(snapshot, options);
          sliceStart = Date.now();
        }
      }
      options.onProgress?.(height, height);
      // Between the replay and the comparison, whatever the slices did: a stop asked for during
      // the replay is seen before the (long) comparison starts.
      await pause(snapshot, options);
    }
    return await compareUtxo(snapshot, utxo, { pause: () => pause(snapshot, options), shouldStop: options.shouldStop }, done);
  } catch (err) {
    if (err instanceof Mismatch) return done(err.failure);
    throw err;
  }
}

function fail(reason: string, height?: number, hash?: Buffer): never {
  throw new Mismatch({ reason, ...(height === undefined ? {} : { height }), ...(hash === undefined ? {} : { hash }) });
}

async function pause(snapshot: ChainSnapshot, options: VerifyChainOptions): Promise<void> {
  await yieldToLoop();
  if (options.shouldStop?.()) throw new StorageError('storage-closed', `the chain database at ${snapshot.path} is closing; verifychain stopped`);
}

function readIndex(snapshot: ChainSnapshot, hash: Buffer, height: number | undefined): IndexEntry {
  const where = `block ${hash.toString('hex')}${height === undefined ? '' : ` at height ${height}`}`;
  let entry: IndexEntry | undefined;
  try {
    entry = snapshot.getIndex(hash);
  } catch (err) {
    fail(`the block index entry of ${where} does not decode: ${errorMessage(err)}`, height, hash);
  }
  if (!entry) fail(`the block index has no entry for ${where}`, height, hash);
  if (entry.status !== 'valid') fail(`${where} is on the active chain but its index entry is marked invalid`, height, hash);
  return entry;
}

/** Checks and connects the active block at height `h` into `utxo`; returns what the next block links to. */
async function replayBlock(
  snapshot: ChainSnapshot,
  utxo: MemoryUtxo,
  h: number,
  parent: { hash: Buffer; chainWork: bigint; header: BlockHeader } | undefined,
  full: boolean,
  recent: HeaderCache,
  options: VerifyChainOptions,
): Promise<{ hash: Buffer; chainWork: bigint; header: BlockHeader }> {
  const hash = snapshot.getHashAtHeight(h);
  if (!hash) fail(`the height index has no block at height ${h}, below the tip`, h);
  const id = hash.toString('hex');
  // The index entry first: it names where the block's data is (store/layout.ts).
  const entry = readIndex(snapshot, hash, h);
  const bytes = snapshot.getBlockBytes(hash);
  if (!bytes) fail(`the data of block ${id} at height ${h} is missing`, h, hash);
  let block: Block;
  try {
    block = Block.decode(bytes);
  } catch (err) {
    fail(`the stored data of block ${id} at height ${h} does not decode: ${errorMessage(err)}`, h, hash);
  }
  if (!block.hash.equals(hash)) fail(`the data stored for block ${id} at height ${h} is block ${block.hashHex}`, h, hash);
  if (block.height !== h) fail(`block ${id} claims height ${block.height} but is stored at height ${h}`, h, hash);
  const expectedPrev = parent ? parent.hash : ZERO_HASH;
  if (!block.header.prevHash.equals(expectedPrev)) fail(`block ${id} at height ${h} does not build on the active block at height ${h - 1}`, h, hash);
  if (!entry.header.hash.equals(hash)) fail(`the index entry of block ${id} at height ${h} holds another header`, h, hash);
  const chainWork = (parent?.chainWork ?? 0n) + workForTarget(compactToTarget(block.header.bits));

  if (full) {
    try {
      checkBlockSanity(block, options.params);
      const parentEntry = parent ? { header: parent.header, chainWork: parent.chainWork, status: 'valid' as const } : undefined;
      checkHeaderContext(block.header, {
        parent: parentEntry,
        medianTimePast: parentEntry ? medianTimePast(parentEntry, (p) => recent.get(p)) : 0,
        // The future-time rule depends on the clock at arrival, not on the block: not re-checked.
        nowSec: block.header.timestamp,
        params: options.params,
      });
      await verifyBlockSignatures(block, options.pool);
    } catch (err) {
      // Anything else (a signature worker died, the pool closed) is not a verdict on the block.
      if (!(err instanceof ValidationError)) throw err;
      fail(`block ${id} at height ${h} breaks a block rule: ${errorMessage(err)}`, h, hash);
    }
    if (entry.chainWork !== chainWork) fail(`the index entry of block ${id} at height ${h} records chain work ${entry.chainWork}, but its ancestors sum to ${chainWork}`, h, hash);
  }

  let spent: Coin[];
  try {
    spent = connectBlock(utxo, block, options.params);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    fail(`block ${id} at height ${h} does not connect to the UTXO set rebuilt from genesis: ${errorMessage(err)}`, h, hash);
  }
  // A block that spent nothing has no undo record (ChainStore.putUndo); a format-1 database holds an empty one.
  const undo = snapshot.getUndoBytes(hash) ?? (spent.length === 0 ? encodeUndo(spent) : undefined);
  if (!undo) fail(`the undo data of block ${id} at height ${h} is missing`, h, hash);
  if (!undo.equals(encodeUndo(spent))) fail(`the undo data of block ${id} at height ${h} does not match the ${spent.length} coin(s) the block spent`, h, hash);

  recent.remember(block.header);
  return { hash, chainWork, header: block.header };
}
