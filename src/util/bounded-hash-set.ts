/**
 * A set of hashes that forgets its oldest entries beyond `capacity`, exactly: for the sets whose
 * answer must never be a false "yes" (failed blocks, compact-block bookkeeping, the chain's
 * signature cache). Losing an old entry costs at most one redundant request or check, while an
 * unbounded set would let a peer grow our memory forever. The large inventory sets use HashFilter
 * (p2p/hash-filter.ts): ~10× less memory.
 *
 * Two generations, not one Map evicting its first key: V8 leaves deleted Map entries in place
 * until a rehash, so "delete the oldest" by iterating from the front costs O(deleted) each
 * time (an inv of 50,000 hashes took 0.6 s). Here each add is O(1): when the current
 * generation holds half the capacity it becomes the previous one, and the previous is dropped.
 * The newest ⌈capacity/2⌉ hashes are always remembered, never more than `capacity`.
 */
export class BoundedHashSet {
  private current = new Set<string>();
  private previous = new Set<string>();
  private readonly generationSize: number;

  constructor(capacity: number) {
    this.generationSize = Math.max(1, Math.ceil(capacity / 2));
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  has(hash: Buffer): boolean {
    const key = hash.toString('latin1');
    return this.current.has(key) || this.previous.has(key);
  }

  /** Adds `hash`, or makes it the newest if present. */
  add(hash: Buffer): void {
    const key = hash.toString('latin1');
    if (this.current.has(key)) return;
    this.previous.delete(key);
    this.current.add(key);
    if (this.current.size >= this.generationSize) {
      this.previous = this.current;
      this.current = new Set();
    }
  }

  delete(hash: Buffer): void {
    const key = hash.toString('latin1');
    this.current.delete(key);
    this.previous.delete(key);
  }

  clear(): void {
    this.current.clear();
    this.previous.clear();
  }
}
