import { BlockHeader, HEADER_BYTES } from '../../../primitives/block.js';
import { BufferReader } from '../../../primitives/encoding.js';
import { Transaction } from '../../../primitives/tx.js';
import { DecodeError } from '../../../util/errors.js';
import { COMPACT_SHORT_ID_BYTES, MAX_COMPACT_BLOCK_TXS } from '../constants.js';
import { newWriter, readHash, writeHash } from './fields.js';

/**
 * Compact block relay (BIP152, protocol version ≥ 3): a block travels as its header, a 6-byte
 * short id per transaction and a few transactions in full (at least the coinbase); the receiver
 * rebuilds it from its mempool and asks only for what it lacks. Every count is checked against
 * MAX_COMPACT_BLOCK_TXS and the bytes present before anything is allocated.
 */

/** "Send me new blocks as cmpct-block" (high bandwidth: unasked, at once) or "announce them with inv" (low). */
export interface SendCompactMessage {
  readonly kind: 'send-compact';
  readonly highBandwidth: boolean;
  /** Compact block version; we speak 1 (BIP152's, with txids) and ignore others. */
  readonly version: bigint;
}

export interface PrefilledTx {
  /** Absolute index in the block. */
  readonly index: number;
  readonly tx: Transaction;
}

export interface CompactBlockMessage {
  readonly kind: 'cmpct-block';
  readonly header: BlockHeader;
  /** Keys the short ids (see src/p2p/compact/short-id.ts). */
  readonly nonce: bigint;
  /** 48-bit short ids, in block order of the transactions not prefilled. */
  readonly shortIds: readonly number[];
  /** In increasing index order. */
  readonly prefilled: readonly PrefilledTx[];
}

export interface GetBlockTxnMessage {
  readonly kind: 'get-block-txn';
  readonly blockHash: Buffer;
  /** Absolute indexes, strictly increasing (the encoding makes anything else impossible). */
  readonly indexes: readonly number[];
}

export interface BlockTxnMessage {
  readonly kind: 'block-txn';
  readonly blockHash: Buffer;
  /** The transactions at the asked indexes, in that order. */
  readonly transactions: readonly Transaction[];
}

/** Compact blocks version 1 (BIP152's number: short ids of txids). */
export const COMPACT_BLOCKS_VERSION_1 = 1n;
export const SEND_COMPACT_BYTES = 9;
const MAX_SHORT_ID = 2 ** 48 - 1;

function checkCount(count: number, what: string): void {
  if (count > MAX_COMPACT_BLOCK_TXS) throw new DecodeError(`${what} lists ${count} transactions, more than the ${MAX_COMPACT_BLOCK_TXS} a block can hold`);
}

/** highBandwidth u8 (0 or 1) | version u64 */
export function encodeSendCompact(msg: SendCompactMessage): Buffer {
  return newWriter(SEND_COMPACT_BYTES).u8(msg.highBandwidth ? 1 : 0).u64(msg.version).finish();
}

export function decodeSendCompact(payload: Buffer): SendCompactMessage {
  const r = new BufferReader(payload);
  const flag = r.u8('high-bandwidth flag');
  if (flag > 1) throw new DecodeError(`high-bandwidth flag must be 0 or 1, got ${flag}`);
  const version = r.u64('compact blocks version');
  r.end('send-compact');
  return { kind: 'send-compact', highBandwidth: flag === 1, version };
}

/**
 * header[84] | nonce u64 | varint n | n × shortId[6] (u48 LE) | varint p | p × (varint indexDiff | tx).
 * A prefilled index is encoded as the gap to the previous one minus one (the first as is), so
 * indexes are strictly increasing by construction; each must be below n + p.
 */
export function encodeCompactBlock(msg: CompactBlockMessage): Buffer {
  checkCount(msg.shortIds.length + msg.prefilled.length, 'cmpct-block');
  const w = newWriter(HEADER_BYTES + 8 + 9 + msg.shortIds.length * COMPACT_SHORT_ID_BYTES + 9 + msg.prefilled.reduce((n, p) => n + 5 + p.tx.size, 0));
  msg.header.write(w).u64(msg.nonce).varint(msg.shortIds.length);
  const id = Buffer.alloc(COMPACT_SHORT_ID_BYTES);
  for (const shortId of msg.shortIds) {
    if (!Number.isInteger(shortId) || shortId < 0 || shortId > MAX_SHORT_ID) throw new RangeError(`short id out of range: ${shortId}`);
    id.writeUIntLE(shortId, 0, COMPACT_SHORT_ID_BYTES);
    w.bytes(id);
  }
  w.varint(msg.prefilled.length);
  let previous = -1;
  for (const { index, tx } of msg.prefilled) {
    if (!Number.isInteger(index) || index <= previous) throw new RangeError(`prefilled indexes must increase: ${index} after ${previous}`);
    w.varint(index - previous - 1).bytes(tx.encode());
    previous = index;
  }
  return w.finish();
}

