/**
 * The chain's LMDB layout and how it is opened. Every mutating ChainStore method must run inside
 * `transaction()` (transactions.ts), so a block connect/disconnect (or a whole reorg) commits
 * atomically: LMDB's copy-on-write B-tree means a kill -9 leaves either the old or the new state,
 * never a mix.
 *
 *   index    hash → u64BE sequence: where the block's records are (the only record keyed by hash)
 *   entries  u64BE sequence → IndexEntry (header, chain work, status)
 *   blockdata u64BE sequence → encoded block, when its data is stored
 *            A block gets the next sequence when it is first indexed, so its entry and its data
 *            are appends at the right edge of their B-trees (Bitcoin Core's blk files), and the one
 *            random-key insert per block is the small hash → sequence record: a random insert
 *            dirties a leaf page anywhere in a tree that grows with the chain, and a commit of
 *            hundreds of blocks then writes most of such a tree again.
 *   heights  u32BE height → hash, active chain only
 *   coins    outPointKey → Coin (the UTXO set)
 *   addrs    pubKeyHash ‖ u32BE coin height ‖ outPointKey → empty (per-address coins are one range
 *            read; the height keeps an address's new coins together at the end of its range, so a
 *            miner paying itself appends instead of inserting at a random place)
 *   blocks   format ≤ 2 only: hash → encoded block; emptied by the one-time upgrade (upgrade.ts)
 *   undo     hash → coins the block spent, in order (active chain only)
 *   meta     'tip' → hash of the active tip; 'tips-index' → 1 once `tips` is maintained;
 *            'reindex' → while a reindex (reindex.ts) has not finished: the tip it started from (or 1);
 *            'reindex-tip' → that reindex's progress (the last block it connected): 'tip' is only
 *            written by its final commit, so a build that knows no marker sees "blocks but no tip";
 *            'format' → u32BE layout version (STORE_FORMAT_VERSION), for later layout changes
 *   tips     chainWork u256BE ‖ hash → empty: side-branch candidate tips (candidates.ts), in work order
 */
import { type Database, type RootDatabase, open } from 'lmdb';
import { HASH_BYTES, PUBKEY_HASH_BYTES } from '../../primitives/hash.js';
import type { OutPoint } from '../../primitives/tx.js';
import type { Coin } from '../types.js';
import { errorMessage } from '../../util/errors.js';
import { LMDB_MAX_DBS } from '../constants.js';
import { StorageError } from '../errors.js';

export const TIP_KEY = Buffer.from('tip');
export const TIPS_INDEX_KEY = Buffer.from('tips-index');
export const REINDEX_KEY = Buffer.from('reindex');
export const REINDEX_TIP_KEY = Buffer.from('reindex-tip');
export const FORMAT_KEY = Buffer.from('format');
export const EMPTY = Buffer.alloc(0);
/** Past every height ‖ outPointKey (40 bytes) under a pubKeyHash prefix: the exclusive end of a range read. */
export const ADDR_RANGE_END_SUFFIX = Buffer.alloc(41, 0xff);
/** Bytes of an addrs key: pubKeyHash, coin height, txid, output index. */
export const ADDR_KEY_BYTES = PUBKEY_HASH_BYTES + 4 + HASH_BYTES + 4;
/** Where the outPointKey starts in an addrs key. */
export const ADDR_KEY_OUTPOINT_OFFSET = PUBKEY_HASH_BYTES + 4;

export const STORE_DB_NAMES = ['entries', 'blockdata', 'blocks', 'index', 'heights', 'coins', 'addrs', 'undo', 'meta', 'tips'] as const;
export type StoreDbName = (typeof STORE_DB_NAMES)[number];
export type BinaryDb = Database<Buffer, Buffer>;
/** The chain state a reindex rebuilds from the stored blocks and block index. */
export const CHAIN_STATE_DBS: readonly StoreDbName[] = ['coins', 'addrs', 'undo', 'heights', 'tips'];

/** `readOnly`: for a check beside (or without) the node; a path without a database is an error then, not created. */
export function openStoreDbs(path: string, options: { readOnly?: boolean } = {}): { env: RootDatabase; dbs: Record<StoreDbName, BinaryDb> } {
  try {
    // Durability (see docs/architecture.md, "Storage and crash safety"). overlappingSync is off:
    // a transactionSync commit would still flush on the calling thread, and transactionAsync
    // already moves the commit and its flush to lmdb-js's writer thread. noMetaSync: each
    // commit still fsyncs the data pages, but the meta page that points at them is left to the
    // next commit / OS writeback. kill -9: nothing lost (the page cache survives the process).
    // OS crash or power loss: the last committed block(s) may be undone, never a torn state —
    // LMDB's "ACI without D". ~6x cheaper per block than the default double flush.
    const env = open({ path, maxDbs: LMDB_MAX_DBS, overlappingSync: false, noMetaSync: true, eventTurnBatching: false, ...(options.readOnly === true ? { readOnly: true } : {}) });
    const dbs = {} as Record<StoreDbName, BinaryDb>;
    for (const name of STORE_DB_NAMES) dbs[name] = env.openDB<Buffer, Buffer>({ name, keyEncoding: 'binary', encoding: 'binary' });
    return { env, dbs };
  } catch (err) {
    throw new StorageError('storage-open-failed', `cannot open the chain database at ${path}: ${errorMessage(err)}`, { cause: err });
  }
}

/** addrs key of a coin: pubKeyHash ‖ height ‖ outPointKey, written in one allocation (no concat of a temporary key). */
export function addrKey(coin: Pick<Coin, 'pubKeyHash' | 'height'>, outpoint: OutPoint): Buffer {
  const key = Buffer.allocUnsafe(ADDR_KEY_BYTES);
  coin.pubKeyHash.copy(key, 0);
  key.writeUInt32BE(coin.height, PUBKEY_HASH_BYTES);
  outpoint.txid.copy(key, ADDR_KEY_OUTPOINT_OFFSET);
  key.writeUInt32BE(outpoint.index, ADDR_KEY_OUTPOINT_OFFSET + HASH_BYTES);
  return key;
}

/** entries and blockdata key (and index value): the sequence as u64 BE, so LMDB's byte order is the order blocks were indexed in. */
export function seqKey(seq: number): Buffer {
  const key = Buffer.allocUnsafe(8);
  key.writeUInt32BE(Math.floor(seq / 0x1_0000_0000), 0);
  key.writeUInt32BE(seq >>> 0, 4);
  return key;
}

export const SEQ_KEY_BYTES = 8;

export function readSeqKey(key: Buffer): number {
  return key.readUInt32BE(0) * 0x1_0000_0000 + key.readUInt32BE(4);
}
