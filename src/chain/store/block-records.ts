/**
 * The block index and the blocks' data in store format 3 (layout.ts): a block gets a sequence
 * number when first indexed; `index` maps its hash to it, `entries` and `blockdata` are keyed by
 * it. Writes only inside a ChainStore transaction (the sequence numbers an aborted one took are
 * given back: block-seq.ts).
 */
import type { Block } from '../../primitives/block.js';
import type { BlockSequence } from './block-seq.js';
import { type IndexEntry, decodeIndexEntry, encodeIndexEntry } from './codecs.js';
import { type BinaryDb, SEQ_KEY_BYTES, type StoreDbName, readSeqKey, seqKey } from './layout.js';

/** The highest sequence number stored (block-seq.ts), undefined when none; inside the open write transaction. */
export function lastStoredSeq(dbs: Readonly<Record<StoreDbName, BinaryDb>>): number | undefined {
  // Both: a damaged database missing the last entry must not hand its number (and its block data) to another block.
  let last: number | undefined;
  for (const db of [dbs.entries, dbs.blockdata]) for (const key of db.getKeys({ reverse: true, limit: 1 })) last = Math.max(last ?? 0, readSeqKey(key));
  return last;
}

export class BlockRecords {
  constructor(
    private readonly dbs: Readonly<Record<StoreDbName, BinaryDb>>,
    private readonly blockSeq: BlockSequence,
  ) {}


  /** The stored encoding (Block.encode()) of a block, without decoding it. */
  getBlockBytes(hash: Buffer): Buffer | undefined {
    const seq = this.seqOf(hash);
    return seq === undefined ? undefined : this.dbs.blockdata.get(seqKey(seq));
  }

  /**
   * The first `bytes` of a block's stored encoding (a copy) and the encoding's length, without
   * copying the rest (the explorer's summaries need only the header and the tx count: reading a
   * whole 1 MB block to get them cost ~40× more).
   */
  getBlockPrefix(hash: Buffer, bytes: number): { prefix: Buffer; length: number } | undefined {
    const seq = this.seqOf(hash);
    if (seq === undefined) return undefined;
    const data = this.dbs.blockdata.getBinaryFast(seqKey(seq)); // valid until the next read: copy only what is kept
    return data ? { prefix: Buffer.from(data.subarray(0, bytes)), length: data.length } : undefined;
  }

  hasBlock(hash: Buffer): boolean {
    const seq = this.seqOf(hash);
    return seq !== undefined && this.dbs.blockdata.doesExist(seqKey(seq));
  }

  /** Stores a block's index entry and its data (layout.ts); data already stored for it stays (same hash, same bytes). */
  putBlock(block: Block, entry: IndexEntry): void {
    const seq = this.seqOf(block.hash);
    const key = seq === undefined ? this.newSeq(block.hash) : seqKey(seq);
    if (seq === undefined || !this.dbs.blockdata.doesExist(key)) this.dbs.blockdata.putSync(key, block.encode());
    this.dbs.entries.putSync(key, encodeIndexEntry(entry));
  }

  /** Drops a block's stored data (a reindex found it damaged or unconnectable); its index entry stays. */
  removeBlock(hash: Buffer): void {
    const seq = this.seqOf(hash);
    if (seq !== undefined) this.dbs.blockdata.removeSync(seqKey(seq));
  }

  getIndex(hash: Buffer): IndexEntry | undefined {
    const seq = this.seqOf(hash);
    if (seq === undefined) return undefined;
    const bytes = this.dbs.entries.getBinaryFast(seqKey(seq)); // decodeIndexEntry copies what it keeps (see getCoin)
    return bytes ? decodeIndexEntry(bytes) : undefined;
  }

  putIndex(entry: IndexEntry): void {
    const seq = this.seqOf(entry.header.hash);
    this.dbs.entries.putSync(seq === undefined ? this.newSeq(entry.header.hash) : seqKey(seq), encodeIndexEntry(entry));
  }

  /** Forgets a block's index entry and its data (a reindex found it unconnectable: reindex-prune.ts). */
  removeIndex(hash: Buffer): void {
    const seq = this.seqOf(hash);
    if (seq !== undefined) {
      this.dbs.entries.removeSync(seqKey(seq));
      this.dbs.blockdata.removeSync(seqKey(seq));
    }
    this.dbs.index.removeSync(hash);
  }

  /** Every indexed hash with its encoded entry (undefined when the entry is missing), undecoded: reindex-prune.ts drops what does not decode. */
  rawIndexEntries(): Array<[Buffer, Buffer | undefined]> {
    const out: Array<[Buffer, Buffer | undefined]> = [];
    for (const { key, value } of this.dbs.index.getRange({})) {
      const entry = value.length === SEQ_KEY_BYTES ? this.dbs.entries.get(value) : undefined;
      out.push([Buffer.from(key), entry && Buffer.from(entry)]);
    }
    return out;
  }

  /** Where a block's records are (layout.ts); undefined when it has no index entry. */
  private seqOf(hash: Buffer): number | undefined {
    const value = this.dbs.index.getBinaryFast(hash); // read before the next get (see getCoin)
    return value?.length === SEQ_KEY_BYTES ? readSeqKey(value) : undefined;
  }

  /** Gives a newly indexed block the next sequence; returns its key. */
  private newSeq(hash: Buffer): Buffer {
    const key = seqKey(this.blockSeq.take());
    this.dbs.index.putSync(hash, key);
    return key;
  }

  /** True when the block index holds any entry (a header, with or without its block). */
  hasAnyIndexEntry(): boolean {
    for (const _ of this.dbs.index.getKeys({ limit: 1 })) return true;
    return false;
  }

  /** Every block index entry, in the order blocks were indexed (a full scan: only for rebuilding the candidate tips of an older database). */
  *indexEntries(): Generator<IndexEntry> {
    for (const { value } of this.dbs.entries.getRange({})) yield decodeIndexEntry(Buffer.from(value));
  }
}
