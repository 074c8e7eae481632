/**
 * The index database: its own LMDB environment at <datadir>/indexes/, apart from the chain's, so
 * the chain's hot path and crash safety are untouched and deleting the directory only makes the
 * index rebuild (Bitcoin Core keeps its txindex in indexes/txindex the same way). Each commit
 * writes a run of blocks' entries together with the best-block pointer: a kill -9 leaves the index
 * at a block boundary it can resume from. Layout: codecs.ts.
 */
import { mkdirSync } from 'node:fs';
import { type Database, type RootDatabase, open } from 'lmdb';
import { PUBKEY_HASH_BYTES } from '../../primitives/hash.js';
import { COMMIT_ERROR_WAIT_MS } from '../../chain/constants.js';
import { commitFailureCause } from '../../chain/store/commit-failure.js';
import { writeFailureReason } from '../../util/disk.js';
import { errorMessage } from '../../util/errors.js';
import { INDEX_FORMAT_VERSION, INDEX_MAX_DBS } from '../constants.js';
import { ExplorerError } from '../errors.js';
import type { AddressHistoryEntry, HistoryCursor, IndexBest, TxLocation } from '../types.js';
import {
  ADDR_KEY_BYTES,
  type BlockUndoRecord,
  type IndexedBlock,
  addrKey,
  decodeAddrEntry,
  decodeBest,
  decodeBlockUndo,
  decodeTxLocation,
  encodeAddrValue,
  encodeBest,
  encodeBlockUndo,
  encodeTxLocation,
} from './codecs.js';

const DB_NAMES = ['txs', 'addrs', 'undo', 'meta'] as const;
type DbName = (typeof DB_NAMES)[number];
type BinaryDb = Database<Buffer, Buffer>;
const BEST_KEY = Buffer.from('best');
const FORMAT_KEY = Buffer.from('format');
const HIGHEST_TXID = Buffer.alloc(32, 0xff);

/** Writes of one commit (inside IndexStore.commit). */
export interface IndexWriter {
  connect(block: IndexedBlock): void;
  /** Takes out the entries of `hash`, which must be the best block; the best becomes its parent. */
  rewind(hash: Buffer): void;
}

export class IndexStore {
  private closed = false;
  /** The best block as of the last commit (kept in memory: every lookup asks). */
  private bestBlock: IndexBest | undefined;

  private constructor(
    readonly path: string,
    private readonly env: RootDatabase,
    private readonly dbs: Record<DbName, BinaryDb>,
  ) {
    const best = dbs.meta.get(BEST_KEY);
    this.bestBlock = best ? decodeBest(Buffer.from(best)) : undefined;
  }

  /** Opens (creating) the index at `path`; one of another layout version is emptied, to be rebuilt. */
  static open(path: string): IndexStore {
    let env: RootDatabase;
    const dbs = {} as Record<DbName, BinaryDb>;
    try {
      mkdirSync(path, { recursive: true, mode: 0o700 });
      // The chain store's durability settings (see src/chain/store/layout.ts): kill -9 loses nothing committed.
      env = open({ path, maxDbs: INDEX_MAX_DBS, overlappingSync: false, noMetaSync: true, eventTurnBatching: false });
      for (const name of DB_NAMES) dbs[name] = env.openDB<Buffer, Buffer>({ name, keyEncoding: 'binary', encoding: 'binary' });
    } catch (err) {
      throw new ExplorerError('index-unavailable', `cannot open the index database at ${path}: ${errorMessage(err)} (delete that directory to rebuild it)`, { cause: err });
    }
    const version = dbs.meta.get(FORMAT_KEY);
    if (version?.length !== 4 || version.readUInt32BE(0) !== INDEX_FORMAT_VERSION) {
      env.transactionSync(() => {
        for (const name of DB_NAMES) dbs[name].clearSync();
        const v = Buffer.alloc(4);
        v.writeUInt32BE(INDEX_FORMAT_VERSION, 0);
        dbs.meta.putSync(FORMAT_KEY, v);
      });
    }
    return new IndexStore(path, env, dbs);
  }

  get best(): IndexBest | undefined {
    return this.bestBlock;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.env.close();
  }

  findTx(txid: Buffer): TxLocation | undefined {
    if (this.closed) return undefined;
    const bytes = this.dbs.txs.get(txid);
    return bytes ? decodeTxLocation(Buffer.from(bytes)) : undefined;
  }

