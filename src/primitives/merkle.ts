import { HASH_BYTES, ZERO_HASH, hash256 } from './hash.js';

/**
 * Bitcoin's merkle root: pair up hashes level by level, duplicating the last of an odd level.
 * That duplication makes [a,b,c] and [a,b,c,c] share a root (CVE-2012-2459), which is why
 * block validation rejects duplicate transactions before trusting the root.
 */
export function merkleRoot(hashes: readonly Buffer[]): Buffer {
  if (hashes.length === 0) return ZERO_HASH;
  let level: Buffer[] = hashes.slice();
  const pair = Buffer.allocUnsafe(HASH_BYTES * 2);
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i]!;
      const right = level[i + 1] ?? left;
      left.copy(pair, 0);
      right.copy(pair, HASH_BYTES);
      next.push(hash256(pair));
    }
    level = next;
  }
  return level[0]!;
}
