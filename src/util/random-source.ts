import { randomBytes } from 'node:crypto';

/**
 * Where a node's random choices come from: discovery's refresh targets, revalidation picks and
 * retry jitter; the address manager's bucket key and picks; the inbound-eviction key; handshake,
 * ping and compact-block nonces; redial jitter; orphan eviction. Production draws from the OS
 * CSPRNG: an attacker who can predict our refresh targets, address picks or eviction ranking can
 * place nodes where we will look or keep theirs from being evicted (Math.random is not a CSPRNG:
 * a few outputs reveal its state). A simulation passes a seeded source per node so that one seed
 * reproduces a whole run. Components take it through their options and default to CRYPTO_RANDOM.
 */
export interface RandomSource {
  /** A uniform number in [0, 1). */
  fraction(): number;
  /** `length` uniform random bytes (a new buffer). */
  bytes(length: number): Buffer;
  /** A uniform 64-bit unsigned integer (nonces). */
  uint64(): bigint;
}

const FRACTION_BYTES = 6;
const FRACTION_SCALE = 2 ** (8 * FRACTION_BYTES);
const UINT64_BYTES = 8;

/** The production source: node:crypto's CSPRNG (48 bits per fraction). */
export const CRYPTO_RANDOM: RandomSource = {
  fraction: () => randomBytes(FRACTION_BYTES).readUIntBE(0, FRACTION_BYTES) / FRACTION_SCALE,
  bytes: (length) => randomBytes(length),
  uint64: () => randomBytes(UINT64_BYTES).readBigUInt64LE(0),
};

/**
 * A source driven by a deterministic generator of uniform numbers in [0, 1) (a seeded PRNG):
 * for simulations and tests only, it is predictable by design.
 */
export function randomSourceFrom(next: () => number): RandomSource {
  const bytes = (length: number): Buffer => {
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) out[i] = Math.floor(next() * 256);
    return out;
  };
  return { fraction: next, bytes, uint64: () => bytes(UINT64_BYTES).readBigUInt64LE(0) };
}

/** An index in [0, n) drawn from `random`. */
export function randomIndex(random: RandomSource, n: number): number {
  return Math.min(n - 1, Math.floor(random.fraction() * n));
}
