/**
 * BIP152 short transaction ids: the low 48 bits of SipHash-2-4(txid) under a key that is the
 * first 16 bytes of sha256(header ‖ nonce). The sender picks the nonce at random per compact
 * block, so an attacker cannot precompute transactions that collide in everyone's mempool.
 * A short id is kept as a plain number (< 2^48, exact in a double): a Map key with no allocation.
 */
import type { BlockHeader } from '../../primitives/block.js';
import { sha256 } from '../../primitives/hash.js';
import { type SipKey, sipHash24, sipKeyFromBytes } from './siphash.js';

/** 6 bytes on the wire (BIP152): 2^-48 collision odds per pair of txs. */
export const SHORT_ID_BYTES = 6;
const HIGH_16_BITS = 0xffff;
const TWO_POW_32 = 0x1_0000_0000;

/** The SipHash key of a compact block: sha256(header ‖ nonce u64 LE), bytes 0–15. */
export function shortIdKey(header: BlockHeader, nonce: bigint): SipKey {
  const nonceBytes = Buffer.alloc(8);
  nonceBytes.writeBigUInt64LE(nonce);
  return sipKeyFromBytes(sha256(Buffer.concat([header.encode(), nonceBytes])));
}

const scratch = new Uint32Array(2);

/** The 48-bit short id of `txid` under `key`. */
export function shortId(key: SipKey, txid: Uint8Array): number {
  const h = sipHash24(key, txid, scratch);
  return (h[1]! & HIGH_16_BITS) * TWO_POW_32 + h[0]!;
}
