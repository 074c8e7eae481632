import { type Hash, createHash, hash } from 'node:crypto';

export const HASH_BYTES = 32;
export const PUBKEY_HASH_BYTES = 20;
export const ZERO_HASH: Buffer = Buffer.alloc(HASH_BYTES);

// crypto.hash (one-shot, Node >= 20.12) skips the Hash object createHash builds: ~35 % faster on
// the short inputs (txids, sighashes, headers) that dominate here. Its digest is asked for as a
// 'binary' (latin1) string, one byte per character, not as 'buffer': Node 20 answers 'buffer' with a fresh
// ArrayBuffer made in C++ plus three lower-casings of the names per call, ~2.2 µs and ~460 heap
// bytes per hash256 against ~1 µs and ~290 this way (a 300-byte input, test/bench/block-alloc.ts).
const DIGEST = 'binary';

/** The middle digest of hash256 / hash160: only ever read by the next hash on this thread, so one buffer serves every call. */
const scratch = Buffer.allocUnsafe(HASH_BYTES);

/** A digest string as a Buffer of its own (small: a slice of Node's shared pool, like any short Buffer.from). */
function digestBuffer(digest: string): Buffer {
  return Buffer.from(digest, 'latin1');
}

function middleSha256(data: Uint8Array): Buffer {
  scratch.write(hash('sha256', data, DIGEST), 0, 'latin1');
  return scratch;
}

export function sha256(data: Uint8Array): Buffer {
  return digestBuffer(hash('sha256', data, DIGEST));
}

/**
 * sha256(data) written into `out` (its first 32 bytes), with no Buffer made for the digest: for a
 * digest that is only read at once (a packet's signing digest). `out` must not be the middle-digest
 * scratch. Returns `out`.
 */
export function sha256Into(data: Uint8Array, out: Buffer): Buffer {
  out.write(hash('sha256', data, DIGEST), 0, 'latin1');
  return out;
}

/**
 * sha256(data) equals the 32 bytes of `expected` at `offset`, without a Buffer for the digest: a
 * received datagram's integrity check (the digest is compared, never kept).
 */
export function sha256Equals(data: Uint8Array, expected: Buffer, offset = 0): boolean {
  if (offset < 0 || expected.length - offset < HASH_BYTES) return false;
  scratch.write(hash('sha256', data, DIGEST), 0, 'latin1');
  return scratch.compare(expected, offset, offset + HASH_BYTES, 0, HASH_BYTES) === 0;
}

/** Bitcoin's "hash256": SHA-256 applied twice. Used for txids, block hashes and merkle nodes. */
export function hash256(data: Uint8Array): Buffer {
  return digestBuffer(hash('sha256', middleSha256(data), DIGEST));
}

/**
 * hash256(data) written into `out` (32 bytes from `offset`), with no Buffer made for the digest:
 * the verify workers take one sighash per input and only pass it on to secp256k1; the merkle tree
 * writes each parent over its level. `out` must not be the middle-digest scratch. Returns `out`.
 */
export function hash256Into(data: Uint8Array, out: Buffer, offset = 0): Buffer {
  out.write(hash('sha256', middleSha256(data), DIGEST), offset, 'latin1');
  return out;
}

export function ripemd160(data: Uint8Array): Buffer {
  return digestBuffer(hash('ripemd160', data, DIGEST));
}

/** Bitcoin's "hash160": RIPEMD-160 of SHA-256. Used for public-key hashes (addresses). */
export function hash160(data: Uint8Array): Buffer {
  return digestBuffer(hash('ripemd160', middleSha256(data), DIGEST));
}

/** hash160(data).equals(expected), without a Buffer for the digest: the owner check runs once per input connected. */
export function hash160Equals(data: Uint8Array, expected: Buffer): boolean {
  if (expected.length !== PUBKEY_HASH_BYTES) return false;
  const digest = hash('ripemd160', middleSha256(data), DIGEST);
  scratch.write(digest, 0, 'latin1');
  return scratch.compare(expected, 0, PUBKEY_HASH_BYTES, 0, PUBKEY_HASH_BYTES) === 0;
}

/**
 * Preimages whose shared prefix is at least this long hash it once (SHA-256's midstate) instead of
 * whole per digest: a copy of the hash state and its finish cost ~0.7 µs, a one-shot hash of 1 KiB
 * ~0.9 µs and of 8 KiB ~5 µs (measured on the dev machine; the two cross near 0.6-1 KiB).
 */
export const MIDSTATE_MIN_PREFIX_BYTES = 1_024;

/**
 * hash256(prefix ‖ suffix) for many short suffixes after one prefix, the prefix hashed once: the
 * SHA-256 state after it is kept (Node's Hash.copy()) and each digest finishes a copy of it. Every
 * input of a transaction signs the same preimage but for its 4-byte index at the end, so its n
 * inputs hash the transaction once instead of n times (quadratic in its size otherwise: a 1 MB
 * transaction of ~3,700 inputs would be ~3.7 GB of SHA-256).
 */
export class PrefixHash256 {
  private readonly state: Hash;

  constructor(prefix: Uint8Array) {
    this.state = createHash('sha256').update(prefix);
  }

  /** hash256(prefix ‖ suffix). */
  digest(suffix: Uint8Array): Buffer {
    return digestBuffer(hash('sha256', this.middle(suffix), DIGEST));
  }

  /** The inner SHA-256 as a latin1 string: for a caller that finishes the outer hash its own way (the verify workers). */
  innerDigest(suffix: Uint8Array): string {
    return this.state.copy().update(suffix).digest(DIGEST);
  }

  private middle(suffix: Uint8Array): Buffer {
    scratch.write(this.innerDigest(suffix), 0, 'latin1');
    return scratch;
  }
}
