/**
 * A consistent read-only view of the chain database: one LMDB read transaction held open across
 * event-loop turns, so a long check (verifychain, gettxoutsetinfo) can yield to the node between
 * chunks and still see every sub-database as of one commit, while blocks keep being connected.
 * LMDB cannot reuse pages a reader still sees: the file may grow while a snapshot is open, so
 * callers release it (done()) as soon as they finish.
 */
import type { RootDatabase } from 'lmdb';
import type { IndexEntry } from './codecs.js';
import { decodeIndexEntry, heightKey } from './codecs.js';
import { type BinaryDb, REINDEX_KEY, SEQ_KEY_BYTES, type StoreDbName, TIP_KEY } from './layout.js';

type ReadTxn = ReturnType<RootDatabase['useReadTransaction']>;

export class ChainSnapshot {
  private released = false;

  constructor(
    readonly path: string,
    private readonly dbs: Readonly<Record<StoreDbName, BinaryDb>>,
    private readonly txn: ReadTxn,
  ) {}

  getTipHash(): Buffer | undefined {
    return this.get('meta', TIP_KEY);
  }

  /** True while a reindex has started and not finished: the chain state is partial (store.ts reindexPending). */
  reindexPending(): boolean {
    return this.get('meta', REINDEX_KEY) !== undefined;
  }

  getHashAtHeight(height: number): Buffer | undefined {
    if (!Number.isInteger(height) || height < 0 || height > 0xffff_ffff) return undefined;
    return this.get('heights', heightKey(height));
  }

  /** The highest height the height index holds; undefined when it is empty. */
  highestHeight(): number | undefined {
    for (const key of this.dbs.heights.getKeys({ reverse: true, limit: 1, transaction: this.txn })) return Buffer.from(key).readUInt32BE(0);
    return undefined;
  }

  /** Throws DecodeError when the stored entry does not decode. */
  getIndex(hash: Buffer): IndexEntry | undefined {
    const key = this.seqKeyOf(hash);
    const bytes = key && this.get('entries', key);
    return bytes ? decodeIndexEntry(bytes) : undefined;
  }

  /** The key of a block's entry and data (layout.ts); undefined when it is not indexed. */
  private seqKeyOf(hash: Buffer): Buffer | undefined {
    const key = this.get('index', hash);
    return key?.length === SEQ_KEY_BYTES ? key : undefined;
  }

  getBlockBytes(hash: Buffer): Buffer | undefined {
    const key = this.seqKeyOf(hash);
    return key && this.get('blockdata', key);
  }

  getUndoBytes(hash: Buffer): Buffer | undefined {
    return this.get('undo', hash);
  }

  /**
   * Up to `limit` raw entries of a sub-database in key order, starting after `after` (from the
   * first when undefined): chunked, so the caller can yield between chunks.
   */
  range(name: StoreDbName, after: Buffer | undefined, limit: number): Array<[Buffer, Buffer]> {
    const out: Array<[Buffer, Buffer]> = [];
    const options = after === undefined ? { limit, transaction: this.txn } : { start: after, exclusiveStart: true, limit, transaction: this.txn };
    for (const { key, value } of this.dbs[name].getRange(options)) out.push([Buffer.from(key), Buffer.from(value)]);
    return out;
  }

  /** Releases the read transaction; idempotent. */
  done(): void {
    if (this.released) return;
    this.released = true;
    this.txn.done();
  }

  private get(name: StoreDbName, key: Buffer): Buffer | undefined {
    const value = this.dbs[name].get(key, { transaction: this.txn });
    return value === undefined ? undefined : Buffer.from(value);
  }
}
