import { HASH_BYTES } from './hash.js';

const TWO_POW_256 = 1n << 256n;

/**
 * Bitcoin's compact "bits": 1 exponent byte, 3 mantissa bytes; target = mantissa × 256^(exponent−3).
 * A set sign bit (0x00800000) or a zero result is an invalid target.
 */
export function compactToTarget(bits: number): bigint {
  const exponent = bits >>> 24;
  const mantissa = bits & 0x007f_ffff;
  if (bits & 0x0080_0000) throw new RangeError(`negative compact target 0x${bits.toString(16)}`);
  const target = exponent <= 3 ? BigInt(mantissa >>> (8 * (3 - exponent))) : BigInt(mantissa) << BigInt(8 * (exponent - 3));
  if (target === 0n || target >= TWO_POW_256) throw new RangeError(`compact target 0x${bits.toString(16)} is out of range`);
  return target;
}

export function targetToCompact(target: bigint): number {
  if (target <= 0n) throw new RangeError('target must be positive');
  let size = 0;
  for (let t = target; t > 0n; t >>= 8n) size++;
  let mantissa = size <= 3 ? Number(target << BigInt(8 * (3 - size))) : Number(target >> BigInt(8 * (size - 3)));
  // Keep the sign bit clear: shift the mantissa down and grow the exponent.
  if (mantissa & 0x0080_0000) {
    mantissa >>>= 8;
    size++;
  }
  return ((size << 24) | mantissa) >>> 0;
}

/** A block hash read as a big-endian 256-bit number (so its hex shows the leading zeros PoW demands). */
export function hashToBigInt(hash: Buffer): bigint {
  return BigInt(`0x${hash.toString('hex')}`);
}

export function hashMeetsTarget(hash: Buffer, target: bigint): boolean {
  return hash.length === HASH_BYTES && hashToBigInt(hash) <= target;
}

/** Expected number of hashes to find a block at this target: 2^256 / (target + 1). Summed for chain work. */
export function workForTarget(target: bigint): bigint {
  return TWO_POW_256 / (target + 1n);
}
