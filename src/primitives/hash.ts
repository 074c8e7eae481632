import { hash } from 'node:crypto';

export const HASH_BYTES = 32;
export const PUBKEY_HASH_BYTES = 20;
export const ZERO_HASH: Buffer = Buffer.alloc(HASH_BYTES);

// crypto.hash (one-shot, Node >= 20.12) skips the Hash object createHash builds: ~35 % faster on
// the short inputs (txids, sighashes, headers) that dominate here.
export function sha256(data: Uint8Array): Buffer {
  return hash('sha256', data, 'buffer');
}

/** Bitcoin's "hash256": SHA-256 applied twice. Used for txids, block hashes and merkle nodes. */
export function hash256(data: Uint8Array): Buffer {
  return sha256(sha256(data));
}

export function ripemd160(data: Uint8Array): Buffer {
  return hash('ripemd160', data, 'buffer');
}

/** Bitcoin's "hash160": RIPEMD-160 of SHA-256. Used for public-key hashes (addresses). */
export function hash160(data: Uint8Array): Buffer {
  return ripemd160(sha256(data));
}
