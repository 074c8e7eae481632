/**
 * The markers the chain database keeps in its meta database (layout.ts) beside the tip: a pending
 * reindex and its progress, the layout version, and whether the candidate tips set was built.
 * Each is written at once (putSync), not through the pending tip of a transaction.
 */
import { HASH_BYTES } from '../../primitives/hash.js';
import { type BinaryDb, FORMAT_KEY, REINDEX_KEY, REINDEX_TIP_KEY, TIPS_INDEX_KEY } from './layout.js';

export class StoreMarkers {
  constructor(private readonly meta: BinaryDb) {}

  reindexPending(): boolean {
    return this.meta.doesExist(REINDEX_KEY);
  }

  /** The marker holds the previous tip's hash, or one byte when there was none. */
  reindexPreviousTip(): Buffer | undefined {
    const value = this.meta.get(REINDEX_KEY);
    return value?.length === HASH_BYTES ? Buffer.from(value) : undefined;
  }

  setReindexPending(pending: boolean, previousTip?: Buffer): void {
    if (pending) this.meta.putSync(REINDEX_KEY, previousTip ?? Buffer.from([1]));
    else this.meta.removeSync(REINDEX_KEY);
  }

  getReindexTip(): Buffer | undefined {
    return this.meta.get(REINDEX_TIP_KEY);
  }

  setReindexTip(hash: Buffer | undefined): void {
    if (hash) this.meta.putSync(REINDEX_TIP_KEY, hash);
    else this.meta.removeSync(REINDEX_TIP_KEY);
  }

  /** A 4-byte big-endian number; undefined for a database older than the key. */
  formatVersion(): number | undefined {
    const value = this.meta.get(FORMAT_KEY);
    return value?.length === 4 ? value.readUInt32BE(0) : undefined;
  }

  setFormatVersion(version: number): void {
    const value = Buffer.alloc(4);
    value.writeUInt32BE(version, 0);
    this.meta.putSync(FORMAT_KEY, value);
  }

  tipIndexBuilt(): boolean {
    return this.meta.doesExist(TIPS_INDEX_KEY);
  }

  setTipIndexBuilt(built: boolean): void {
    if (built) this.meta.putSync(TIPS_INDEX_KEY, Buffer.from([1]));
    else this.meta.removeSync(TIPS_INDEX_KEY);
  }
}
