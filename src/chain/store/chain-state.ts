/**
 * The active chain's records beside the UTXO set (layout.ts): the height index, the blocks' undo
 * data and the side-branch candidate tips. Apart from the blocks and their index (block-records.ts)
 * because they are chain state: derived from the blocks by connecting them, so a reindex empties
 * them (clear) with the coins and builds them again. Writes only inside a ChainStore transaction.
 */
import { HASH_BYTES } from '../../primitives/hash.js';
import type { Coin } from '../types.js';
import { type IndexEntry, decodeUndo, encodeUndo, heightKey, tipKey } from './codecs.js';
import { type BinaryDb, CHAIN_STATE_DBS, EMPTY, type StoreDbName } from './layout.js';

export class ChainStateRecords {
  constructor(private readonly dbs: Readonly<Record<StoreDbName, BinaryDb>>) {}

  /**
   * Empties every chain state database (UTXO set, address index, undo data, height index,
   * candidate tips). `keepGenesis`: height 0 stays indexed, so a build that knows no reindex
   * marker refuses the database ("blocks but no tip") instead of taking it for an empty chain.
   */
  clear(keepGenesis: boolean): void {
    const genesis = keepGenesis ? this.getHashAtHeight(0) : undefined;
    for (const name of CHAIN_STATE_DBS) this.dbs[name].clearSync();
    if (genesis) this.putHeight(0, Buffer.from(genesis));
  }

  // --- candidate tips (candidates.ts) -----------------------------------------------------

  putTip(entry: IndexEntry): void {
    this.dbs.tips.putSync(tipKey(entry.chainWork, entry.header.hash), EMPTY);
  }

  removeTip(entry: IndexEntry): void {
    this.dbs.tips.removeSync(tipKey(entry.chainWork, entry.header.hash));
  }

  /** Hashes of the candidate tips with more chain work than `chainWork`, most work first. */
  tipsAbove(chainWork: bigint): Buffer[] {
    const hashes: Buffer[] = [];
    for (const key of this.dbs.tips.getKeys({ start: tipKey(chainWork + 1n, Buffer.alloc(HASH_BYTES)) })) hashes.push(Buffer.from(key.subarray(key.length - HASH_BYTES)));
    return hashes.reverse();
  }

  // --- active chain -----------------------------------------------------------------------

  getHashAtHeight(height: number): Buffer | undefined {
    if (!Number.isInteger(height) || height < 0 || height > 0xffff_ffff) return undefined;
    return this.dbs.heights.get(heightKey(height));
  }

  putHeight(height: number, hash: Buffer): void {
    this.dbs.heights.putSync(heightKey(height), hash);
  }

  removeHeight(height: number): void {
    this.dbs.heights.removeSync(heightKey(height));
  }

  getUndo(hash: Buffer): Coin[] | undefined {
    const bytes = this.dbs.undo.get(hash);
    return bytes ? decodeUndo(bytes) : undefined;
  }

  /**
   * A block that spent nothing (coinbase only) gets no record: it would be an empty one, and one
   * more random-key B-tree insert per block in every commit; readers take a missing record of
   * such a block for an empty one (databases of format 1 still hold empty records).
   */
  putUndo(hash: Buffer, spent: readonly Coin[]): void {
    if (spent.length > 0) this.dbs.undo.putSync(hash, encodeUndo(spent));
  }

  removeUndo(hash: Buffer): void {
    this.dbs.undo.removeSync(hash);
  }
}
