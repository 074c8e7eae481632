/** A transaction output's address (txid, index) and its key in Maps and LMDB. */
import { DecodeError } from '../util/errors.js';
import { HASH_BYTES } from './hash.js';

export interface OutPoint {
  readonly txid: Buffer;
  readonly index: number;
}

/** A key usable in Maps/LMDB for an outpoint: 32-byte txid then big-endian u32 index. */
export function outPointKey(outpoint: OutPoint): Buffer {
  // allocUnsafe below: a short txid would leave old heap bytes in the key and look up a random coin.
  if (outpoint.txid.length !== HASH_BYTES) throw new DecodeError(`an outpoint's txid is ${HASH_BYTES} bytes, got ${outpoint.txid.length}`);
  if (!Number.isInteger(outpoint.index) || outpoint.index < 0 || outpoint.index > 0xffff_ffff) throw new DecodeError(`an outpoint's index is a 32-bit unsigned number, got ${outpoint.index}`);
  const key = Buffer.allocUnsafe(HASH_BYTES + 4);
  outpoint.txid.copy(key, 0);
  key.writeUInt32BE(outpoint.index, HASH_BYTES);
  return key;
}

export function outPointFromKey(key: Buffer): OutPoint {
  return { txid: Buffer.from(key.subarray(0, HASH_BYTES)), index: key.readUInt32BE(HASH_BYTES) };
}

export function outPointToString(outpoint: OutPoint): string {
  return `${outpoint.txid.toString('hex')}:${outpoint.index}`;
}
