import { randomBytes } from 'node:crypto';

/**
 * Where discovery's random choices come from (refresh targets, the entry to revalidate, retry
 * jitter). Production draws from the OS CSPRNG: an attacker who could predict our refresh targets
 * could place nodes where our next lookups will look. A simulation passes a seeded source per node
 * so that one seed reproduces a whole run.
 */
export interface RandomSource {
  /** A uniform number in [0, 1). */
  fraction(): number;
  /** `length` uniform random bytes (a new buffer). */
  bytes(length: number): Buffer;
}

const FRACTION_BYTES = 6;
const FRACTION_SCALE = 2 ** (8 * FRACTION_BYTES);

/** The production source: node:crypto's CSPRNG (48 bits per fraction). */
export const CRYPTO_RANDOM: RandomSource = {
  fraction: () => randomBytes(FRACTION_BYTES).readUIntBE(0, FRACTION_BYTES) / FRACTION_SCALE,
  bytes: (length) => randomBytes(length),
};

/**
 * A source driven by a deterministic generator of uniform numbers in [0, 1) (a seeded PRNG):
 * for simulations and tests only, it is predictable by design.
 */
export function randomSourceFrom(next: () => number): RandomSource {
  return {
    fraction: next,
    bytes: (length) => {
      const out = Buffer.allocUnsafe(length);
      for (let i = 0; i < length; i++) out[i] = Math.floor(next() * 256);
      return out;
    },
  };
}

/** An index in [0, n) drawn from `random`. */
export function randomIndex(random: RandomSource, n: number): number {
  return Math.min(n - 1, Math.floor(random.fraction() * n));
}