  undoRecord(hash: Buffer): BlockUndoRecord | undefined {
    const bytes = this.dbs.undo.get(hash);
    return bytes ? decodeBlockUndo(Buffer.from(bytes)) : undefined;
  }

  /** Newest first: keys are pubKeyHash | height BE | txid, read backwards from the cursor. */
  addressHistory(pubKeyHash: Buffer, limit: number, before?: HistoryCursor): { entries: AddressHistoryEntry[]; more: boolean } {
    if (this.closed || pubKeyHash.length !== PUBKEY_HASH_BYTES) return { entries: [], more: false };
    const start = before ? addrKey(pubKeyHash, before.height, before.txid ?? Buffer.alloc(32)) : addrKey(pubKeyHash, 0xffff_ffff, HIGHEST_TXID);
    const entries: AddressHistoryEntry[] = [];
    let more = false;
    for (const { key, value } of this.dbs.addrs.getRange({ start, end: pubKeyHash, reverse: true })) {
      if (key.length !== ADDR_KEY_BYTES || key.equals(start)) continue; // a range start is inclusive; a cursor is exclusive
      if (entries.length === limit) {
        more = true;
        break;
      }
      entries.push(decodeAddrEntry(Buffer.from(key), Buffer.from(value)));
    }
    return { entries, more };
  }

  /** Runs `fn`'s writes in one transaction committed off this thread; a throw aborts all of them. */
  async commit(fn: (w: IndexWriter) => void): Promise<void> {
    if (this.closed) throw new ExplorerError('index-unavailable', `the index database at ${this.path} is closed`);
    let best = this.bestBlock;
    const writer: IndexWriter = {
      connect: (block) => {
        block.txids.forEach((txid, position) => this.dbs.txs.putSync(txid, encodeTxLocation(block.hash, position)));
        for (const a of block.addrs) this.dbs.addrs.putSync(addrKey(a.pubKeyHash, block.height, a.txid), encodeAddrValue(a.received, a.sent));
        this.dbs.undo.putSync(block.hash, encodeBlockUndo(block));
        best = { hash: block.hash, height: block.height };
        this.dbs.meta.putSync(BEST_KEY, encodeBest(best));
      },
      rewind: (hash) => {
        const record = this.undoRecord(hash);
        if (!record) throw new ExplorerError('index-unavailable', `the index at ${this.path} has no undo record for block ${hash.toString('hex')}`);
        for (const txid of record.txids) {
          const at = this.dbs.txs.get(txid);
          if (at && Buffer.from(at).subarray(0, 32).equals(hash)) this.dbs.txs.removeSync(txid);
        }
        for (const key of record.addrKeys) this.dbs.addrs.removeSync(key);
        this.dbs.undo.removeSync(hash);
        best = record.height === 0 ? undefined : { hash: record.prevHash, height: record.height - 1 };
        if (best) this.dbs.meta.putSync(BEST_KEY, encodeBest(best));
        else this.dbs.meta.removeSync(BEST_KEY);
      },
    };
    await this.env.childTransaction(() => fn(writer)).catch((err: unknown) => this.throwCommitFailure(err));
    this.bestBlock = best;
  }

  /**
   * A failed commit (a full disk): lmdb-js rejects with a generic error whose `commitError`
   * promise holds the real one and rejects unobserved otherwise — an unhandled rejection that
   * would stop the node over an index, which is only an aid. Observed and named here; the body's
   * own errors pass as they are.
   */
  private async throwCommitFailure(err: unknown): Promise<never> {
    const pending = err instanceof Error ? (err as Error & { commitError?: unknown }).commitError : undefined;
    if (!(pending instanceof Promise)) throw err;
    const cause = await commitFailureCause(err, pending, COMMIT_ERROR_WAIT_MS);
    throw new ExplorerError('index-unavailable', `cannot write the index database at ${this.path}: ${writeFailureReason(this.path, cause)}`, { cause });
  }

  /** Empties the index (its undo records are unusable): it rebuilds from genesis. */
  async clear(): Promise<void> {
    await this.env.childTransaction(() => {
      for (const name of DB_NAMES) if (name !== 'meta') this.dbs[name].clearSync();
      this.dbs.meta.removeSync(BEST_KEY);
    }).catch((err: unknown) => this.throwCommitFailure(err));
    this.bestBlock = undefined;
  }
}
