/**
 * Records of the index database (fixed binary layouts):
 *   txs    txid → blockHash[32] | position u32
 *   addrs  pubKeyHash[20] | height u32 BE | txid[32] → received u64 | sent u64
 *   undo   blockHash → prevHash[32] | height u32 | varint nTx | txid[32]… | varint nAddr | (pubKeyHash[20] | txid[32])…
 *          everything needed to take the block's entries out again without the chain store
 *   meta   'best' → hash[32] | height u32 ; 'format' → u32
 */
import { BufferReader, BufferWriter } from '../../primitives/encoding.js';
import { HASH_BYTES, PUBKEY_HASH_BYTES } from '../../primitives/hash.js';
import type { AddressHistoryEntry, IndexBest, TxLocation } from '../types.js';

export const ADDR_KEY_BYTES = PUBKEY_HASH_BYTES + 4 + HASH_BYTES;

/** One block's entries, computed from the block and its undo data before the commit. */
export interface IndexedBlock {
  readonly hash: Buffer;
  readonly prevHash: Buffer;
  readonly height: number;
  readonly txids: readonly Buffer[];
  readonly addrs: ReadonlyArray<{ readonly pubKeyHash: Buffer; readonly txid: Buffer; readonly received: bigint; readonly sent: bigint }>;
}

export interface BlockUndoRecord {
  readonly prevHash: Buffer;
  readonly height: number;
  readonly txids: Buffer[];
  /** Address keys (addrKey) the block wrote. */
  readonly addrKeys: Buffer[];
}

export function addrKey(pubKeyHash: Buffer, height: number, txid: Buffer): Buffer {
  const key = Buffer.allocUnsafe(ADDR_KEY_BYTES);
  pubKeyHash.copy(key, 0);
  key.writeUInt32BE(height, PUBKEY_HASH_BYTES);
  txid.copy(key, PUBKEY_HASH_BYTES + 4);
  return key;
}

export function decodeAddrEntry(key: Buffer, value: Buffer): AddressHistoryEntry {
  const r = new BufferReader(value);
  const received = r.u64('received');
  const sent = r.u64('sent');
  return { height: key.readUInt32BE(PUBKEY_HASH_BYTES), txid: Buffer.from(key.subarray(PUBKEY_HASH_BYTES + 4)), received, sent };
}

export function encodeAddrValue(received: bigint, sent: bigint): Buffer {
  return new BufferWriter(16).u64(received).u64(sent).finish();
}

export function encodeTxLocation(blockHash: Buffer, position: number): Buffer {
  return new BufferWriter(HASH_BYTES + 4).bytes(blockHash).u32(position).finish();
}

export function decodeTxLocation(bytes: Buffer): TxLocation {
  const r = new BufferReader(bytes);
  const blockHash = r.bytes(HASH_BYTES, 'tx block hash');
  const position = r.u32('tx position');
  r.end('tx location');
  return { blockHash, position };
}

export function encodeBest(best: IndexBest): Buffer {
  return new BufferWriter(HASH_BYTES + 4).bytes(best.hash).u32(best.height).finish();
}

export function decodeBest(bytes: Buffer): IndexBest {
  const r = new BufferReader(bytes);
  const hash = r.bytes(HASH_BYTES, 'index best hash');
  const height = r.u32('index best height');
  r.end('index best');
  return { hash, height };
}

export function encodeBlockUndo(block: IndexedBlock): Buffer {
  const w = new BufferWriter(HASH_BYTES + 4 + 10 + block.txids.length * HASH_BYTES + block.addrs.length * (PUBKEY_HASH_BYTES + HASH_BYTES));
  w.bytes(block.prevHash).u32(block.height).varint(block.txids.length);
  for (const txid of block.txids) w.bytes(txid);
  w.varint(block.addrs.length);
  for (const a of block.addrs) w.bytes(a.pubKeyHash).bytes(a.txid);
  return w.finish();
}

export function decodeBlockUndo(bytes: Buffer): BlockUndoRecord {
  const r = new BufferReader(bytes);
  const prevHash = r.bytes(HASH_BYTES, 'undo prev hash');
  const height = r.u32('undo height');
  const nTx = r.count(HASH_BYTES, 'undo txids');
  const txids: Buffer[] = [];
  for (let i = 0; i < nTx; i++) txids.push(r.bytes(HASH_BYTES, 'undo txid'));
  const nAddr = r.count(PUBKEY_HASH_BYTES + HASH_BYTES, 'undo addrs');
  const addrKeys: Buffer[] = [];
  for (let i = 0; i < nAddr; i++) addrKeys.push(addrKey(r.bytes(PUBKEY_HASH_BYTES, 'undo pkh'), height, r.bytes(HASH_BYTES, 'undo addr txid')));
  r.end('index undo');
  return { prevHash, height, txids, addrKeys };
}
