import { createHash } from 'node:crypto';

export const HASH_BYTES = 32;
export const PUBKEY_HASH_BYTES = 20;
export const ZERO_HASH: Buffer = Buffer.alloc(HASH_BYTES);

export function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/** Bitcoin's "hash256": SHA-256 applied twice. Used for txids, block hashes and merkle nodes. */
export function hash256(data: Uint8Array): Buffer {
  return sha256(sha256(data));
}

export function ripemd160(data: Uint8Array): Buffer {
  return createHash('ripemd160').update(data).digest();
}

/** Bitcoin's "hash160": RIPEMD-160 of SHA-256. Used for public-key hashes (addresses). */
export function hash160(data: Uint8Array): Buffer {
  return ripemd160(sha256(data));
}
