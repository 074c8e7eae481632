/**
 * Binary records the chain store keeps in LMDB. Fixed layouts written with BufferWriter so a
 * record decodes without JSON parsing and every value has exactly one byte form.
 */
import { BlockHeader, HEADER_BYTES } from '../../primitives/block.js';
import { BufferReader, BufferWriter } from '../../primitives/encoding.js';
import { PUBKEY_HASH_BYTES } from '../../primitives/hash.js';
import { DecodeError } from '../../util/errors.js';
import type { Coin } from '../types.js';

/** amount u64 | pubKeyHash[20] | height u32 | flags u8 */
export const COIN_BYTES = 8 + PUBKEY_HASH_BYTES + 4 + 1;
const COIN_FLAG_COINBASE = 0x01;
/** Chain work is a sum of 256-bit values; 32 bytes big-endian cannot overflow in practice. */
const CHAIN_WORK_BYTES = 32;

export type BlockStatus = 'valid' | 'invalid';
const STATUS_BYTES: Record<BlockStatus, number> = { valid: 1, invalid: 2 };

/** One block index record: what fork choice and header queries need without loading the block. */
export interface IndexEntry {
  readonly header: BlockHeader;
  /** Cumulative work from genesis up to and including this block. */
  readonly chainWork: bigint;
  /** 'valid': passed every check that did not need the UTXO set (or was connected); 'invalid': never connect it or its descendants. */
  readonly status: BlockStatus;
}

export function writeCoin(w: BufferWriter, coin: Coin): BufferWriter {
  return w
    .u64(coin.amount)
    .bytes(coin.pubKeyHash)
    .u32(coin.height)
    .u8(coin.isCoinbase ? COIN_FLAG_COINBASE : 0);
}

export function readCoin(r: BufferReader): Coin {
  const amount = r.u64('coin amount');
  const pubKeyHash = r.bytes(PUBKEY_HASH_BYTES, 'coin pubkey hash');
  const height = r.u32('coin height');
  const flags = r.u8('coin flags');
  return { amount, pubKeyHash, height, isCoinbase: (flags & COIN_FLAG_COINBASE) !== 0 };
}

export function encodeCoin(coin: Coin): Buffer {
  return writeCoin(new BufferWriter(COIN_BYTES), coin).finish();
}

export function decodeCoin(bytes: Buffer): Coin {
  const r = new BufferReader(bytes);
  const coin = readCoin(r);
  r.end('coin');
  return coin;
}

/** Undo data of a block: the coins its transactions spent, in spending order. */
export function encodeUndo(spent: readonly Coin[]): Buffer {
  const w = new BufferWriter(5 + spent.length * COIN_BYTES).varint(spent.length);
  for (const coin of spent) writeCoin(w, coin);
  return w.finish();
}

export function decodeUndo(bytes: Buffer): Coin[] {
  const r = new BufferReader(bytes);
  const n = r.count(COIN_BYTES, 'undo coins');
  const coins: Coin[] = new Array(n);
  for (let i = 0; i < n; i++) coins[i] = readCoin(r);
  r.end('undo data');
  return coins;
}

const CHAIN_WORK_LIMIT = 1n << BigInt(CHAIN_WORK_BYTES * 8);

function encodeChainWork(chainWork: bigint): Buffer {
  // Checked on the number: 2^256 has 65 hex digits, which Buffer.from(hex) silently cut to 32 bytes.
  if (chainWork < 0n || chainWork >= CHAIN_WORK_LIMIT) throw new RangeError(`chain work ${chainWork} does not fit in ${CHAIN_WORK_BYTES} bytes`);
  return Buffer.from(chainWork.toString(16).padStart(CHAIN_WORK_BYTES * 2, '0'), 'hex');
}

/** header[84] | chainWork u256 BE | status u8 */
export function encodeIndexEntry(entry: IndexEntry): Buffer {
  const w = new BufferWriter(HEADER_BYTES + CHAIN_WORK_BYTES + 1);
  entry.header.write(w);
  return w.bytes(encodeChainWork(entry.chainWork)).u8(STATUS_BYTES[entry.status]).finish();
}

/** Candidate-tip key: chainWork u256 BE ‖ hash, so LMDB's byte order is work order. */
export function tipKey(chainWork: bigint, hash: Buffer): Buffer {
  return Buffer.concat([encodeChainWork(chainWork), hash]);
}

export function decodeIndexEntry(bytes: Buffer): IndexEntry {
  const r = new BufferReader(bytes);
  const header = BlockHeader.read(r);
  const chainWork = BigInt(`0x${r.bytes(CHAIN_WORK_BYTES, 'chain work').toString('hex')}`);
  const statusByte = r.u8('block status');
  r.end('block index entry');
  const status = statusByte === STATUS_BYTES.invalid ? 'invalid' : statusByte === STATUS_BYTES.valid ? 'valid' : undefined;
  if (!status) throw new DecodeError(`unknown block status byte ${statusByte}`);
  return { header, chainWork, status };
}

/** Height keys are big-endian so LMDB's byte order is height order. */
export function heightKey(height: number): Buffer {
  const key = Buffer.allocUnsafe(4);
  key.writeUInt32BE(height, 0);
  return key;
}