export function decodeCompactBlock(payload: Buffer): CompactBlockMessage {
  const r = new BufferReader(payload);
  const header = BlockHeader.readHashed(r);
  const nonce = r.u64('compact block nonce');
  const idCount = r.count(COMPACT_SHORT_ID_BYTES, 'short ids');
  checkCount(idCount, 'cmpct-block');
  const ids = r.view(idCount * COMPACT_SHORT_ID_BYTES, 'short ids');
  const shortIds: number[] = new Array(idCount);
  for (let i = 0; i < idCount; i++) shortIds[i] = ids.readUIntLE(i * COMPACT_SHORT_ID_BYTES, COMPACT_SHORT_ID_BYTES);
  const prefilledCount = r.count(1, 'prefilled transactions');
  const total = idCount + prefilledCount;
  checkCount(total, 'cmpct-block');
  if (total === 0) throw new DecodeError('a compact block must describe at least its coinbase');
  const prefilled: PrefilledTx[] = [];
  let previous = -1;
  for (let i = 0; i < prefilledCount; i++) {
    const index = previous + 1 + r.varint('prefilled index');
    if (index >= total) throw new DecodeError(`prefilled index ${index} is past the block's ${total} transactions`);
    prefilled.push({ index, tx: Transaction.read(r) });
    previous = index;
  }
  r.end('cmpct-block');
  return { kind: 'cmpct-block', header, nonce, shortIds, prefilled };
}

/** blockHash[32] | varint n | n × varint indexDiff (as the prefilled indexes) */
export function encodeGetBlockTxn(msg: GetBlockTxnMessage): Buffer {
  checkCount(msg.indexes.length, 'get-block-txn');
  const w = newWriter(32 + 9 + msg.indexes.length * 3);
  writeHash(w, msg.blockHash, 'block hash').varint(msg.indexes.length);
  let previous = -1;
  for (const index of msg.indexes) {
    if (!Number.isInteger(index) || index <= previous) throw new RangeError(`requested indexes must increase: ${index} after ${previous}`);
    w.varint(index - previous - 1);
    previous = index;
  }
  return w.finish();
}

export function decodeGetBlockTxn(payload: Buffer): GetBlockTxnMessage {
  const r = new BufferReader(payload);
  const blockHash = readHash(r, 'block hash');
  const count = r.count(1, 'requested indexes');
  checkCount(count, 'get-block-txn');
  const indexes: number[] = new Array(count);
  let previous = -1;
  for (let i = 0; i < count; i++) {
    const index = previous + 1 + r.varint('requested index');
    // No block has more transactions: past this the index cannot be honest (and stays a safe integer).
    if (index >= MAX_COMPACT_BLOCK_TXS) throw new DecodeError(`requested index ${index} is past the ${MAX_COMPACT_BLOCK_TXS} transactions a block can hold`);
    indexes[i] = index;
    previous = index;
  }
  r.end('get-block-txn');
  return { kind: 'get-block-txn', blockHash, indexes };
}

/** blockHash[32] | varint n | n × tx */
export function encodeBlockTxn(msg: BlockTxnMessage): Buffer {
  checkCount(msg.transactions.length, 'block-txn');
  const w = newWriter(32 + 9 + msg.transactions.reduce((n, tx) => n + tx.size, 0));
  writeHash(w, msg.blockHash, 'block hash').varint(msg.transactions.length);
  for (const tx of msg.transactions) w.bytes(tx.encode());
  return w.finish();
}

export function decodeBlockTxn(payload: Buffer): BlockTxnMessage {
  const r = new BufferReader(payload);
  const blockHash = readHash(r, 'block hash');
  const count = r.count(1, 'block transactions');
  checkCount(count, 'block-txn');
  const transactions: Transaction[] = [];
  for (let i = 0; i < count; i++) transactions.push(Transaction.read(r));
  r.end('block-txn');
  return { kind: 'block-txn', blockHash, transactions };
}
