/**
 * A set of hashes that forgets its oldest entries beyond `capacity` (Map keeps insertion order).
 * Used for per-peer known inventory and recent rejects: losing an old entry costs at most one
 * redundant announcement, while an unbounded set would let a peer grow our memory forever.
 */
export class BoundedHashSet {
  private readonly entries = new Map<string, true>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  has(hash: Buffer): boolean {
    return this.entries.has(hash.toString('latin1'));
  }

  add(hash: Buffer): void {
    const key = hash.toString('latin1');
    if (this.entries.has(key)) this.entries.delete(key);
    this.entries.set(key, true);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  delete(hash: Buffer): void {
    this.entries.delete(hash.toString('latin1'));
  }

  clear(): void {
    this.entries.clear();
  }
}
