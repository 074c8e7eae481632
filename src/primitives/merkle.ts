import { HASH_BYTES, ZERO_HASH, hash256Into } from './hash.js';

/** A root, and whether two sibling hashes were equal at some level (Bitcoin Core's "mutated"). */
export interface CheckedMerkleRoot {
  readonly root: Buffer;
  readonly mutated: boolean;
}

/**
 * Bitcoin's merkle root: pair up hashes level by level, duplicating the last of an odd level.
 * That duplication makes [a,b,c] and [a,b,c,c] share a root (CVE-2012-2459), which is why
 * block validation rejects duplicate transactions before trusting the root.
 */
export function merkleRoot(hashes: readonly Buffer[]): Buffer {
  return computeMerkleRoot(hashes, false).root;
}

/**
 * The root, and whether the tree is "mutated": two equal sibling hashes at some level, which every list
 * with a repeated tail has ([a,b,c,c], or a repeated run of subtrees) — CVE-2012-2459's twin of an
 * honest block with the same root. Bitcoin Core's ComputeMerkleRoot check, which is how it refuses
 * a rebuilt compact block with a repeated transaction (no set of every txid needed).
 */
export function merkleRootChecked(hashes: readonly Buffer[]): CheckedMerkleRoot {
  return computeMerkleRoot(hashes, true);
}

function computeMerkleRoot(hashes: readonly Buffer[], checkMutation: boolean): CheckedMerkleRoot {
  const count = hashes.length;
  if (count === 0) return { root: ZERO_HASH, mutated: false };
  if (count === 1) return { root: hashes[0]!, mutated: false };
  // One buffer for the level being hashed, a slot for an odd level's duplicated last hash, and 64
  // bytes where each pair is copied (copyWithin: no view made) to be hashed through one view, the
  // parent written over the front of the level. So the tree makes no Buffer per node: a 4,000-tx
  // block made ~8,000, then ~4,000 views (Buffer.copy and compare with offsets make a view each
  // too); in the simulator, whose Buffer pool is off, they were a fifth of a block measure's CPU.
  const pairAt = HASH_BYTES * (count + 1);
  const level = Buffer.allocUnsafe(pairAt + 2 * HASH_BYTES);
  const pair = level.subarray(pairAt);
  for (let i = 0; i < count; i++) hashes[i]!.copy(level, i * HASH_BYTES);
  let mutated = false;
  let width = count;
  while (width > 1) {
    // Siblings compared before an odd level's last hash is paired with itself (that one is no mutation).
    if (checkMutation && !mutated) {
      for (let i = 0; i + 1 < width && !mutated; i += 2) mutated = sameHash(level, i * HASH_BYTES, (i + 1) * HASH_BYTES);
    }
    if (width % 2 === 1) level.copyWithin(width * HASH_BYTES, (width - 1) * HASH_BYTES, width * HASH_BYTES);
    const parents = (width + 1) >> 1;
    // Parent i lands on bytes [32i, 32i + 32), which pair i (bytes [64i, 64i + 64)) has been read from or precedes.
    for (let i = 0; i < parents; i++) {
      level.copyWithin(pairAt, 2 * i * HASH_BYTES, (2 * i + 2) * HASH_BYTES);
      hash256Into(pair, level, i * HASH_BYTES);
    }
    width = parents;
  }
  // A root of its own (a small copy), not a view pinning the whole level.
  return { root: Buffer.from(level.subarray(0, HASH_BYTES)), mutated };
}

/** The 32 bytes at `a` equal those at `b` (byte by byte: most differ at the first; Buffer.compare with offsets makes a view). */
function sameHash(bytes: Buffer, a: number, b: number): boolean {
  for (let k = 0; k < HASH_BYTES; k++) if (bytes[a + k] !== bytes[b + k]) return false;
  return true;
}
