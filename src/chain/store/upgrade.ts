/**
 * The one-time upgrade of a chain database written with layout 1 or 2 to layout 3 (layout.ts),
 * inside the caller's write transaction, so a kill -9 during it leaves the old layout whole and
 * the next start upgrades again. Layout 3 keys what grows with the chain so new records append:
 * block index entries and block data under a sequence (the index maps hash → sequence) instead of
 * the block hash, and the address index with the coin's height after the owner. These are
 * rewritten here; nothing else changes (layout 1's empty undo records still read as "spent nothing").
 */
import { outPointFromKey } from '../../primitives/tx.js';
import type { BlockSequence } from './block-seq.js';
import { decodeCoin } from './codecs.js';
import { type BinaryDb, EMPTY, SEQ_KEY_BYTES, type StoreDbName, addrKey, seqKey } from './layout.js';

/** Entries read per range before they are rewritten: a range read is not kept open across writes to its own database. */
const UPGRADE_CHUNK_ENTRIES = 4_096;

export interface UpgradeSummary {
  /** Block index entries moved from `index` (hash keys) to `entries` (sequence keys). */
  readonly entries: number;
  /** Blocks whose data moved from `blocks` (hash keys) to `blockdata` (sequence keys). */
  readonly blocks: number;
  /** Address-index entries rebuilt from the UTXO set. */
  readonly addrs: number;
}

/** Every entry of `db` in key order, `UPGRADE_CHUNK_ENTRIES` at a time, each copied out before `visit` runs. */
function forEachChunked(db: BinaryDb, visit: (key: Buffer, value: Buffer) => void): void {
  let after: Buffer | undefined;
  for (;;) {
    const chunk: Array<[Buffer, Buffer]> = [];
    const options = after === undefined ? { limit: UPGRADE_CHUNK_ENTRIES } : { start: after, exclusiveStart: true, limit: UPGRADE_CHUNK_ENTRIES };
    for (const { key, value } of db.getRange(options)) chunk.push([Buffer.from(key), Buffer.from(value)]);
    for (const [key, value] of chunk) visit(key, value);
    if (chunk.length < UPGRADE_CHUNK_ENTRIES) return;
    after = chunk[chunk.length - 1]![0];
  }
}

/** Rewrites a layout 1/2 database as layout 3. Inside a write transaction. */
export function upgradeToLayout3(dbs: Readonly<Record<StoreDbName, BinaryDb>>, blockSeq: BlockSequence): UpgradeSummary {
  let blocks = 0;
  let entries = 0;
  forEachChunked(dbs.index, (hash, entry) => {
    if (entry.length === SEQ_KEY_BYTES) return; // already moved (cannot happen in one transaction; cheap to be sure)
    const key = seqKey(blockSeq.take());
    dbs.entries.putSync(key, entry);
    dbs.index.putSync(hash, key);
    entries++;
    const bytes = dbs.blocks.get(hash);
    if (!bytes) return;
    dbs.blockdata.putSync(key, bytes);
    blocks++;
  });
  // Block data without an index entry was unreachable (no reader looks a block up without its entry).
  dbs.blocks.clearSync();
  let addrs = 0;
  dbs.addrs.clearSync();
  forEachChunked(dbs.coins, (key, value) => {
    dbs.addrs.putSync(addrKey(decodeCoin(value), outPointFromKey(key)), EMPTY);
    addrs++;
  });
  return { entries, blocks, addrs };
}
